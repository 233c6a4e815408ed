"""Configs: what a YAML config may hold, reading and checking one, and the model it describes.

    config = load_config('configs/config_twolayer.yaml', learning_rate=0.5)   # a checked dict
    model = build_model(config)          # SoftmaxRegression or TwoLayerNet, as config['Model']
    for line in advice(config): print(line)   # allowed, but pointless, settings

A config has the course's two sections, Train (batch_size, learning_rate, reg, epochs,
momentum, debug) and Model (type, hidden_size). SCHEMA lists every key with its section,
type, range, default and models. Every problem is a ConfigError naming the file, the line
(for a YAML file), the key and what is accepted; a key or section given twice is one too.
A file is read within three limits (MAX_CONFIG_BYTES, MAX_YAML_NODES, MAX_YAML_DEPTH, each
with its reason below), so that no file given as a config takes long or much memory.
"""
import difflib
import math
import os
import stat
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

import utils
from lab import ROOT
from lab.files import file_in_the_way
from lab.parameters import MAX_EPOCHS, shown, whole_number
from models import SoftmaxRegression, TwoLayerNet

MODELS = {'SoftmaxRegression': SoftmaxRegression, 'TwoLayerNet': TwoLayerNet}
NO_DEFAULT = object()     # the default of a key that must be given
# The images one epoch trains on: the first 80% of MNIST's 60,000 training images.
TRAIN_SIZE = int(utils.TRAIN_FRACTION * sum(utils.DIGIT_COUNTS['train']))

# The limits of reading a YAML config, so that no file given as one can take long or much
# memory. The course's configs are about 200 bytes, 9 keys, 21 YAML nodes, 3 levels deep.
# The largest config file read: 64 KiB is hundreds of times a config with a comment on every
# line, and parses in milliseconds; a data file or an archive given by mistake is far larger
# and is refused from its size alone, before a byte of it is read.
MAX_CONFIG_BYTES = 64 * 1024
# The most YAML nodes (keys, values, list items) a config may hold once its aliases (*name)
# are expanded: 50 times the course's 21, room for anchors and merges (<<: *defaults), while
# "billion laughs" (a few hundred bytes of aliases of aliases that expand to 10**9 values)
# is refused as soon as one value passes it, before anything is expanded.
MAX_YAML_NODES = 1000
# The deepest nesting of lists and mappings: a config nests 3 levels; 20 keeps PyYAML's
# recursive composer far from Python's recursion limit on a file of 10,000 '['.
MAX_YAML_DEPTH = 20


class ConfigError(ValueError):
    """A config file or dict is missing, misspelt or holds an unusable value."""


@dataclass(frozen=True)
class Key:
    """One config key: its section, its type (int, float, bool or str), the
    range it must lie in (low excluded when low_open), its default, and the
    models that have such a setting (None: it is not the model's)."""
    section: str
    kind: type
    low: float = None
    low_open: bool = False
    high: float = None
    default: object = NO_DEFAULT
    models: tuple = None


SCHEMA = {
    'batch_size': Key('Train', int, low=1),
    'learning_rate': Key('Train', float, low=0.0, low_open=True),
    'reg': Key('Train', float, low=0.0),
    'epochs': Key('Train', int, low=1, high=MAX_EPOCHS),
    # Carried by the course's configs; its plain SGD never uses it.
    'momentum': Key('Train', float, low=0.0, default=0.9),
    'debug': Key('Train', bool, default=True),
    # Ours, not the course's: epoch e trains with learning_rate * lr_decay**e;
    # 1.0 keeps the rate constant, exactly as the course has it.
    'lr_decay': Key('Train', float, low=0.0, low_open=True, high=1.0, default=1.0),
    'type': Key('Model', str),
    'hidden_size': Key('Model', int, low=1, default=128, models=('TwoLayerNet',)),
}
SECTIONS = ('Train', 'Model')


def find_config(config):
    """A config path as given if it exists, else relative to the repository root (a dict,
    or a path found nowhere, as given: load_config then says what is wrong)."""
    if isinstance(config, (str, os.PathLike)) and os.fspath(config).strip() \
            and not os.path.exists(config):
        candidate = ROOT / config
        if candidate.exists():
            return candidate
    return config


def keys_of(section):
    return [name for name, key in SCHEMA.items() if key.section == section]


def _unknown_key_message(where, name, known):
    """'unknown key', with the closest known key as a likely typo, or the list of known keys."""
    if name in SCHEMA and name not in known:
        return f'{where}: the key {name!r} belongs in the section {SCHEMA[name].section!r}.'
    close = difflib.get_close_matches(name, known, n=1) if isinstance(name, str) else []
    hint = f' Did you mean {close[0]!r}?' if close else f" Known keys: {', '.join(sorted(known))}."
    return f'{where}: unknown key {shown(name)}.{hint}'


def _coerce(label, value, key):
    """One value checked against its Key: the right type (a numeric string is
    taken for a float, as PyYAML reads 1e-1 as text), within its range.

    label: where the value comes from and its name, for messages. NumPy's
    scalars count as the Python numbers they hold; booleans are not numbers.
    """
    if isinstance(value, np.generic):
        value = value.item()                # np.int64(32) -> 32, np.float32(0.5) -> 0.5, ...
        if isinstance(value, np.floating):  # np.longdouble's item() stays a NumPy scalar
            value = float(value)
    if key.kind is bool:
        if not isinstance(value, bool):
            raise ConfigError(f'{label} must be True or False, got {shown(value)}.')
        return value
    if key.kind is str:
        if not isinstance(value, str):
            raise ConfigError(f'{label} must be a name, got {shown(value)}.')
        return value
    if key.kind is int:
        # 10.0 is the whole number the user meant; 10.5 or '10' are not accepted.
        if isinstance(value, str):
            raise ConfigError(f'{label} must be a whole number such as 64, got the text '
                              f'{shown(value)}; write it without quotes or exponent.')
        if whole_number(value) is None:
            raise ConfigError(f'{label} must be a whole number, got {shown(value)}.')
        value = whole_number(value)
        if value >= 2 ** 63:    # it becomes a NumPy size or index
            raise ConfigError(f'{label} must be a whole number below 2**63, got {shown(value)}.')
    if key.kind is float:
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                raise ConfigError(f'{label} must be a number, got the text {shown(value)}.'
                                  ) from None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f'{label} must be a number, got {shown(value)}.')
        try:
            value = float(value)
        except OverflowError:   # an int beyond float's range, such as 10**400
            raise ConfigError(f'{label} must be a number a float can hold (at most about '
                              f'1.8e308), got {shown(value)}.') from None
        if not math.isfinite(value):
            raise ConfigError(f'{label} must be finite, got {value!r}.')
    if key.low is not None and (value < key.low or (key.low_open and value == key.low)):
        bound = f'greater than {key.low}' if key.low_open else f'at least {key.low}'
        raise ConfigError(f'{label} must be {bound}, got {shown(value)}.')
    if key.high is not None and value > key.high:
        raise ConfigError(f'{label} must be at most {key.high}, got {shown(value)}.')
    return value


class StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader, except that a mapping may not repeat a key, and that a document
    may not hold more than MAX_YAML_NODES nodes with its aliases expanded, nor nest deeper
    than MAX_YAML_DEPTH.

    safe_load silently keeps the last of two equal keys, so a second `reg:`
    would quietly replace the first, and a second `Train:` section the whole
    first one. Here either is a ConfigError naming both lines. Each composed node's
    expanded size is counted from its children's, so the count costs one step a node.
    """

    def __init__(self, stream):
        super().__init__(stream)
        self.sizes = {}     # node -> its number of nodes, aliases expanded
        self.keys = []      # the keys of the values being composed, outermost first
        self.depth = 0      # how many nodes are being composed, each inside the one before

    def _too_much(self, mark, what):
        key = f', key {self.keys[-1]!r}' if self.keys else ''
        return ConfigError(f'line {mark.line + 1}{key}: {what}')

    def compose_node(self, parent, index):
        event = self.peek_event()
        alias = event.anchor if isinstance(event, yaml.AliasEvent) else None
        if self.depth >= MAX_YAML_DEPTH:
            raise self._too_much(event.start_mark, f'nested more than {MAX_YAML_DEPTH} levels '
                                 'deep; a config nests 3 (section, key, value).')
        keyed = isinstance(index, yaml.ScalarNode)
        if keyed:
            self.keys.append(index.value)
        self.depth += 1
        node = super().compose_node(parent, index)
        self.depth -= 1
        if node not in self.sizes:
            if alias is not None:   # `&a [*a]`: PyYAML would build a list inside itself
                raise self._too_much(event.start_mark, f'the alias *{alias} refers to the '
                                     'value it sits in; write the value out instead.')
            self.sizes[node] = 1 + sum(self.sizes[child] for child in _children(node))
        if self.sizes[node] > MAX_YAML_NODES:
            raise self._too_much(event.start_mark, f'this value holds more than '
                                 f'{MAX_YAML_NODES:,} values, each alias (*name) counted as '
                                 'the values it stands for; a config holds about 20.')
        if keyed:
            self.keys.pop()
        return node

    def construct_document(self, node):
        self.root = node        # the top-level mapping, whose keys are the sections
        self.lines = key_lines(node)
        return super().construct_document(node)

    def construct_mapping(self, node, deep=False):
        lines = {}
        for key_node, _ in node.value:
            if key_node.tag == 'tag:yaml.org,2002:merge':   # `<<: *defaults` may be overridden
                continue
            key, line = self.construct_object(key_node, deep=True), key_node.start_mark.line + 1
            try:
                repeated = key in lines
            except TypeError:   # an unhashable key: PyYAML's own error says so below
                continue
            if repeated:
                what = 'section' if node is self.root else 'key'
                raise ConfigError(f'the {what} {shown(key)} is given twice, on lines '
                                  f'{lines[key]} and {line}; keep one of them.')
            lines[key] = line
        return super().construct_mapping(node, deep)


def _children(node):
    """The nodes directly inside a YAML node: a list's items, a mapping's keys and values."""
    if isinstance(node, yaml.SequenceNode):
        return node.value
    if isinstance(node, yaml.MappingNode):
        return [child for pair in node.value for child in pair]
    return []


def key_lines(root):
    """{(section,): line, (section, key): line} of a YAML document's node, lines from 1:
    where each section and each key under it is written, for messages."""
    lines = {}
    if not isinstance(root, yaml.MappingNode):
        return lines
    for section_node, keys_node in root.value:
        if not isinstance(section_node, yaml.ScalarNode):   # `? [a]: ...`: no name to look up
            continue
        section = section_node.value
        lines.setdefault((section,), section_node.start_mark.line + 1)
        if isinstance(keys_node, yaml.MappingNode):
            for key_node, _ in keys_node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    lines.setdefault((section, key_node.value), key_node.start_mark.line + 1)
    return lines


def _syntax_error(source, err, text):
    """The ConfigError of a YAML syntax error in text: the file, the line and what it reads,
    the problem in PyYAML's words, and how keys are written."""
    # The context ('while scanning a simple key') is where the bad line starts; the
    # problem mark is often the line after it.
    mark = getattr(err, 'context_mark', None) or getattr(err, 'problem_mark', None)
    if mark is None:
        return ConfigError(f'{source} is not valid YAML: {err}')
    problem = getattr(err, 'problem', None) or 'unreadable'
    lines = text.splitlines()
    line = lines[mark.line].strip() if mark.line < len(lines) else ''
    reads = f' (it reads {shown(line)})' if line else ''
    return ConfigError(f'{source}, line {mark.line + 1}{reads} is not valid YAML: {problem}. '
                       'Write each key as `name: value`, a space after the colon, indented '
                       'under its section as in the other files of configs/.')


def _wrong_kind(source, path):
    """The ConfigError of a path that names no config file: a folder, a path through a file,
    something that is not a file (a device, a pipe), or nothing at all."""
    through = file_in_the_way(path)
    if through is not None:
        return ConfigError(f'config file {source}: {through} is a file where the folder '
                           'belongs.')
    if path.is_dir():
        return ConfigError(f'{source} is a folder, not a config file; give a YAML file, such '
                           f"as {Path('configs', 'config_exp.yaml')}.")
    if path.exists():
        return ConfigError(f'{source} is not a file (a device or a pipe?); a config is a YAML '
                           'file.')
    return ConfigError(f"config file {source} does not exist; the defaults live in "
                       f"{ROOT / 'configs'}.")


def _read_text(source, path):
    """The text of a config file, checked to be a file of at most MAX_CONFIG_BYTES before a
    byte of it is read."""
    try:
        status = path.stat()
    except (FileNotFoundError, NotADirectoryError, ValueError):   # ValueError: a NUL in it
        raise _wrong_kind(source, path) from None
    except OSError as err:
        raise ConfigError(f'config file {source} cannot be read ({err}).') from None
    if not stat.S_ISREG(status.st_mode):
        raise _wrong_kind(source, path)
    too_large = (f"{source} is too large for a config: {{}} bytes, where a config has at most "
                 f"{MAX_CONFIG_BYTES:,} (the course's have about 200). Is it the right file?")
    if status.st_size > MAX_CONFIG_BYTES:
        raise ConfigError(too_large.format(f'{status.st_size:,}'))
    try:
        with open(path, 'rb') as handle:
            data = handle.read(MAX_CONFIG_BYTES + 1)    # a file that grew since: no more
        if len(data) > MAX_CONFIG_BYTES:
            raise ConfigError(too_large.format(f'over {MAX_CONFIG_BYTES:,}'))
        return data.decode('utf-8')
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f'config file {source} cannot be read ({err}).') from None


def _read(config):
    """(where it came from, the raw nested dict, key_lines()) of a YAML path or a dict
    (whose lines are {})."""
    if isinstance(config, dict):
        # Overrides are written into the sections: copy those, never the caller's dicts.
        return 'config', {section: dict(keys) if isinstance(keys, dict) else keys
                          for section, keys in config.items()}, {}
    if not isinstance(config, (str, os.PathLike)):
        raise ConfigError(f"a config is a YAML file's path or a dict, got {type(config).__name__}.")
    source = os.fspath(config)
    if not source.strip():
        raise ConfigError(f"the config path is empty; give a YAML file, such as "
                          f"{Path('configs', 'config_exp.yaml')}.")
    text = _read_text(source, Path(config))
    loader = StrictLoader(text)
    try:
        return source, loader.get_single_data(), getattr(loader, 'lines', {})
    except ConfigError as err:
        raise ConfigError(f'{source}: {err}') from None
    except yaml.MarkedYAMLError as err:
        raise _syntax_error(source, err, text) from None
    except (yaml.YAMLError, ValueError) as err:     # ValueError: e.g. a date such as 2001-02-30
        raise ConfigError(f'{source} is not valid YAML: {err}') from None
    finally:
        loader.dispose()


def load_config(config, **overrides):
    """Read and check a config: a YAML path or a dict with sections 'Train' and 'Model'.

    overrides: flat key names (learning_rate=0.5, hidden_size=256, ...), each
    put into its section. Returns a new nested dict with every key checked,
    numeric strings turned into floats and left-out keys at their defaults
    (hidden_size only for TwoLayerNet, the one model that has it: given for
    another model, it is an error).
    """
    source, raw, lines = _read(config)

    def where(*place):
        """The source, and the line of a section or (section, key) in a YAML file."""
        line = lines.get(place)
        return source if line is None else f'{source}, line {line}'

    if raw is None:
        raise ConfigError(f"{source} is empty; it needs the sections 'Train:' and 'Model:'.")
    if not isinstance(raw, dict):
        raise ConfigError(f"{source} must hold the sections 'Train:' and 'Model:', each with "
                          f"keys indented under it; found a {type(raw).__name__} instead.")
    for section in raw:
        if section not in SECTIONS:
            raise ConfigError(_unknown_key_message(where(section), section, SECTIONS))
    for section in SECTIONS:
        if section not in raw:
            raise ConfigError(f'{source} has no section {section!r}.')
        if not isinstance(raw[section], dict):
            found = 'nothing' if raw[section] is None else shown(raw[section])
            raise ConfigError(f'{where(section)}: the section {section!r} must hold keys '
                              f'indented under it, found {found}.')
    for name, value in overrides.items():
        if name not in SCHEMA:
            raise ConfigError(_unknown_key_message('override', name, list(SCHEMA)))
        if value is None:
            raise ConfigError(f"override {name}=None: give {name} a value, or leave the "
                              f"override out to keep the config's.")
        raw[SCHEMA[name].section][name] = value

    for section in SECTIONS:
        for name in raw[section]:
            if name not in keys_of(section):
                raise ConfigError(_unknown_key_message(f'{where(section, name)}, section '
                                                       f'{section}', name, keys_of(section)))
    checked = {section: {} for section in SECTIONS}
    for name, key in SCHEMA.items():
        given = raw[key.section]
        label = f"{'override' if name in overrides else where(key.section, name)}: {name}"
        if name not in given:
            if key.default is NO_DEFAULT:
                raise ConfigError(f'{where(key.section)}: section {key.section} lacks the key '
                                  f'{name!r}.')
            checked[key.section][name] = key.default
        elif given[name] is None:
            raise ConfigError(f"{label} has no value (nothing after the colon); give it one, "
                              f"as in the files in {ROOT / 'configs'}.")
        else:
            checked[key.section][name] = _coerce(label, given[name], key)

    model_type = checked['Model']['type']
    if model_type not in MODELS:
        close = difflib.get_close_matches(model_type, MODELS, n=1)
        hint = f'Did you mean {close[0]!r}? ' if close else ''
        raise ConfigError(f"{where('Model', 'type')}: unknown model type {shown(model_type)}. "
                          f"{hint}The models are {', '.join(MODELS)}.")
    for name, key in SCHEMA.items():
        if key.models is None or model_type in key.models:
            continue
        if name in raw[key.section]:
            place = 'override' if name in overrides else where(key.section, name)
            raise ConfigError(f"{place}: {name} is a setting of {', '.join(key.models)}; "
                              f"{model_type} has no such parameter. Leave {name} out, or set "
                              f"the type to {key.models[0]}.")
        del checked[key.section][name]
    return checked


def advice(config, train_size=TRAIN_SIZE):
    """What a checked config asks for that is allowed but pointless, as lines of text
    for the notebook to print ([] when there is nothing to say).

    train_size: the number of images an epoch trains on (the course's 48,000).
    """
    train, lines = config['Train'], []
    if train['batch_size'] >= train_size:
        lines.append(f"batch_size {train['batch_size']} is at least the whole training set "
                     f"({train_size:,} images), so each epoch makes a single step of SGD. "
                     f"The course's 64 makes {math.ceil(train_size / 64):,} steps per epoch.")
    if train['momentum'] != SCHEMA['momentum'].default:
        lines.append(f"momentum {train['momentum']:g} changes nothing: the course's SGD has no "
                     "momentum; its configs only carry the key.")
    return lines


def build_model(config):
    """The model a checked config describes, freshly initialised."""
    model = config['Model']
    if model['type'] != 'TwoLayerNet':
        return MODELS[model['type']]()
    try:
        return TwoLayerNet(hidden_size=model['hidden_size'])
    except MemoryError:
        raise ConfigError(f"hidden_size {model['hidden_size']:,} needs more memory than there "
                          f"is: W1 alone holds {model['hidden_size'] * 784 * 8 / 1e9:,.0f} GB. "
                          "The course's 128 needs 0.8 MB.") from None

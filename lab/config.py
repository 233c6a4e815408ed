"""Configs: what a YAML config may hold, reading and checking one, and the model it describes.

A config has two sections, as the course's files do:

    Train:                       Model:
      batch_size: 64               type: TwoLayerNet
      learning_rate: 0.1           hidden_size: 128
      reg: 0.001
      epochs: 10
      momentum: 0.9
      debug: True

SCHEMA below lists every key: its section, its type, the range it must lie
in, and its default when it may be left out. load_config checks a file or
dict against it and returns a new dict with every key present and checked;
every problem is a ConfigError naming the file, the key and what is accepted.
"""
import copy
import difflib
import math
import os
from dataclasses import dataclass

import yaml

from lab import ROOT
from models import SoftmaxRegression, TwoLayerNet

MODELS = {'SoftmaxRegression': SoftmaxRegression, 'TwoLayerNet': TwoLayerNet}
REQUIRED = object()     # the default of a key that must be given


class ConfigError(ValueError):
    """A config file or dict is missing, misspelt or holds an unusable value."""


@dataclass(frozen=True)
class Key:
    """One config key: its section, its type (int, float, bool or str), the
    range it must lie in (low excluded when low_open), and its default."""
    section: str
    kind: type
    low: float = None
    low_open: bool = False
    high: float = None
    default: object = REQUIRED


SCHEMA = {
    'batch_size': Key('Train', int, low=1),
    'learning_rate': Key('Train', float, low=0.0, low_open=True),
    'reg': Key('Train', float, low=0.0),
    'epochs': Key('Train', int, low=1),
    # Carried by the course's configs; its plain SGD never uses it.
    'momentum': Key('Train', float, low=0.0, default=0.9),
    'debug': Key('Train', bool, default=True),
    # Ours, not the course's: epoch e trains with learning_rate * lr_decay**e;
    # 1.0 keeps the rate constant, exactly as the course has it.
    'lr_decay': Key('Train', float, low=0.0, low_open=True, high=1.0, default=1.0),
    'type': Key('Model', str),
    'hidden_size': Key('Model', int, low=1, default=128),
}
SECTIONS = ('Train', 'Model')


def keys_of(section):
    return [name for name, key in SCHEMA.items() if key.section == section]


def _unknown_key_message(where, name, known):
    """'unknown key', with the closest known key as a likely typo, or the list of known keys."""
    if name in SCHEMA and name not in known:
        return f'{where}: the key {name!r} belongs in the section {SCHEMA[name].section!r}.'
    close = difflib.get_close_matches(str(name), [str(k) for k in known], n=1)
    hint = f' Did you mean {close[0]!r}?' if close else f" Known keys: {', '.join(sorted(known))}."
    return f'{where}: unknown key {name!r}.{hint}'


def _coerce(where, name, value, key):
    """One value checked against its Key: the right type (a numeric string is
    taken for a float, as PyYAML reads 1e-1 as text), within its range."""
    label = f'{where}: {name}'
    if value is None:
        raise ConfigError(f"{label} has no value (nothing after the colon); give it one, "
                          f"as in the files in {ROOT / 'configs'}.")
    if key.kind is bool:
        if not isinstance(value, bool):
            raise ConfigError(f'{label} must be True or False, got {value!r}.')
        return value
    if key.kind is str:
        if not isinstance(value, str):
            raise ConfigError(f'{label} must be a name, got {value!r}.')
        return value
    if key.kind is int:
        # 10.0 is the whole number the user meant; 10.5 or '10' are not accepted.
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str):
            raise ConfigError(f'{label} must be a whole number such as 64, got the text '
                              f'{value!r}; write it without quotes or exponent.')
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f'{label} must be a whole number, got {value!r}.')
    if key.kind is float:
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                raise ConfigError(f'{label} must be a number, got the text {value!r}.') from None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f'{label} must be a number, got {value!r}.')
        value = float(value)
        if not math.isfinite(value):
            raise ConfigError(f'{label} must be finite, got {value!r}.')
    if key.low is not None and (value < key.low or (key.low_open and value == key.low)):
        bound = f'greater than {key.low}' if key.low_open else f'at least {key.low}'
        raise ConfigError(f'{label} must be {bound}, got {value!r}.')
    if key.high is not None and value > key.high:
        raise ConfigError(f'{label} must be at most {key.high}, got {value!r}.')
    return value


def _read(config):
    """(where it came from, the raw nested dict) of a YAML path or a dict."""
    if isinstance(config, dict):
        return 'config', copy.deepcopy(config)
    if not isinstance(config, (str, os.PathLike)):
        raise ConfigError(f"a config is a YAML file's path or a dict, got {type(config).__name__}.")
    source = str(config)
    try:
        with open(config, encoding='utf-8') as handle:
            return source, yaml.safe_load(handle)
    except FileNotFoundError:
        raise ConfigError(f"config file {source} does not exist; the defaults live in "
                          f"{ROOT / 'configs'}.") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f'config file {source} cannot be read ({err}).') from None
    except yaml.YAMLError as err:
        raise ConfigError(f'{source} is not valid YAML: {err}') from None


def load_config(config, **overrides):
    """Read and check a config: a YAML path or a dict with sections 'Train' and 'Model'.

    overrides: flat key names (learning_rate=0.5, hidden_size=256, ...), each
    put into its section. Returns a new nested dict with every key checked,
    numeric strings turned into floats and left-out keys at their defaults
    (hidden_size only for TwoLayerNet, the one model that has it).
    """
    source, raw = _read(config)
    if raw is None:
        raise ConfigError(f"{source} is empty; it needs the sections 'Train:' and 'Model:'.")
    if not isinstance(raw, dict):
        raise ConfigError(f"{source} must hold the sections 'Train:' and 'Model:', each with "
                          f"keys indented under it; found a {type(raw).__name__} instead.")
    for section in raw:
        if section not in SECTIONS:
            raise ConfigError(_unknown_key_message(source, section, SECTIONS))
    for section in SECTIONS:
        if section not in raw:
            raise ConfigError(f'{source} has no section {section!r}.')
        if not isinstance(raw[section], dict):
            found = 'nothing' if raw[section] is None else repr(raw[section])
            raise ConfigError(f'{source}: the section {section!r} must hold keys indented under '
                              f'it, found {found}.')
    for name, value in overrides.items():
        if name not in SCHEMA:
            raise ConfigError(_unknown_key_message('override', name, list(SCHEMA)))
        raw[SCHEMA[name].section][name] = value

    checked = {section: {} for section in SECTIONS}
    for section in SECTIONS:
        for name in raw[section]:
            if name not in keys_of(section):
                raise ConfigError(_unknown_key_message(f'{source}, section {section}', name,
                                                       keys_of(section)))
    for name, key in SCHEMA.items():
        given = raw[key.section]
        if name in given:
            where = 'override' if name in overrides else source
            checked[key.section][name] = _coerce(where, name, given[name], key)
        elif key.default is REQUIRED:
            raise ConfigError(f'{source}: section {key.section} lacks the key {name!r}.')
        else:
            checked[key.section][name] = key.default

    model_type = checked['Model']['type']
    if model_type not in MODELS:
        close = difflib.get_close_matches(model_type, MODELS, n=1)
        hint = f'Did you mean {close[0]!r}? ' if close else ''
        raise ConfigError(f"{source}: unknown model type {model_type!r}. {hint}"
                          f"The models are {', '.join(MODELS)}.")
    if model_type != 'TwoLayerNet' and 'hidden_size' not in raw['Model']:
        del checked['Model']['hidden_size']
    return checked


def build_model(config):
    """The model a checked config describes, freshly initialised."""
    model = config['Model']
    if model['type'] == 'TwoLayerNet':
        return TwoLayerNet(hidden_size=model['hidden_size'])
    return MODELS[model['type']]()

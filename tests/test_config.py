"""lab.config: reading and checking a config, and the model it describes.

The shipped configs hold the course's fixed values (and configs/config_best.yaml
changes only what a config may change); overrides land in their sections;
what the user clearly meant (a numeric string for a float, 10.0 epochs, NumPy's
numbers) is accepted; every unusable config ends in a ConfigError naming the
file, the key and the problem: a key or section given twice (with both lines),
a setting the model does not have; the optional lr_decay is off unless asked
for; advice() names what is allowed but pointless. Hypothesis generates dicts,
overrides and YAML texts: each either loads or raises ConfigError, nothing else.
"""
import copy
import json
import os
import tempfile
import unittest
from unittest import mock

import numpy as np
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from lab.config import (
    MAX_CONFIG_BYTES,
    MAX_YAML_DEPTH,
    MAX_YAML_NODES,
    SCHEMA,
    TRAIN_SIZE,
    ConfigError,
    StrictLoader,
    advice,
    build_model,
    find_config,
    load_config,
)
from lab.parameters import MAX_EPOCHS
from models import SoftmaxRegression, TwoLayerNet
from tests import TempDirTestCase, committed, write_course_configs

# The course's configs (and our config_best.yaml) in a folder of their own: never the
# user's files, which they may have edited. TestShippedConfigs reads the committed ones.
_COURSE = tempfile.TemporaryDirectory(prefix='hw1-configs-')
CONFIGS = write_course_configs(_COURSE.name)
TWOLAYER = CONFIGS / 'config_twolayer.yaml'
SOFTMAX = CONFIGS / 'config_softmax.yaml'
EXP = CONFIGS / 'config_exp.yaml'
BEST = CONFIGS / 'config_best.yaml'
COURSE_CONFIGS = (SOFTMAX, TWOLAYER, EXP)

COURSE_TRAIN = {'batch_size': 64, 'learning_rate': 0.1, 'reg': 0.001, 'epochs': 10,
                'momentum': 0.9, 'debug': True}
GOOD = {'Train': dict(COURSE_TRAIN), 'Model': {'type': 'TwoLayerNet', 'hidden_size': 128}}
# What the tuning of config_best.yaml may change.
TUNABLE = {'hidden_size', 'learning_rate', 'reg', 'batch_size', 'epochs', 'lr_decay'}


def with_value(section, key, value):
    """GOOD with one value replaced (or added)."""
    config = copy.deepcopy(GOOD)
    config[section][key] = value
    return config


def without(section, key):
    """GOOD with one key left out."""
    config = copy.deepcopy(GOOD)
    del config[section][key]
    return config


def write(folder, text, name='exp.yaml'):
    """text written to folder/name; returns the path."""
    path = folder / name
    path.write_text(text)
    return path


def assert_config_error(test, config, *fragments, **overrides):
    """load_config(config, **overrides) raises ConfigError whose message holds every
    fragment (str() of each); returns the message."""
    with test.assertRaises(ConfigError) as caught:
        load_config(config, **overrides)
    message = str(caught.exception)
    for fragment in fragments:
        test.assertIn(str(fragment), message)
    return message


class TestShippedConfigs(TempDirTestCase):
    """The project's configs as committed hold the course's values (the user's copies may
    differ: collect's pre-flight grade tells them)."""

    def setUp(self):
        super().setUp()
        for name in ('softmax', 'twolayer', 'exp', 'best'):
            committed(f'configs/config_{name}.yaml', self.tmp)
        shipped = self.tmp / 'configs'
        self.twolayer, self.softmax, self.best = (shipped / f'config_{name}.yaml'
                                                  for name in ('twolayer', 'softmax', 'best'))
        self.course_configs = [shipped / f'config_{name}.yaml'
                               for name in ('softmax', 'twolayer', 'exp')]
        self.shipped = shipped

    def test_twolayer_defaults_are_the_course_values(self):
        config = load_config(self.twolayer)
        for key, value in COURSE_TRAIN.items():
            self.assertEqual(config['Train'][key], value, key)
        self.assertEqual(config['Model'], {'type': 'TwoLayerNet', 'hidden_size': 128})

    def test_softmax_defaults_are_the_course_values(self):
        config = load_config(self.softmax)
        for key, value in COURSE_TRAIN.items():
            self.assertEqual(config['Train'][key], value, key)
        self.assertEqual(config['Model']['type'], 'SoftmaxRegression')

    def test_yaml_files_hold_numbers_not_strings(self):
        # PyYAML reads '1e-1' as a string: the shipped files must not rely on that form
        for path in self.course_configs:
            with open(path) as f:
                raw = yaml.safe_load(f)
            with self.subTest(file=path.name):
                for key in ('learning_rate', 'reg'):
                    self.assertIsInstance(raw['Train'][key], (int, float))
                self.assertEqual(set(raw), {'Train', 'Model'})

    def test_loaded_config_agrees_with_the_yaml_file(self):
        with open(self.twolayer) as f:
            raw = yaml.safe_load(f)
        config = load_config(self.twolayer)
        for section in ('Train', 'Model'):
            for key, value in raw[section].items():
                self.assertEqual(config[section][key], value, f'{section}.{key}')

    def test_every_shipped_config_loads(self):
        for path in sorted(self.shipped.glob('*.yaml')):
            with self.subTest(path=path.name):
                config = load_config(path)
                if path != self.best:     # the tuned net uses batches of 32
                    self.assertEqual(config['Train']['batch_size'], 64)


class TestConfigBest(unittest.TestCase):
    """configs/config_best.yaml stays within the rules of the tuning: the course's
    TwoLayerNet and plain SGD, changed only in what a config may change."""

    def test_is_a_valid_config_for_the_two_layer_net(self):
        self.assertIsInstance(build_model(load_config(BEST)), TwoLayerNet)

    def test_differs_from_the_course_default_only_in_tunable_settings(self):
        best, default = load_config(BEST), load_config(TWOLAYER)
        changed = {key for section in best for key in best[section]
                   if best[section][key] != default[section][key]}
        self.assertTrue(changed)
        self.assertLessEqual(changed, TUNABLE)


class TestBuildModel(unittest.TestCase):
    def test_a_hidden_layer_too_large_for_memory_is_a_config_error(self):
        with self.assertRaises(ConfigError) as caught:
            build_model(load_config(TWOLAYER, hidden_size=2 ** 40))
        self.assertIn(f'hidden_size {2 ** 40:,}', str(caught.exception))

    def test_builds_the_configured_model_with_its_hidden_size(self):
        model = build_model(load_config(TWOLAYER, hidden_size=32))
        self.assertIsInstance(model, TwoLayerNet)
        self.assertEqual(model.weights['W1'].shape, (784, 32))
        self.assertIsInstance(build_model(load_config(SOFTMAX)), SoftmaxRegression)


class TestOverrides(unittest.TestCase):
    def test_overrides_are_routed_into_their_sections(self):
        config = load_config(TWOLAYER, learning_rate=0.5, hidden_size=64, epochs=1, reg=0.01)
        self.assertEqual(config['Train']['learning_rate'], 0.5)
        self.assertEqual(config['Train']['epochs'], 1)
        self.assertEqual(config['Train']['reg'], 0.01)
        self.assertEqual(config['Model']['hidden_size'], 64)
        self.assertNotIn('learning_rate', config['Model'])
        self.assertNotIn('hidden_size', config['Train'])
        self.assertEqual(config['Train']['batch_size'], 64)

    def test_unknown_override_gets_a_suggestion(self):
        assert_config_error(self, GOOD, "'learningrate'", "'learning_rate'", learningrate=0.5)

    def test_bad_override_is_blamed_on_the_override_not_the_file(self):
        message = assert_config_error(self, TWOLAYER, 'override', 'learning_rate',
                                      learning_rate=-1)
        self.assertNotIn(str(TWOLAYER), message)


class TestDictConfigs(unittest.TestCase):
    def test_dict_config_is_accepted_and_left_unmodified(self):
        given = with_value('Train', 'learning_rate', '1e-1')
        given['Model']['hidden_size'] = 32
        snapshot = copy.deepcopy(given)
        config = load_config(given, epochs=2)
        self.assertEqual(config['Train']['epochs'], 2)
        self.assertEqual(config['Train']['learning_rate'], 0.1)
        self.assertEqual(config['Model']['hidden_size'], 32)
        self.assertEqual(given, snapshot)


class TestFiles(TempDirTestCase):
    def test_missing_file_names_it_and_where_the_defaults_are(self):
        path = self.tmp / 'nope.yaml'
        assert_config_error(self, path, path, 'does not exist', 'configs')

    def test_invalid_yaml_is_named(self):
        path = write(self.tmp, 'Train: [unclosed\n')
        assert_config_error(self, path, path, 'not valid YAML')

    def test_empty_file(self):
        path = write(self.tmp, '')
        assert_config_error(self, path, path, 'is empty')

    def test_yaml_holding_a_list(self):
        path = write(self.tmp, '- Train\n- Model\n')
        assert_config_error(self, path, path, "'Train:'", 'list')

    def test_a_folder_is_not_a_config(self):
        assert_config_error(self, self.tmp, self.tmp, 'is a folder, not a config file')

    def test_a_path_through_a_file_names_that_file(self):
        config = write(self.tmp, 'Train: {}\n')
        message = assert_config_error(self, config / 'exp.yaml', f'{config} is a file where the '
                                      'folder belongs')
        self.assertNotIn('does not exist', message)

    def test_an_empty_path_is_named_as_such_never_taken_for_the_repository(self):
        self.assertEqual(find_config(''), '')
        for path in ('', '  '):
            with self.subTest(path=path):
                assert_config_error(self, path, 'the config path is empty')

    def test_a_pipe_is_not_opened(self):
        # Opening a pipe for reading waits for a writer: the check must come first.
        if not hasattr(os, 'mkfifo'):
            self.skipTest('no named pipes here')
        pipe = self.tmp / 'exp.yaml'
        os.mkfifo(pipe)
        assert_config_error(self, pipe, pipe, 'is not a file')

    def test_a_device_is_not_read(self):
        if not os.path.exists(os.devnull) or os.name == 'nt':
            self.skipTest('no /dev/null here')
        assert_config_error(self, os.devnull, os.devnull, 'is not a file')

    def test_something_neither_path_nor_dict(self):
        assert_config_error(self, 42, 'path or a dict', 'int')

    def test_scientific_notation_in_yaml_becomes_a_float(self):
        path = write(self.tmp, 'Train:\n  batch_size: 64\n  learning_rate: 1e-1\n  reg: 5e-4\n'
                               '  epochs: 2\nModel:\n  type: SoftmaxRegression\n')
        config = load_config(path)
        self.assertEqual(config['Train']['learning_rate'], 0.1)
        self.assertEqual(config['Train']['reg'], 0.0005)

    def test_exponents_written_in_a_yaml_file_are_read_as_the_numbers_they_are(self):
        path = write(self.tmp, 'Train:\n  batch_size: 64\n  learning_rate: 1E-4\n  reg: .5e-3\n'
                               '  epochs: 2\n  momentum: 9e-1\n  lr_decay: 99e-2\n'
                               'Model:\n  type: SoftmaxRegression\n')
        self.assertIsInstance(yaml.safe_load(path.read_text())['Train']['learning_rate'], str)
        train = load_config(path)['Train']
        self.assertEqual((train['learning_rate'], train['reg'], train['momentum'],
                          train['lr_decay']), (1e-4, 5e-4, 0.9, 0.99))

    def test_empty_value_in_yaml_names_the_key(self):
        path = write(self.tmp, 'Train:\n  batch_size: 64\n  learning_rate:\n  reg: 0.001\n'
                               '  epochs: 2\nModel:\n  type: TwoLayerNet\n')
        assert_config_error(self, path, path, 'learning_rate', 'no value')

    def test_yaml_no_is_a_boolean(self):
        path = write(self.tmp, 'Train:\n  batch_size: 64\n  learning_rate: 0.1\n  reg: 0.001\n'
                               '  epochs: 2\n  debug: no\nModel:\n  type: TwoLayerNet\n')
        self.assertIs(load_config(path)['Train']['debug'], False)


class TestSectionsAndKeys(TempDirTestCase):
    def test_missing_section(self):
        config = copy.deepcopy(GOOD)
        del config['Model']
        assert_config_error(self, config, "no section 'Model'")

    def test_empty_section(self):
        path = write(self.tmp, 'Train:\n  batch_size: 64\n  learning_rate: 0.1\n  reg: 0.001\n'
                               '  epochs: 2\nModel:\n')
        assert_config_error(self, path, path, "'Model'", 'found nothing')

    def test_section_holding_a_value_instead_of_keys(self):
        config = copy.deepcopy(GOOD)
        config['Model'] = 'TwoLayerNet'
        assert_config_error(self, config, "'Model'", "'TwoLayerNet'")

    def test_misspelt_section_gets_a_suggestion(self):
        config = copy.deepcopy(GOOD)
        config['train'] = config.pop('Train')
        assert_config_error(self, config, "'train'", "Did you mean 'Train'?")

    def test_missing_required_key(self):
        for key in ('batch_size', 'learning_rate', 'reg', 'epochs'):
            with self.subTest(key=key):
                assert_config_error(self, without('Train', key), 'Train', repr(key))
        assert_config_error(self, without('Model', 'type'), 'Model', "'type'")

    def test_misspelt_key_gets_a_suggestion(self):
        config = copy.deepcopy(GOOD)
        config['Train']['learning_rat'] = config['Train'].pop('learning_rate')
        assert_config_error(self, config, "'learning_rat'", "Did you mean 'learning_rate'?")

    def test_unknown_key_without_a_close_match_lists_the_known_ones(self):
        assert_config_error(self, with_value('Train', 'colour', 'red'), "'colour'", 'batch_size')

    def test_key_in_the_wrong_section_says_where_it_belongs(self):
        config = copy.deepcopy(GOOD)
        config['Train']['hidden_size'] = config['Model'].pop('hidden_size')
        assert_config_error(self, config, "'hidden_size'", "belongs in the section 'Model'")

    def test_unindented_key_says_which_section_it_belongs_in(self):
        path = write(self.tmp, 'Train:\nbatch_size: 64\nModel:\n  type: TwoLayerNet\n')
        assert_config_error(self, path, path, "'batch_size'", "belongs in the section 'Train'")

    def test_non_string_key_is_reported_not_crashed_on(self):
        path = write(self.tmp, 'Train:\n  batch_size: 64\n  learning_rate: 0.1\n  reg: 0.001\n'
                               '  epochs: 2\n  1: 2\nModel:\n  type: TwoLayerNet\n')
        assert_config_error(self, path, 'unknown key 1')


class TestLinesInMessages(TempDirTestCase):
    """A problem in a YAML file is named with its line, so the student finds it at once."""
    TEXT = ('# a comment\nTrain:\n  batch_size: 64\n  learning_rate: {lr}\n  reg: 0.001\n'
            '  epochs: 2\nModel:\n  type: {model}\n')

    def config(self, lr='0.1', model='TwoLayerNet'):
        return write(self.tmp, self.TEXT.format(lr=lr, model=model))

    def test_a_bad_value_names_the_file_the_line_and_the_key(self):
        path = self.config(lr='0.1.')     # the typo: PyYAML reads it as a text
        message = assert_config_error(self, path, f'{path}, line 4: learning_rate', "'0.1.'")
        self.assertIn('must be a number', message)

    def test_a_line_that_is_not_yaml_names_the_file_the_line_and_what_it_reads(self):
        path = self.config(lr='0.1\n  reg 0.001')
        assert_config_error(self, path, f'{path}, line 5', "'reg 0.001'", 'not valid YAML',
                            '`name: value`')

    def test_an_unclosed_bracket_names_the_line_it_opens_on(self):
        path = self.config(lr='[0.1')
        assert_config_error(self, path, f'{path}, line 4', "'learning_rate: [0.1'")

    def test_a_misspelt_key_names_its_line(self):
        path = write(self.tmp, self.TEXT.format(lr='0.1', model='TwoLayerNet').replace(
            'learning_rate', 'learning_rat'))
        assert_config_error(self, path, f'{path}, line 4, section Train', "'learning_rat'")

    def test_a_misspelt_model_type_names_its_line(self):
        path = self.config(model='TwoLayerNN')
        assert_config_error(self, path, f'{path}, line 8: unknown model type')

    def test_a_missing_key_names_the_line_of_its_section(self):
        path = write(self.tmp, self.TEXT.format(lr='0.1', model='TwoLayerNet').replace(
            '  reg: 0.001\n', ''))
        assert_config_error(self, path, f'{path}, line 2: section Train lacks the key')

    def test_a_dict_config_has_no_lines_to_name(self):
        message = assert_config_error(self, with_value('Train', 'reg', 'fast'), 'config: reg')
        self.assertNotIn('line', message)


class TestModelType(unittest.TestCase):
    def test_unknown_model_type_lists_the_models(self):
        assert_config_error(self, with_value('Model', 'type', 'ConvNet'), "'ConvNet'",
                            'SoftmaxRegression', 'TwoLayerNet')

    def test_misspelt_model_type_gets_a_suggestion(self):
        assert_config_error(self, with_value('Model', 'type', 'TwoLayerNN'),
                            "Did you mean 'TwoLayerNet'?")

    def test_model_type_must_be_a_name(self):
        assert_config_error(self, with_value('Model', 'type', 3), 'type', 'a name', '3')


class TestValues(unittest.TestCase):
    def test_out_of_range_values_name_key_and_value(self):
        cases = [('Train', 'batch_size', 0), ('Train', 'batch_size', -64),
                 ('Train', 'learning_rate', -0.1), ('Train', 'learning_rate', 0),
                 ('Train', 'reg', -0.001), ('Train', 'epochs', 0),
                 ('Model', 'hidden_size', 0)]
        for section, key, value in cases:
            with self.subTest(key=key, value=value):
                assert_config_error(self, with_value(section, key, value), key, repr(value))

    def test_epochs_must_be_a_whole_number(self):
        assert_config_error(self, with_value('Train', 'epochs', 2.5), 'epochs', 'whole number',
                            '2.5')

    def test_whole_valued_float_is_taken_as_that_integer(self):
        config = load_config(with_value('Train', 'epochs', 10.0))
        self.assertEqual(config['Train']['epochs'], 10)
        self.assertIs(type(config['Train']['epochs']), int)

    def test_quoted_integer_is_refused_with_a_hint(self):
        assert_config_error(self, with_value('Train', 'batch_size', '64'), 'batch_size',
                            "'64'", 'without quotes')

    def test_booleans_are_not_numbers(self):
        assert_config_error(self, with_value('Train', 'epochs', True), 'epochs', 'True')
        assert_config_error(self, with_value('Train', 'learning_rate', False), 'learning_rate')

    def test_numeric_strings_are_accepted_for_float_fields(self):
        for text, value in (('1e-1', 0.1), ('0.5', 0.5), ('3', 3.0), ('1E-3', 0.001)):
            with self.subTest(text=text):
                config = load_config(with_value('Train', 'learning_rate', text))
                self.assertEqual(config['Train']['learning_rate'], value)
                self.assertIs(type(config['Train']['learning_rate']), float)

    def test_other_strings_for_float_fields_name_the_key(self):
        for text in ('fast', '0.1.2', ''):
            with self.subTest(text=text):
                assert_config_error(self, with_value('Train', 'reg', text), 'reg', repr(text))

    def test_every_float_key_takes_the_exponents_yaml_hands_over_as_text(self):
        # PyYAML reads 1e-4, 1E-4 and -1e-4 (no dot) as strings; a quoted value with spaces too.
        floats = [name for name, key in SCHEMA.items() if key.kind is float]
        self.assertEqual(floats, ['learning_rate', 'reg', 'momentum', 'lr_decay'])
        for name in floats:
            for text, value in (('1e-4', 1e-4), ('1E-4', 1e-4), ('.5e-3', 5e-4),
                                (' 1e-4 ', 1e-4), ('+2e-1', 0.2)):
                with self.subTest(key=name, text=text):
                    config = load_config(with_value('Train', name, text))
                    self.assertEqual(config['Train'][name], value)

    def test_a_negative_exponent_text_is_read_then_refused_by_the_range(self):
        for name in ('learning_rate', 'reg', 'momentum'):
            with self.subTest(key=name):
                message = assert_config_error(self, with_value('Train', name, '-1e-4'), name,
                                              '-0.0001')
                self.assertNotIn('must be a number', message)

    def test_text_that_only_starts_as_a_number_is_refused(self):
        for text in ('1e-4abc', '1e-4 0.1', '0x10', '1e'):
            with self.subTest(text=text):
                assert_config_error(self, with_value('Train', 'learning_rate', text),
                                    'learning_rate', 'must be a number', repr(text))

    def test_epochs_have_an_upper_bound_no_honest_run_reaches(self):
        self.assertEqual(load_config(TWOLAYER, epochs=MAX_EPOCHS)['Train']['epochs'], MAX_EPOCHS)
        for value in (MAX_EPOCHS + 1, 10 ** 12):
            with self.subTest(epochs=value):
                assert_config_error(self, TWOLAYER, 'epochs', f'at most {MAX_EPOCHS}',
                                    epochs=value)

    def test_non_finite_floats_are_refused(self):
        for value in ('nan', 'inf', float('inf')):
            with self.subTest(value=value):
                assert_config_error(self, with_value('Train', 'learning_rate', value),
                                    'learning_rate', 'finite')

    def test_debug_must_be_true_or_false(self):
        for value in (1, 'yes please'):
            with self.subTest(value=value):
                assert_config_error(self, with_value('Train', 'debug', value), 'debug',
                                    'True or False')


class TestStrictYaml(TempDirTestCase):
    """PyYAML's safe_load keeps the last of two equal keys without a word."""

    def test_a_key_given_twice_is_an_error_naming_both_lines(self):
        path = write(self.tmp, 'Train:\n  batch_size: 64\n  learning_rate: 0.1\n  reg: 0.001\n'
                               '  epochs: 2\n  reg: 0.1\nModel:\n  type: TwoLayerNet\n')
        assert_config_error(self, path, path, "key 'reg'", 'twice', 'lines 4 and 6')

    def test_a_section_given_twice_is_an_error_naming_both_lines(self):
        # Not "lacks learning_rate", which the second, shorter section would give.
        path = write(self.tmp, 'Train:\n  batch_size: 64\n  learning_rate: 0.1\n  reg: 0.001\n'
                               '  epochs: 2\nModel:\n  type: TwoLayerNet\nTrain:\n  epochs: 3\n')
        message = assert_config_error(self, path, path, "section 'Train'", 'lines 1 and 8')
        self.assertNotIn('lacks', message)

    def test_a_key_repeated_on_one_line_is_refused(self):
        path = write(self.tmp, 'Train: {batch_size: 64, learning_rate: 0.1, reg: 0.001, '
                               'epochs: 2, epochs: 3}\nModel: {type: TwoLayerNet}\n')
        assert_config_error(self, path, "key 'epochs'", 'lines 1 and 1')

    def test_keys_equal_as_yaml_values_are_a_repeat(self):
        path = write(self.tmp, 'Train:\n  batch_size: 64\n  learning_rate: 0.1\n  reg: 0.001\n'
                               '  epochs: 2\n  1: a\n  1.0: b\nModel:\n  type: TwoLayerNet\n')
        assert_config_error(self, path, 'key 1', 'lines 6 and 7')

    def test_the_shipped_configs_repeat_nothing(self):
        for path in sorted(CONFIGS.glob('*.yaml')):
            with self.subTest(path=path.name):
                load_config(path)


class TestModelSpecificKeys(TempDirTestCase):
    def test_hidden_size_for_softmax_is_an_error_naming_the_key_and_the_model(self):
        path = write(self.tmp, SOFTMAX.read_text() + '  hidden_size: 128\n')
        assert_config_error(self, path, path, 'hidden_size', 'SoftmaxRegression', 'TwoLayerNet')

    def test_hidden_size_as_an_override_for_softmax_is_blamed_on_the_override(self):
        message = assert_config_error(self, SOFTMAX, 'override', 'hidden_size',
                                      'SoftmaxRegression', hidden_size=64)
        self.assertNotIn(str(SOFTMAX), message)

    def test_softmax_configs_hold_no_hidden_size(self):
        self.assertEqual(load_config(SOFTMAX)['Model'], {'type': 'SoftmaxRegression'})

    def test_momentum_stays_accepted_for_every_model(self):
        for path in (SOFTMAX, TWOLAYER):
            with self.subTest(config=path.name):
                self.assertEqual(load_config(path, momentum=0.5)['Train']['momentum'], 0.5)


class TestNumbers(unittest.TestCase):
    """Python's and NumPy's numbers alike; booleans are not numbers."""

    def test_numpy_scalars_are_taken_as_the_python_numbers_they_hold(self):
        config = load_config(TWOLAYER, batch_size=np.int64(32), learning_rate=np.float32(0.5),
                             reg=np.float64(0.01), epochs=np.float32(3.0),
                             hidden_size=np.uint16(64), debug=np.bool_(False))
        expected = {('Train', 'batch_size'): 32, ('Train', 'learning_rate'): 0.5,
                    ('Train', 'reg'): 0.01, ('Train', 'epochs'): 3,
                    ('Model', 'hidden_size'): 64, ('Train', 'debug'): False}
        for (section, key), value in expected.items():
            with self.subTest(key=key):
                self.assertEqual(config[section][key], value)
                self.assertIs(type(config[section][key]), type(value))
        json.dumps(config)     # what results.json will hold

    def test_numpy_scalars_in_a_dict_config_too(self):
        config = load_config(with_value('Train', 'batch_size', np.int32(16)))
        self.assertIs(type(config['Train']['batch_size']), int)

    def test_numpy_booleans_are_not_numbers(self):
        for key in ('batch_size', 'learning_rate'):
            with self.subTest(key=key):
                assert_config_error(self, TWOLAYER, key, 'True', **{key: np.bool_(True)})

    def test_an_integer_too_large_for_a_float_is_a_config_error(self):
        assert_config_error(self, TWOLAYER, 'learning_rate', 'float can hold',
                            '401-digit number', learning_rate=10 ** 400)

    def test_integers_python_will_not_write_out_are_described(self):
        # repr() of an integer over 4300 digits raises ValueError on Python 3.11+.
        assert_config_error(self, TWOLAYER, 'batch_size', 'at least 1',
                            'negative 5001-digit number', batch_size=-10 ** 5000)

    def test_whole_numbers_numpy_cannot_hold_are_refused(self):
        # Sizes and epochs become NumPy shapes and indices; and results.json must hold them.
        assert_config_error(self, TWOLAYER, 'batch_size', 'below 2**63', batch_size=2 ** 63)

    def test_an_override_of_none_says_so_in_override_terms(self):
        message = assert_config_error(self, TWOLAYER, 'override epochs=None', epochs=None)
        self.assertNotIn('colon', message)


class TestAdvice(unittest.TestCase):
    def test_the_training_set_holds_48000_images(self):
        self.assertEqual(TRAIN_SIZE, 48000)

    def test_the_shipped_configs_get_none(self):
        for path in sorted(CONFIGS.glob('*.yaml')):
            with self.subTest(path=path.name):
                self.assertEqual(advice(load_config(path)), [])

    def test_a_batch_as_large_as_the_training_set_makes_one_step_per_epoch(self):
        for size in (48000, 60000):
            with self.subTest(batch_size=size):
                (line,) = advice(load_config(TWOLAYER, batch_size=size))
                for fragment in (f'batch_size {size}', '48,000', 'single step'):
                    self.assertIn(fragment, line)
        self.assertEqual(advice(load_config(TWOLAYER, batch_size=47999)), [])

    def test_momentum_other_than_the_courses_changes_nothing(self):
        (line,) = advice(load_config(SOFTMAX, momentum=0.5))
        self.assertIn('momentum 0.5 changes nothing', line)


class TestLrDecay(unittest.TestCase):
    """Ours, not the course's: epoch e trains with learning_rate * lr_decay**e."""

    def test_is_off_by_default_in_the_course_configs(self):
        for path in COURSE_CONFIGS:
            with self.subTest(config=path.name):
                self.assertEqual(load_config(path)['Train']['lr_decay'], 1.0)

    def test_accepts_a_yaml_exponent_string(self):
        self.assertEqual(load_config(TWOLAYER, lr_decay='9e-1')['Train']['lr_decay'], 0.9)

    def test_rejects_values_outside_zero_to_one(self):
        for bad in (0.0, -0.5, 1.5, 'fast', True):
            with self.subTest(lr_decay=bad):
                assert_config_error(self, TWOLAYER, 'lr_decay', lr_decay=bad)


def course_text(padding=''):
    """The course's two-layer config as YAML text, with padding appended."""
    return ('Train:\n  batch_size: 64\n  learning_rate: 0.1\n  reg: 0.001\n  epochs: 10\n'
            '  momentum: 0.9\n  debug: True\nModel:\n  type: TwoLayerNet\n  hidden_size: 128\n'
            + padding)


def aliased(items, aliases, extra=''):
    """YAML whose expanded node count is 5 + items + aliases * (1 + items) (+ 1 with extra):
    a list of `items` scalars, and a list of `aliases` aliases of it."""
    return (f"x: &x [{', '.join(['1'] * items)}]\n"
            f"y: [{', '.join(['*x'] * aliases + ([extra] if extra else []))}]\n")


def nested(depth):
    """YAML of depth nodes, one inside the other: depth - 1 lists around a scalar."""
    return '[' * (depth - 1) + '1' + ']' * (depth - 1)


class TestLimits(TempDirTestCase):
    """Each limit of reading a config: an input at it is read, one just over it refused
    with the file, the line and the key, and never with the value it expands to."""

    def compose(self, text):
        """What StrictLoader makes of text (the limits live there, before the schema)."""
        return yaml.load(text, Loader=StrictLoader)

    def test_a_config_of_exactly_the_size_limit_loads(self):
        text = course_text()
        path = write(self.tmp, text + '#' * (MAX_CONFIG_BYTES - len(text)))
        self.assertEqual(path.stat().st_size, MAX_CONFIG_BYTES)
        self.assertEqual(load_config(path)['Model']['hidden_size'], 128)

    def test_a_config_one_byte_over_the_size_limit_is_refused_with_its_size(self):
        text = course_text()
        path = write(self.tmp, text + '#' * (MAX_CONFIG_BYTES + 1 - len(text)))
        assert_config_error(self, path, path, 'too large for a config',
                            f'{MAX_CONFIG_BYTES + 1:,} bytes', f'at most {MAX_CONFIG_BYTES:,}')

    def test_a_huge_file_is_refused_from_its_size_before_any_byte_is_read(self):
        path = self.tmp / 'mnist.yaml'
        with open(path, 'wb') as handle:
            handle.write(course_text().encode())
            try:
                handle.truncate(2 ** 40)    # a terabyte, sparse: nothing is written
            except OSError:
                self.skipTest('no sparse files here')
        with mock.patch('lab.config.open', side_effect=AssertionError('read'), create=True):
            assert_config_error(self, path, f'{2 ** 40:,} bytes')

    def test_nested_aliases_expanding_to_the_node_limit_are_read(self):
        self.assertEqual(5 + 11 + 82 * 12, MAX_YAML_NODES)
        loaded = self.compose(aliased(11, 82))
        self.assertEqual(len(loaded['y']), 82)

    def test_nested_aliases_one_node_over_the_limit_are_refused(self):
        with self.assertRaises(ConfigError) as caught:
            self.compose(aliased(11, 82, extra='1'))
        self.assertIn(f'more than {MAX_YAML_NODES:,} values', str(caught.exception))

    def test_billion_laughs_is_refused_with_the_file_line_and_key_never_its_expansion(self):
        lines = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]']
        lines += [f"{key}: &{key} [{', '.join([f'*{inner}'] * 9)}]"
                  for inner, key in zip('abcdefgh', 'bcdefghi')]
        path = write(self.tmp, '\n'.join(lines) + '\n')
        self.assertLess(path.stat().st_size, 400)       # 9**9 values once expanded
        message = assert_config_error(self, path, f'{path}: line 4', "key 'd'",
                                      f'more than {MAX_YAML_NODES:,} values')
        self.assertNotIn('lol', message)
        self.assertLess(len(message), 300)

    def test_an_aliased_value_inside_a_section_names_its_key(self):
        path = write(self.tmp, aliased(11, 84).replace('y:', 'Train:\n  reg:'))
        assert_config_error(self, path, 'line 3', "key 'reg'")

    def test_an_alias_inside_its_own_value_is_refused(self):
        path = write(self.tmp, course_text().replace('reg: 0.001', 'reg: &r [*r]'))
        assert_config_error(self, path, 'line 4', "key 'reg'", 'the alias *r refers to the '
                            'value it sits in')

    def test_nesting_at_the_depth_limit_is_read(self):
        self.assertEqual(self.compose(nested(MAX_YAML_DEPTH)),
                         eval(nested(MAX_YAML_DEPTH)))

    def test_nesting_one_level_over_the_depth_limit_is_refused(self):
        path = write(self.tmp, nested(MAX_YAML_DEPTH + 1))
        assert_config_error(self, path, path, f'nested more than {MAX_YAML_DEPTH} levels')

    def test_a_file_of_brackets_is_refused_not_a_recursion_error(self):
        path = write(self.tmp, '[' * MAX_CONFIG_BYTES)
        assert_config_error(self, path, 'nested more than')


# ---------------------------------------------------------------------------
# Properties: any input either loads or raises ConfigError
# ---------------------------------------------------------------------------

PROPERTY = settings(max_examples=150, deadline=None, database=None)
numpy_scalars = st.one_of(st.integers(-2 ** 63, 2 ** 63 - 1).map(np.int64),
                          st.floats(width=32).map(np.float32), st.floats().map(np.float64),
                          st.booleans().map(np.bool_), st.integers(0, 255).map(np.uint8))
# Integers up to 4000 digits: hypothesis cannot write out larger ones when it reports a
# failure (TestNumbers checks those).
values = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(10 ** 300, 10 ** 4000), st.floats(),
    st.text(max_size=8), numpy_scalars,
    st.sampled_from(['1e-1', '64', 'nan', '-inf', '1e999', 'TwoLayerNet', 'SoftmaxRegression']),
    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(),
                                                         max_size=2))
key_names = st.one_of(st.sampled_from(list(SCHEMA)), st.text(max_size=6), st.integers())
sections = st.dictionaries(key_names, values, max_size=4)


@st.composite
def dict_configs(draw):
    """GOOD with a few values replaced, keys added or removed, or a wholly random dict."""
    if draw(st.booleans()):
        return draw(st.dictionaries(st.one_of(st.sampled_from(['Train', 'Model']), key_names),
                                    st.one_of(values, sections), max_size=3))
    config = copy.deepcopy(GOOD)
    for name, value in draw(st.dictionaries(st.sampled_from(list(SCHEMA)), values,
                                            max_size=3)).items():
        config[draw(st.sampled_from(['Train', 'Model']))][name] = value
    for name in draw(st.lists(st.sampled_from(list(SCHEMA)), max_size=2)):
        config[SCHEMA[name].section].pop(name, None)
    return config


overrides = st.dictionaries(st.sampled_from(list(SCHEMA) + ['colour']), values, max_size=3)
# YAML lines from pieces of configs, good and bad (dates that do not exist, tags,
# anchors, flow collections, 5000-digit integers), one or the other section first.
yaml_keys = st.sampled_from(['Train', 'Model', 'train', '<<', '? a', '- x', '1'] + list(SCHEMA))
yaml_values = st.sampled_from(
    ['', '64', '0.1', '1e-1', '1.0e-1', 'True', 'no', '~', '[1, 2]', '{a: 1}', '2001-02-30',
     '2001-02-03', '1' * 5000, "'64'", '&a 1', '*a', '!!binary aGk=', '!!python/object:os.system',
     'TwoLayerNet', 'SoftmaxRegression', '.inf', '0x40', '1_000', '"unclosed', '- 1', '|'])
yaml_lines = st.tuples(st.sampled_from(['', '  ', '    ']), yaml_keys,
                       st.sampled_from([': ', ':', ' ']), yaml_values).map(''.join)


class TestConfigProperties(TempDirTestCase):
    def assertLoadsOrConfigError(self, config, **overrides):
        """load_config either returns a config of plain Python values or raises ConfigError."""
        try:
            loaded = load_config(config, **overrides)
        except ConfigError:
            return
        except Exception as err:   # the failure this test exists to find
            self.fail(f'{type(err).__name__} instead of ConfigError: {err}')
        for section in loaded.values():
            for value in section.values():
                self.assertIn(type(value), (int, float, bool, str))
        json.dumps(loaded)

    @PROPERTY
    @given(dict_configs(), overrides)
    def test_any_dict_and_overrides_either_load_or_raise_config_error(self, config, extra):
        self.assertLoadsOrConfigError(config, **extra)

    @PROPERTY
    @given(overrides)
    def test_any_overrides_of_a_shipped_config_either_load_or_raise_config_error(self, extra):
        self.assertLoadsOrConfigError(TWOLAYER, **extra)

    @PROPERTY
    @given(st.lists(yaml_lines, max_size=10), st.booleans())
    def test_any_yaml_text_either_loads_or_raises_config_error(self, lines, train_first):
        sections = [TWOLAYER.read_text().split('Model:')[0], 'Model:\n  type: TwoLayerNet\n']
        text = ''.join(sections[::1 if train_first else -1]) + '\n'.join(lines)
        self.assertLoadsOrConfigError(write(self.tmp, text))


if __name__ == '__main__':
    unittest.main()

"""lab.config: reading and checking a config, and the model it describes.

The shipped configs hold the course's fixed values (and configs/config_best.yaml
changes only what a config may change); overrides land in their sections;
what the user clearly meant (a numeric string for a float, 10.0 epochs) is
accepted; every unusable config ends in a ConfigError naming the file, the
key and the problem; the optional lr_decay is off unless asked for.
"""
import copy
import unittest

import yaml

from lab.config import ConfigError, build_model, load_config
from models import SoftmaxRegression, TwoLayerNet
from tests import ROOT, TempDirTestCase

CONFIGS = ROOT / 'configs'
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


class TestShippedConfigs(unittest.TestCase):
    def test_twolayer_defaults_are_the_course_values(self):
        config = load_config(TWOLAYER)
        for key, value in COURSE_TRAIN.items():
            self.assertEqual(config['Train'][key], value, key)
        self.assertEqual(config['Model'], {'type': 'TwoLayerNet', 'hidden_size': 128})

    def test_softmax_defaults_are_the_course_values(self):
        config = load_config(SOFTMAX)
        for key, value in COURSE_TRAIN.items():
            self.assertEqual(config['Train'][key], value, key)
        self.assertEqual(config['Model']['type'], 'SoftmaxRegression')

    def test_yaml_files_hold_numbers_not_strings(self):
        # PyYAML reads '1e-1' as a string: the shipped files must not rely on that form
        for path in COURSE_CONFIGS:
            with open(path) as f:
                raw = yaml.safe_load(f)
            with self.subTest(file=path.name):
                for key in ('learning_rate', 'reg'):
                    self.assertIsInstance(raw['Train'][key], (int, float))
                self.assertEqual(set(raw), {'Train', 'Model'})

    def test_loaded_config_agrees_with_the_yaml_file(self):
        with open(TWOLAYER) as f:
            raw = yaml.safe_load(f)
        config = load_config(TWOLAYER)
        for section in ('Train', 'Model'):
            for key, value in raw[section].items():
                self.assertEqual(config[section][key], value, f'{section}.{key}')

    def test_every_shipped_config_loads(self):
        for path in sorted(CONFIGS.glob('*.yaml')):
            with self.subTest(path=path.name):
                config = load_config(path)
                if path != BEST:     # the tuned net uses batches of 32
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
        assert_config_error(self, self.tmp, self.tmp, 'cannot be read')

    def test_something_neither_path_nor_dict(self):
        assert_config_error(self, 42, 'path or a dict', 'int')

    def test_scientific_notation_in_yaml_becomes_a_float(self):
        path = write(self.tmp, 'Train:\n  batch_size: 64\n  learning_rate: 1e-1\n  reg: 5e-4\n'
                               '  epochs: 2\nModel:\n  type: SoftmaxRegression\n')
        config = load_config(path)
        self.assertEqual(config['Train']['learning_rate'], 0.1)
        self.assertEqual(config['Train']['reg'], 0.0005)

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


if __name__ == '__main__':
    unittest.main()

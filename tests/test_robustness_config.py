"""Every unusable config ends in ConfigError naming the file, the key and the
problem; what the user clearly meant (a numeric string for a float, 10.0
epochs) is accepted."""
import copy
import shutil
import tempfile
import unittest
from pathlib import Path

import utils

GOOD = {
    'Train': {'batch_size': 64, 'learning_rate': 0.1, 'reg': 0.001, 'epochs': 10,
              'momentum': 0.9, 'debug': True},
    'Model': {'type': 'TwoLayerNet', 'hidden_size': 128},
}


def with_value(section, key, value):
    """GOOD with one value replaced."""
    config = copy.deepcopy(GOOD)
    config[section][key] = value
    return config


def without(section, key):
    config = copy.deepcopy(GOOD)
    del config[section][key]
    return config


class ConfigTestCase(unittest.TestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.tmp)

    def write(self, text, name='exp.yaml'):
        path = self.tmp / name
        path.write_text(text)
        return path

    def assertConfigError(self, config, *fragments, **overrides):
        with self.assertRaises(utils.ConfigError) as caught:
            utils.load_config(config, **overrides)
        message = str(caught.exception)
        for fragment in fragments:
            self.assertIn(str(fragment), message)
        return message


class TestFiles(ConfigTestCase):
    def test_missing_file_names_it_and_where_the_defaults_are(self):
        path = self.tmp / 'nope.yaml'
        self.assertConfigError(path, path, 'does not exist', 'configs')

    def test_invalid_yaml_is_named(self):
        path = self.write('Train: [unclosed\n')
        self.assertConfigError(path, path, 'not valid YAML')

    def test_empty_file(self):
        path = self.write('')
        self.assertConfigError(path, path, 'is empty')

    def test_yaml_holding_a_list(self):
        path = self.write('- Train\n- Model\n')
        self.assertConfigError(path, path, "'Train:'", 'list')

    def test_a_folder_is_not_a_config(self):
        self.assertConfigError(self.tmp, self.tmp, 'cannot be read')

    def test_something_neither_path_nor_dict(self):
        self.assertConfigError(42, 'path or a dict', 'int')

    def test_scientific_notation_in_yaml_becomes_a_float(self):
        path = self.write('Train:\n  batch_size: 64\n  learning_rate: 1e-1\n  reg: 5e-4\n'
                          '  epochs: 2\nModel:\n  type: SoftmaxRegression\n')
        config = utils.load_config(path)
        self.assertEqual(config['Train']['learning_rate'], 0.1)
        self.assertEqual(config['Train']['reg'], 0.0005)

    def test_the_shipped_configs_load(self):
        for path in sorted((utils.ROOT / 'configs').glob('*.yaml')):
            with self.subTest(path=path.name):
                config = utils.load_config(path)
                if path.name != 'config_best.yaml':     # the tuned net uses batches of 32
                    self.assertEqual(config['Train']['batch_size'], 64)


class TestSectionsAndKeys(ConfigTestCase):
    def test_missing_section(self):
        config = copy.deepcopy(GOOD)
        del config['Model']
        self.assertConfigError(config, "no section 'Model'")

    def test_empty_section(self):
        path = self.write('Train:\n  batch_size: 64\n  learning_rate: 0.1\n  reg: 0.001\n'
                          '  epochs: 2\nModel:\n')
        self.assertConfigError(path, path, "'Model'", 'found nothing')

    def test_section_holding_a_value_instead_of_keys(self):
        config = copy.deepcopy(GOOD)
        config['Model'] = 'TwoLayerNet'
        self.assertConfigError(config, "'Model'", "'TwoLayerNet'")

    def test_misspelt_section_gets_a_suggestion(self):
        config = copy.deepcopy(GOOD)
        config['train'] = config.pop('Train')
        self.assertConfigError(config, "'train'", "Did you mean 'Train'?")

    def test_missing_required_key(self):
        for key in ('batch_size', 'learning_rate', 'reg', 'epochs'):
            with self.subTest(key=key):
                self.assertConfigError(without('Train', key), 'Train', repr(key))
        self.assertConfigError(without('Model', 'type'), 'Model', "'type'")

    def test_misspelt_key_gets_a_suggestion(self):
        config = copy.deepcopy(GOOD)
        config['Train']['learning_rat'] = config['Train'].pop('learning_rate')
        self.assertConfigError(config, "'learning_rat'", "Did you mean 'learning_rate'?")

    def test_unknown_key_without_a_close_match_lists_the_known_ones(self):
        self.assertConfigError(with_value('Train', 'colour', 'red'), "'colour'", 'batch_size')

    def test_key_in_the_wrong_section_says_where_it_belongs(self):
        config = copy.deepcopy(GOOD)
        config['Train']['hidden_size'] = config['Model'].pop('hidden_size')
        self.assertConfigError(config, "'hidden_size'", "belongs in the section 'Model'")

    def test_non_string_key_is_reported_not_crashed_on(self):
        path = self.write('Train:\n  batch_size: 64\n  learning_rate: 0.1\n  reg: 0.001\n'
                          '  epochs: 2\n  1: 2\nModel:\n  type: TwoLayerNet\n')
        self.assertConfigError(path, 'unknown key 1')

    def test_unknown_override_gets_a_suggestion(self):
        self.assertConfigError(GOOD, "'learningrate'", "'learning_rate'", learningrate=0.5)


class TestModelType(ConfigTestCase):
    def test_unknown_model_type_lists_the_models(self):
        self.assertConfigError(with_value('Model', 'type', 'ConvNet'), "'ConvNet'",
                               'SoftmaxRegression', 'TwoLayerNet')

    def test_misspelt_model_type_gets_a_suggestion(self):
        self.assertConfigError(with_value('Model', 'type', 'TwoLayerNN'),
                               "Did you mean 'TwoLayerNet'?")

    def test_model_type_must_be_a_name(self):
        self.assertConfigError(with_value('Model', 'type', 3), 'type', 'a name', '3')


class TestValues(ConfigTestCase):
    def test_out_of_range_values_name_key_and_value(self):
        cases = [('Train', 'batch_size', 0), ('Train', 'batch_size', -64),
                 ('Train', 'learning_rate', -0.1), ('Train', 'learning_rate', 0),
                 ('Train', 'reg', -0.001), ('Train', 'epochs', 0),
                 ('Model', 'hidden_size', 0)]
        for section, key, value in cases:
            with self.subTest(key=key, value=value):
                self.assertConfigError(with_value(section, key, value), key, repr(value))

    def test_epochs_must_be_a_whole_number(self):
        self.assertConfigError(with_value('Train', 'epochs', 2.5), 'epochs', 'whole number',
                               '2.5')

    def test_whole_valued_float_is_taken_as_that_integer(self):
        config = utils.load_config(with_value('Train', 'epochs', 10.0))
        self.assertEqual(config['Train']['epochs'], 10)
        self.assertIs(type(config['Train']['epochs']), int)

    def test_quoted_integer_is_refused_with_a_hint(self):
        self.assertConfigError(with_value('Train', 'batch_size', '64'), 'batch_size',
                               "'64'", 'without quotes')

    def test_booleans_are_not_numbers(self):
        self.assertConfigError(with_value('Train', 'epochs', True), 'epochs', 'True')
        self.assertConfigError(with_value('Train', 'learning_rate', False), 'learning_rate')

    def test_numeric_strings_are_accepted_for_float_fields(self):
        for text, value in (('1e-1', 0.1), ('0.5', 0.5), ('3', 3.0), ('1E-3', 0.001)):
            with self.subTest(text=text):
                config = utils.load_config(with_value('Train', 'learning_rate', text))
                self.assertEqual(config['Train']['learning_rate'], value)
                self.assertIs(type(config['Train']['learning_rate']), float)

    def test_other_strings_for_float_fields_name_the_key(self):
        for text in ('fast', '0.1.2', ''):
            with self.subTest(text=text):
                self.assertConfigError(with_value('Train', 'reg', text), 'reg', repr(text))

    def test_non_finite_floats_are_refused(self):
        for text in ('nan', 'inf', float('inf')):
            with self.subTest(text=text):
                self.assertConfigError(with_value('Train', 'learning_rate', text),
                                       'learning_rate', 'finite')

    def test_empty_value_in_yaml_names_the_key(self):
        path = self.write('Train:\n  batch_size: 64\n  learning_rate:\n  reg: 0.001\n'
                          '  epochs: 2\nModel:\n  type: TwoLayerNet\n')
        self.assertConfigError(path, path, 'learning_rate', 'no value')

    def test_debug_must_be_true_or_false(self):
        for value in (1, 'yes please'):
            with self.subTest(value=value):
                self.assertConfigError(with_value('Train', 'debug', value), 'debug',
                                       'True or False')

    def test_yaml_yes_is_a_boolean(self):
        path = self.write('Train:\n  batch_size: 64\n  learning_rate: 0.1\n  reg: 0.001\n'
                          '  epochs: 2\n  debug: no\nModel:\n  type: TwoLayerNet\n')
        self.assertIs(utils.load_config(path)['Train']['debug'], False)

    def test_bad_override_is_blamed_on_the_override_not_the_file(self):
        path = utils.ROOT / 'configs' / 'config_twolayer.yaml'
        message = self.assertConfigError(path, 'override', 'learning_rate', learning_rate=-1)
        self.assertNotIn(str(path), message)

    def test_caller_dict_is_not_modified(self):
        config = with_value('Train', 'learning_rate', '1e-1')
        before = copy.deepcopy(config)
        utils.load_config(config, epochs=3)
        self.assertEqual(config, before)


if __name__ == '__main__':
    unittest.main()

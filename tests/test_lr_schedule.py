"""The optional per-epoch learning-rate decay of train_model: off by default,
checked like every other config key, and exactly the course's loop when off."""
import random
import tempfile
import unittest

import utils
from optimizer import SGD

TWOLAYER = utils.ROOT / 'configs' / 'config_twolayer.yaml'
SMALL = dict(hidden_size=16, epochs=2, debug=False)


def course_loop(config, seed, rates):
    """The notebook's training routine written out with the course's own pieces
    (generate_batched_data, train, evaluate, a plain SGD), using rates[e] in
    epoch e. Returns the four histories."""
    train_X, train_y, val_X, val_y = utils.load_mnist_trainval_arrays()
    settings = config['Train']
    random.seed(seed)
    model = utils.build_model(config)
    optimizer = SGD(learning_rate=settings['learning_rate'], reg=settings['reg'])
    val_batches = utils.generate_batched_data(val_X, val_y, settings['batch_size'])
    histories = ([], [], [], [])
    for rate in rates:
        optimizer.learning_rate = rate
        batches = utils.generate_batched_data(train_X, train_y, settings['batch_size'],
                                              shuffle=True)
        figures = utils.train(0, *batches, model, optimizer, debug=False)
        figures += utils.evaluate(*val_batches, model, debug=False)
        for history, value in zip(histories, figures):
            history.append(value)
    return histories


class TestLrDecayConfig(unittest.TestCase):
    def test_is_off_by_default_in_the_course_configs(self):
        for name in ('config_softmax.yaml', 'config_twolayer.yaml', 'config_exp.yaml'):
            with self.subTest(config=name):
                self.assertEqual(utils.load_config(utils.ROOT / 'configs' / name)
                                 ['Train']['lr_decay'], 1.0)

    def test_accepts_a_yaml_exponent_string(self):
        self.assertEqual(utils.load_config(TWOLAYER, lr_decay='9e-1')['Train']['lr_decay'], 0.9)

    def test_rejects_values_outside_zero_to_one(self):
        for bad in (0.0, -0.5, 1.5, 'fast', True):
            with self.subTest(lr_decay=bad), self.assertRaises(utils.ConfigError):
                utils.load_config(TWOLAYER, lr_decay=bad)

    def test_appears_in_the_run_name_only_when_used(self):
        self.assertNotIn('decay', utils.default_run_name(utils.load_config(TWOLAYER)))
        self.assertTrue(utils.default_run_name(utils.load_config(TWOLAYER, lr_decay=0.8))
                        .endswith('_decay0.8'))


class TestLrDecayTraining(unittest.TestCase):
    def run_model(self, **overrides):
        with tempfile.TemporaryDirectory() as runs:
            return utils.train_model(TWOLAYER, seed=3, runs_dir=runs, **SMALL, **overrides)

    def test_default_is_bit_identical_to_a_constant_rate(self):
        config = utils.load_config(TWOLAYER, **SMALL)
        expected = course_loop(config, 3, [0.1, 0.1])
        self.assertEqual(self.run_model().histories, expected)

    def test_decay_multiplies_the_rate_once_per_epoch(self):
        config = utils.load_config(TWOLAYER, **SMALL)
        expected = course_loop(config, 3, [0.1, 0.1 * 0.5])
        self.assertEqual(self.run_model(lr_decay=0.5).histories, expected)


if __name__ == '__main__':
    unittest.main()

"""configs/config_best.yaml stays within the rules of the tuning: the course's
TwoLayerNet and plain SGD, changed only in what a config may change."""
import unittest

import utils
from models import TwoLayerNet

BEST = utils.ROOT / 'configs' / 'config_best.yaml'
DEFAULT = utils.ROOT / 'configs' / 'config_twolayer.yaml'
TUNABLE = {'hidden_size', 'learning_rate', 'reg', 'batch_size', 'epochs', 'lr_decay'}


class TestConfigBest(unittest.TestCase):
    def test_is_a_valid_config_for_the_two_layer_net(self):
        config = utils.load_config(BEST)
        self.assertIsInstance(utils.build_model(config), TwoLayerNet)

    def test_differs_from_the_course_default_only_in_tunable_settings(self):
        best, default = utils.load_config(BEST), utils.load_config(DEFAULT)
        changed = {key for section in best for key in best[section]
                   if best[section][key] != default[section][key]}
        self.assertTrue(changed)
        self.assertLessEqual(changed, TUNABLE)


if __name__ == '__main__':
    unittest.main()

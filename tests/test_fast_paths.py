"""The speed-ups keep the results: train_model gathers uint8 images and converts
each batch on the fly, and the loaders convert bytes to floats in one pass."""
import random
import tempfile
import unittest

import numpy as np

import utils
from models import TwoLayerNet
from optimizer import SGD


class PixelBatchesTest(unittest.TestCase):
    def test_pixel_batches_are_the_gathered_bytes_over_255(self):
        rng = np.random.default_rng(7)
        images = rng.integers(0, 256, size=(20, 28, 28), dtype=np.uint8)
        order = [np.array([3, 0, 19]), np.array([5]), np.array([7, 7, 1, 2])]
        batches = list(utils._PixelBatches(images, order))
        self.assertEqual(len(batches), len(order))
        for batch, rows in zip(batches, order):
            expected = [[int(k) / 255 for k in images[r].ravel()] for r in rows]
            self.assertEqual(batch.dtype, np.float64)
            self.assertEqual(batch.shape, (len(rows), 784))
            self.assertEqual(batch.tolist(), expected)

    def test_images_as_floats_is_exactly_k_over_255_for_every_byte(self):
        every_byte = np.arange(256, dtype=np.uint8).reshape(1, 16, 16)
        floats = utils._images_as_floats(every_byte)
        self.assertEqual(floats.shape, (1, 256))
        self.assertEqual(floats[0].tolist(), [k / 255 for k in range(256)])


class TrainModelMatchesThePublicFunctionsTest(unittest.TestCase):
    def test_one_epoch_equals_the_loop_written_with_the_public_functions(self):
        settings = dict(epochs=1, hidden_size=16, batch_size=500, debug=False)
        with tempfile.TemporaryDirectory() as runs:
            result = utils.train_model(utils.ROOT / 'configs' / 'config_twolayer.yaml', seed=3,
                                       runs_dir=runs, **settings)

        random.seed(3)
        train_X, train_y, val_X, val_y = utils.load_mnist_trainval_arrays()
        model = TwoLayerNet(hidden_size=16)
        optimizer = SGD(learning_rate=0.1, reg=1e-3)
        batches = utils.generate_batched_data(train_X, train_y, batch_size=500, shuffle=True)
        train_loss, train_acc = utils.train(0, *batches, model, optimizer, debug=False)
        valid = utils.evaluate(*utils.generate_batched_data(val_X, val_y, batch_size=500),
                               model, debug=False)

        self.assertEqual(result.train_loss_history, [train_loss])
        self.assertEqual(result.train_acc_history, [train_acc])
        self.assertEqual((result.valid_loss_history[0], result.valid_acc_history[0]), valid)


if __name__ == '__main__':
    unittest.main()

"""The course's data API: load_mnist_trainval, load_mnist_test, load_csv and
generate_batched_data.

These tests use only the course's functions and known facts of MNIST (the
SHA-256 of its original files, its per-digit counts, its first labels), so
they pass wherever the data comes from: the project's bundle, or the
course's CSVs in a grader's folder.
"""
import copy
import hashlib
import os
import random
import tempfile
import unittest

import numpy as np

import utils
from tests import needing_mnist

# SHA-256 of MNIST's original, uncompressed IDX files.
TRAIN_IMAGES_SHA256 = 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db'
TRAIN_LABELS_SHA256 = '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5'
TEST_IMAGES_SHA256 = '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7'
TEST_LABELS_SHA256 = 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2'
TRAIN_DIGIT_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_DIGIT_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
FIRST_TRAIN_LABELS = [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
FIRST_TEST_LABELS = [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]


def idx_sha256(images_lists, count):
    """SHA-256 of the IDX file the image lists came from: header, then round(px * 255) bytes.

    images_lists: lists of lists of 784 floats, hashed a chunk at a time to spare memory.
    """
    digest = hashlib.sha256(bytes([0, 0, 8, 3]) + b''.join(
        n.to_bytes(4, 'big') for n in (count, 28, 28)))
    for images in images_lists:
        for start in range(0, len(images), 5000):
            chunk = np.array(images[start:start + 5000], dtype=np.float64)
            digest.update(np.rint(chunk * 255).astype(np.uint8).tobytes())
    return digest.hexdigest()


def labels_sha256(label_lists, count):
    header = bytes([0, 0, 8, 1]) + count.to_bytes(4, 'big')
    return hashlib.sha256(header + bytes(sum(label_lists, []))).hexdigest()


@needing_mnist     # skips with the loaders' message; in a grader's folder it fails
class TestLoadMnist(unittest.TestCase):
    ROWS = (0, 1, 4321, -1)

    @classmethod
    def setUpClass(cls):
        cls.train_data, cls.train_label, cls.val_data, cls.val_label = utils.load_mnist_trainval()
        cls.test_data, cls.test_label = utils.load_mnist_test()

    @classmethod
    def tearDownClass(cls):
        del cls.train_data, cls.train_label, cls.val_data, cls.val_label
        del cls.test_data, cls.test_label

    def test_split_sizes_are_48000_12000_10000(self):
        self.assertEqual(len(self.train_data), 48000)
        self.assertEqual(len(self.train_label), 48000)
        self.assertEqual(len(self.val_data), 12000)
        self.assertEqual(len(self.val_label), 12000)
        self.assertEqual(len(self.test_data), 10000)
        self.assertEqual(len(self.test_label), 10000)

    def test_containers_are_python_lists(self):
        for seq in (self.train_data, self.train_label, self.val_data, self.val_label,
                    self.test_data, self.test_label):
            self.assertIsInstance(seq, list)

    def test_images_are_lists_of_784_floats_of_the_form_k_over_255(self):
        for data in (self.train_data, self.val_data, self.test_data):
            for i in self.ROWS:
                image = data[i]
                self.assertIsInstance(image, list)
                self.assertEqual(len(image), 784)
                for px in image:
                    self.assertIs(type(px), float)
                    self.assertEqual(px, round(px * 255) / 255)
                    self.assertTrue(0.0 <= px <= 1.0)

    def test_labels_are_python_ints(self):
        for labels in (self.train_label, self.val_label, self.test_label):
            for i in self.ROWS:
                self.assertIs(type(labels[i]), int)
                self.assertIn(labels[i], range(10))

    def test_labels_per_digit_are_mnists(self):
        counts = np.bincount(self.train_label + self.val_label, minlength=10).tolist()
        self.assertEqual(counts, TRAIN_DIGIT_COUNTS)
        self.assertEqual(np.bincount(self.test_label, minlength=10).tolist(), TEST_DIGIT_COUNTS)

    def test_train_is_the_first_80_percent_unshuffled(self):
        self.assertEqual(self.train_label[:10], FIRST_TRAIN_LABELS)
        self.assertEqual(self.test_label[:10], FIRST_TEST_LABELS)
        self.assertEqual(labels_sha256([self.train_label, self.val_label], 60000),
                         TRAIN_LABELS_SHA256)
        self.assertEqual(labels_sha256([self.test_label], 10000), TEST_LABELS_SHA256)

    def test_images_are_mnists_to_the_last_pixel(self):
        self.assertEqual(idx_sha256([self.train_data, self.val_data], 60000), TRAIN_IMAGES_SHA256)
        self.assertEqual(idx_sha256([self.test_data], 10000), TEST_IMAGES_SHA256)


class TestLoadCsv(unittest.TestCase):
    ROWS = [(7, list(range(0, 256)) + list(range(255, -1, -1)) + [3] * 272),
            (0, [255] * 784), (3, [0] * 784)]

    def read(self, text):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, 'mini.csv')
            with open(path, 'w', newline='') as f:
                f.write(text)
            return utils.load_csv(path)

    def csv_text(self, newline='\n'):
        return ''.join(','.join(map(str, [label] + pixels)) + newline
                       for label, pixels in self.ROWS)

    def test_load_csv_scales_pixels_and_keeps_int_labels(self):
        data, labels = self.read(self.csv_text())
        self.assertEqual(labels, [7, 0, 3])
        self.assertTrue(all(type(label) is int for label in labels))
        self.assertEqual(len(data), 3)
        for (_, pixels), image in zip(self.ROWS, data):
            self.assertIsInstance(image, list)
            self.assertEqual(image, [p / 255 for p in pixels])
            self.assertTrue(all(type(px) is float for px in image))

    def test_windows_line_endings_read_the_same(self):
        self.assertEqual(self.read(self.csv_text('\r\n')), self.read(self.csv_text()))

    def test_last_row_needs_no_newline(self):
        self.assertEqual(self.read(self.csv_text().rstrip('\n')), self.read(self.csv_text()))


class TestGenerateBatchedData(unittest.TestCase):
    N = 23

    def make_lists(self):
        data = [[i / 100.0] * 784 for i in range(self.N)]
        labels = [i % 10 for i in range(self.N)]
        return data, labels

    @staticmethod
    def python_permutation(n, seed):
        random.seed(seed)
        idx = list(range(n))
        random.shuffle(idx)
        return idx

    def row_ids(self, batched_data):
        """Recover original indices from rows filled with i/100."""
        return [int(round(row[0] * 100)) for batch in batched_data for row in batch]

    def test_batches_are_consecutive_and_the_last_is_smaller(self):
        data, labels = self.make_lists()
        bd, bl = utils.generate_batched_data(data, labels, batch_size=5)
        self.assertEqual(len(bd), 5)
        self.assertEqual(len(bl), 5)
        self.assertEqual([len(b) for b in bd], [5, 5, 5, 5, 3])
        self.assertEqual([len(b) for b in bl], [5, 5, 5, 5, 3])
        self.assertEqual(self.row_ids(bd), list(range(self.N)))
        self.assertEqual([int(v) for b in bl for v in b], labels)

    def test_batches_are_float_and_int_arrays_of_the_right_shape(self):
        data, labels = self.make_lists()
        bd, bl = utils.generate_batched_data(data, labels, batch_size=8)
        for X, y in zip(bd, bl):
            self.assertIsInstance(X, np.ndarray)
            self.assertIsInstance(y, np.ndarray)
            self.assertEqual(X.shape, (len(y), 784))
            self.assertEqual(y.ndim, 1)
            self.assertTrue(np.issubdtype(X.dtype, np.floating), X.dtype)
            self.assertTrue(np.issubdtype(y.dtype, np.integer), y.dtype)
        self.assertEqual(bd[-1].shape, (7, 784))

    def test_default_batch_size_is_32(self):
        data = [[0.0] * 784 for _ in range(70)]
        bd, bl = utils.generate_batched_data(data, [0] * 70)
        self.assertEqual([len(b) for b in bl], [32, 32, 6])

    def test_shuffle_matches_python_random_shuffle_for_the_seed(self):
        data, labels = self.make_lists()
        for seed in (0, 1, 1024):
            with self.subTest(seed=seed):
                bd, bl = utils.generate_batched_data(data, labels, batch_size=4, shuffle=True,
                                                     seed=seed)
                order = self.python_permutation(self.N, seed)
                self.assertEqual(self.row_ids(bd), order)
                self.assertEqual([int(v) for b in bl for v in b], [labels[i] for i in order])

    def test_shuffle_keeps_data_and_labels_paired(self):
        data = [[float(i) / 100] * 784 for i in range(self.N)]
        labels = list(range(self.N))
        bd, bl = utils.generate_batched_data(data, labels, batch_size=6, shuffle=True)
        ids = self.row_ids(bd)
        self.assertEqual(ids, [int(v) for b in bl for v in b])
        self.assertEqual(sorted(ids), labels)

    def test_shuffle_false_keeps_order_even_with_a_seed(self):
        data, labels = self.make_lists()
        bd, _ = utils.generate_batched_data(data, labels, batch_size=4, shuffle=False, seed=3)
        self.assertEqual(self.row_ids(bd), list(range(self.N)))

    def test_caller_lists_are_not_modified(self):
        data, labels = self.make_lists()
        data_copy, labels_copy = copy.deepcopy(data), list(labels)
        utils.generate_batched_data(data, labels, batch_size=4, shuffle=True, seed=5)
        self.assertEqual(data, data_copy)
        self.assertEqual(labels, labels_copy)

    def test_caller_arrays_are_not_modified(self):
        data, labels = self.make_lists()
        X, y = np.array(data), np.array(labels)
        X_copy, y_copy = X.copy(), y.copy()
        utils.generate_batched_data(X, y, batch_size=4, shuffle=True, seed=5)
        np.testing.assert_array_equal(X, X_copy)
        np.testing.assert_array_equal(y, y_copy)

    def test_lists_and_arrays_give_identical_batches(self):
        data, labels = self.make_lists()
        from_lists = utils.generate_batched_data(data, labels, batch_size=6, shuffle=True, seed=11)
        from_arrays = utils.generate_batched_data(np.array(data), np.array(labels), batch_size=6,
                                                  shuffle=True, seed=11)
        self.assertEqual(len(from_lists[0]), len(from_arrays[0]))
        for a, b in zip(from_lists[0], from_arrays[0]):
            np.testing.assert_array_equal(a, b)
        for a, b in zip(from_lists[1], from_arrays[1]):
            np.testing.assert_array_equal(a, b)

    def test_nothing_is_dropped_when_batch_size_divides_evenly(self):
        data = [[0.5] * 784 for _ in range(12)]
        bd, bl = utils.generate_batched_data(data, list(range(12)), batch_size=4)
        self.assertEqual([len(b) for b in bd], [4, 4, 4])


if __name__ == '__main__':
    unittest.main()

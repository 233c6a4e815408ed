"""Loading MNIST: bundled files, IDX parsing, the train/validation split, the
list and array APIs, load_csv and generate_batched_data.

Facts about the data (hashes, per-digit counts, mean pixel) are hard-coded
from the dataset's published description, and the split is checked against
an independent minimal IDX parser written here, so a loader that reads or
splits the files wrongly fails.
"""
import copy
import functools
import gzip
import hashlib
import os
import random
import struct
import tempfile
import unittest
from pathlib import Path

import numpy as np

import utils

# SHA-256 of the *decompressed* IDX files (from the MNIST vendoring notes).
DECOMPRESSED_SHA256 = {
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
}
TRAIN_DIGIT_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_DIGIT_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
MEAN_TRAIN_PIXEL_0_255 = 33.318


@functools.lru_cache(maxsize=None)
def raw_bytes(stem):
    """Decompressed content of data/<stem>.gz."""
    with gzip.open(Path(utils.DATA_DIR) / (stem + ".gz"), "rb") as f:
        return f.read()


@functools.lru_cache(maxsize=None)
def independent_parse(stem):
    """Minimal IDX parser: skips the header (16 bytes for images, 8 for labels)."""
    data = raw_bytes(stem)
    if "images" in stem:
        return np.frombuffer(data, dtype=np.uint8, offset=16).reshape(-1, 28, 28)
    return np.frombuffer(data, dtype=np.uint8, offset=8)


def pixel_bytes(X, chunk=6000):
    """round(X * 255) as uint8, computed a chunk of rows at a time to spare memory."""
    out = np.empty(X.shape, dtype=np.uint8)
    for start in range(0, len(X), chunk):
        out[start:start + chunk] = np.rint(X[start:start + chunk] * 255)
    return out


def tearDownModule():
    """Release the decompressed files (about 55 MB)."""
    raw_bytes.cache_clear()
    independent_parse.cache_clear()


def read_sums(path):
    sums = {}
    for line in Path(path).read_text().splitlines():
        if line.strip():
            digest, name = line.split()
            sums[name.lstrip("*")] = digest
    return sums


class TestBundledFiles(unittest.TestCase):
    def test_data_dir_is_an_absolute_path_holding_the_four_files(self):
        data_dir = Path(utils.DATA_DIR)
        self.assertTrue(data_dir.is_absolute())
        for stem in DECOMPRESSED_SHA256:
            self.assertTrue((data_dir / (stem + ".gz")).is_file(), stem)
        self.assertTrue((data_dir / "SHA256SUMS").is_file())

    def test_sha256sums_lists_the_published_decompressed_hashes(self):
        sums = read_sums(Path(utils.DATA_DIR) / "SHA256SUMS")
        for stem, digest in DECOMPRESSED_SHA256.items():
            self.assertEqual(sums.get(stem), digest, stem)

    def test_bundled_files_decompress_to_the_published_content(self):
        for stem, digest in DECOMPRESSED_SHA256.items():
            with self.subTest(file=stem):
                self.assertEqual(hashlib.sha256(raw_bytes(stem)).hexdigest(), digest)

    def test_gz_file_hashes_in_sha256sums_match_the_shipped_files(self):
        sums = read_sums(Path(utils.DATA_DIR) / "SHA256SUMS")
        for stem in DECOMPRESSED_SHA256:
            name = stem + ".gz"
            if name in sums:
                digest = hashlib.sha256((Path(utils.DATA_DIR) / name).read_bytes()).hexdigest()
                self.assertEqual(digest, sums[name], name)


class TestReadIdx(unittest.TestCase):
    def test_read_idx_returns_uint8_labels(self):
        labels = utils.read_idx(Path(utils.DATA_DIR) / "t10k-labels-idx1-ubyte.gz")
        self.assertEqual(labels.dtype, np.uint8)
        self.assertEqual(labels.shape, (10000,))
        np.testing.assert_array_equal(labels, independent_parse("t10k-labels-idx1-ubyte"))

    def test_read_idx_returns_uint8_images(self):
        images = utils.read_idx(Path(utils.DATA_DIR) / "t10k-images-idx3-ubyte.gz")
        self.assertEqual(images.dtype, np.uint8)
        self.assertEqual(images.shape, (10000, 28, 28))
        np.testing.assert_array_equal(images, independent_parse("t10k-images-idx3-ubyte"))

    def test_mnist_data_error_is_an_exception(self):
        self.assertTrue(issubclass(utils.MnistDataError, Exception))

    def test_read_idx_rejects_a_wrong_magic_number(self):
        payload = struct.pack(">II", 0x00000999, 3) + bytes([1, 2, 3])
        with tempfile.TemporaryDirectory() as tmp:
            for name in ("tiny-labels-idx1-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
                with self.subTest(name=name):
                    path = Path(tmp) / name
                    with gzip.open(path, "wb") as f:
                        f.write(payload)
                    with self.assertRaises(utils.MnistDataError):
                        utils.read_idx(path)


class TestArrayLoaders(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.train_X, cls.train_y, cls.val_X, cls.val_y = utils.load_mnist_trainval_arrays()
        cls.test_X, cls.test_y = utils.load_mnist_test_arrays()

    @classmethod
    def tearDownClass(cls):
        del cls.train_X, cls.train_y, cls.val_X, cls.val_y, cls.test_X, cls.test_y

    def test_split_sizes_are_48000_12000_10000(self):
        self.assertEqual(self.train_X.shape, (48000, 784))
        self.assertEqual(self.train_y.shape, (48000,))
        self.assertEqual(self.val_X.shape, (12000, 784))
        self.assertEqual(self.val_y.shape, (12000,))
        self.assertEqual(self.test_X.shape, (10000, 784))
        self.assertEqual(self.test_y.shape, (10000,))

    def test_dtypes_are_float64_and_int64(self):
        for X in (self.train_X, self.val_X, self.test_X):
            self.assertEqual(X.dtype, np.float64)
        for y in (self.train_y, self.val_y, self.test_y):
            self.assertEqual(y.dtype, np.int64)

    def test_train_is_the_first_80_percent_in_file_order(self):
        images = independent_parse("train-images-idx3-ubyte").reshape(60000, 784)
        labels = independent_parse("train-labels-idx1-ubyte")
        np.testing.assert_array_equal(self.train_y, labels[:48000])
        np.testing.assert_array_equal(self.val_y, labels[48000:])
        np.testing.assert_array_equal(pixel_bytes(self.train_X), images[:48000])
        np.testing.assert_array_equal(pixel_bytes(self.val_X), images[48000:])

    def test_test_set_is_in_file_order(self):
        images = independent_parse("t10k-images-idx3-ubyte").reshape(10000, 784)
        np.testing.assert_array_equal(self.test_y, independent_parse("t10k-labels-idx1-ubyte"))
        np.testing.assert_array_equal(pixel_bytes(self.test_X), images)

    def test_pixels_are_exactly_k_over_255(self):
        for X in (self.train_X, self.val_X, self.test_X):
            self.assertGreaterEqual(X.min(), 0.0)
            self.assertLessEqual(X.max(), 1.0)
            for start in range(0, len(X), 6000):
                part = X[start:start + 6000]
                np.testing.assert_array_equal(part, np.rint(part * 255) / 255)

    def test_training_label_counts_per_digit(self):
        counts = np.bincount(np.concatenate([self.train_y, self.val_y]), minlength=10)
        self.assertEqual(counts.tolist(), TRAIN_DIGIT_COUNTS)

    def test_test_label_counts_per_digit(self):
        self.assertEqual(np.bincount(self.test_y, minlength=10).tolist(), TEST_DIGIT_COUNTS)

    def test_mean_training_pixel_is_33_318(self):
        total = (self.train_X.sum() + self.val_X.sum()) * 255
        self.assertAlmostEqual(total / (60000 * 784), MEAN_TRAIN_PIXEL_0_255, delta=1e-3)

    def test_loading_works_from_another_working_directory(self):
        cwd = os.getcwd()
        with tempfile.TemporaryDirectory() as tmp:
            try:
                os.chdir(tmp)
                X, y = utils.load_mnist_test_arrays()
            finally:
                os.chdir(cwd)
        np.testing.assert_array_equal(y, self.test_y)
        np.testing.assert_array_equal(X[:5], self.test_X[:5])


class TestListLoaders(unittest.TestCase):
    """The course-facing API: Python lists of 784-float lists and int labels."""

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

    def test_images_are_lists_of_784_python_floats(self):
        for data in (self.train_data, self.val_data, self.test_data):
            for i in self.ROWS:
                img = data[i]
                self.assertIsInstance(img, list)
                self.assertEqual(len(img), 784)
                for px in img[::97] + img[150:160]:
                    self.assertIs(type(px), float)
                    self.assertTrue(0.0 <= px <= 1.0)

    def test_labels_are_python_ints(self):
        for labels in (self.train_label, self.val_label, self.test_label):
            for i in self.ROWS:
                self.assertIs(type(labels[i]), int)
                self.assertIn(labels[i], range(10))

    def test_lists_agree_with_arrays(self):
        test_X, test_y = utils.load_mnist_test_arrays()
        for i in self.ROWS:
            np.testing.assert_array_equal(np.array(self.test_data[i]), test_X[i])
            self.assertEqual(self.test_label[i], test_y[i])

    def test_list_rows_are_the_file_rows_over_255(self):
        images = independent_parse("train-images-idx3-ubyte").reshape(60000, 784)
        labels = independent_parse("train-labels-idx1-ubyte")
        for data, label, offset in ((self.train_data, self.train_label, 0),
                                    (self.val_data, self.val_label, 48000)):
            for i in self.ROWS:
                row = offset + i if i >= 0 else offset + len(data) + i
                self.assertEqual(data[i], [int(k) / 255 for k in images[row]])
                self.assertEqual(label[i], int(labels[row]))

    def test_validation_starts_with_training_image_48000(self):
        labels = independent_parse("train-labels-idx1-ubyte")
        images = independent_parse("train-images-idx3-ubyte").reshape(60000, 784)
        self.assertEqual(self.val_label[0], labels[48000])
        self.assertEqual(self.train_label[-1], labels[47999])
        self.assertEqual([round(px * 255) for px in self.val_data[0]], images[48000].tolist())


class TestLoadCsv(unittest.TestCase):
    def test_load_csv_scales_pixels_and_keeps_int_labels(self):
        rng = np.random.RandomState(0)
        rows = [(7, rng.randint(0, 256, 784)), (0, np.full(784, 255)), (3, np.zeros(784, dtype=int))]
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "mini.csv")
            with open(path, "w") as f:
                for label, pixels in rows:
                    f.write(",".join([str(label)] + [str(int(p)) for p in pixels]) + "\n")
            data, labels = utils.load_csv(path)
        self.assertEqual(labels, [7, 0, 3])
        self.assertTrue(all(type(label) is int for label in labels))
        self.assertEqual(len(data), 3)
        for (label, pixels), img in zip(rows, data):
            self.assertIsInstance(img, list)
            self.assertEqual(len(img), 784)
            self.assertEqual(img, [int(p) / 255 for p in pixels])
        self.assertEqual(data[1][0], 1.0)
        self.assertEqual(data[2][0], 0.0)


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
                bd, bl = utils.generate_batched_data(data, labels, batch_size=4, shuffle=True, seed=seed)
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


if __name__ == "__main__":
    unittest.main()

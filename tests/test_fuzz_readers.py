"""Fuzzing the IDX and CSV readers: seeded random truncations and byte flips.

Every damaged file must end in MnistDataError, never in another exception,
and never in a wrong array. (Some bytes of a gzip header, such as its
timestamp, are not covered by any check; changing them leaves the content,
and so the array, exactly as it was, which is fine.) A CSV has no checksum,
so a changed digit there cannot be noticed; for CSVs the promise is only
that whatever is returned is a well-formed data set.
"""
import random
import shutil
import tempfile
import unittest
from pathlib import Path

import numpy as np

import utils
from tests.damaged_data import REAL_DATA, idx_bytes, sha256, tiny_images, write_gz

CASES = 150          # per kind of damage and per file: bounded, seeded, fast


def damaged_versions(data, rng, cases=CASES):
    """Yield (description, damaged bytes): truncations, then single-byte changes."""
    for _ in range(cases):
        cut = rng.randrange(len(data))
        yield f"cut to {cut} bytes", data[:cut]
    for _ in range(cases):
        position, mask = rng.randrange(len(data)), rng.randrange(1, 256)
        damaged = bytearray(data)
        damaged[position] ^= mask
        yield f"byte {position} xor {mask:#04x}", bytes(damaged)


class FuzzTestCase(unittest.TestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.tmp)


class TestFuzzIdx(FuzzTestCase):
    def assertEveryDamageCaught(self, compressed, shape, digest, expected, seed):
        path = self.tmp / 'fuzzed.gz'
        for what, damaged in damaged_versions(compressed, random.Random(seed)):
            path.write_bytes(damaged)
            try:
                array = utils.read_idx(path, shape, digest)
            except utils.MnistDataError as err:
                self.assertIn(str(path), str(err), what)
                continue
            except Exception as err:            # the failure this test exists to find
                self.fail(f"{what}: {type(err).__name__}: {err}")
            np.testing.assert_array_equal(array, expected, err_msg=what)

    def test_synthetic_images_file(self):
        images = tiny_images(n=3)
        content = idx_bytes(images)
        compressed = write_gz(self.tmp / 'images.gz', content).read_bytes()
        self.assertEveryDamageCaught(compressed, images.shape, sha256(content), images, seed=1)

    def test_real_test_labels_file(self):
        name = 't10k-labels-idx1-ubyte'
        compressed = (REAL_DATA / (name + '.gz')).read_bytes()
        expected = utils.read_idx(REAL_DATA / (name + '.gz'))
        digest = utils.read_checksums(REAL_DATA / 'SHA256SUMS')[name]
        self.assertEveryDamageCaught(compressed, (10000,), digest, expected, seed=2)

    def test_damaged_content_in_a_valid_gzip_is_refused_by_the_checksum(self):
        # Damage made before compressing passes the gzip CRC; the content's
        # SHA-256 (or the header checks) must refuse every such file.
        images = tiny_images(n=2)
        content = idx_bytes(images)
        path = self.tmp / 'content.gz'
        for what, damaged in damaged_versions(content, random.Random(7)):
            write_gz(path, damaged)
            with self.assertRaises(utils.MnistDataError, msg=what):
                utils.read_idx(path, images.shape, sha256(content))

    def test_damaged_content_without_checksum_or_shape_is_a_data_error_or_an_array(self):
        # Without a checksum a changed pixel is undetectable, but a damaged
        # header must still end in MnistDataError rather than another exception.
        content = idx_bytes(tiny_images(n=2))
        path = self.tmp / 'content.gz'
        for what, damaged in damaged_versions(content, random.Random(3)):
            write_gz(path, damaged)
            try:
                array = utils.read_idx(path)
            except utils.MnistDataError:
                continue
            except Exception as err:
                self.fail(f"{what}: {type(err).__name__}: {err}")
            self.assertEqual(array.dtype, np.uint8, what)
            self.assertEqual(array.size + 4 + 4 * array.ndim, len(damaged), what)


class TestFuzzCsv(FuzzTestCase):
    def setUp(self):
        super().setUp()
        rng = np.random.default_rng(4)
        self.labels = rng.integers(0, 10, size=3)
        self.pixels = rng.integers(0, 256, size=(3, 784))
        rows = np.column_stack([self.labels, self.pixels])
        self.text = ''.join(','.join(map(str, row)) + '\n' for row in rows).encode()

    def read_or_fail(self, what, data):
        path = self.tmp / 'fuzzed.csv'
        path.write_bytes(data)
        try:
            return utils.load_csv(path)
        except utils.MnistDataError:
            return None
        except Exception as err:
            self.fail(f"{what}: {type(err).__name__}: {err}")

    def assertWellFormed(self, what, result):
        data, labels = result
        self.assertEqual(len(data), len(labels), what)
        self.assertTrue(all(0 <= label <= 9 for label in labels), what)
        for row in data:
            self.assertEqual(len(row), 784, what)
            self.assertTrue(0.0 <= min(row) and max(row) <= 1.0, what)

    def test_truncations_give_an_error_or_a_prefix_of_the_rows(self):
        rng = random.Random(5)
        for _ in range(CASES):
            cut = rng.randrange(len(self.text))
            result = self.read_or_fail(f"cut to {cut}", self.text[:cut])
            if result is None:
                continue
            data, labels = result
            self.assertWellFormed(f"cut to {cut}", result)
            n = len(labels)
            np.testing.assert_array_equal(labels, self.labels[:n])
            # Only the very last number can have lost digits unnoticed.
            got = np.rint(np.array(data) * 255)
            np.testing.assert_array_equal(got[:, :-1], self.pixels[:n, :-1])
            np.testing.assert_array_equal(got[:-1], self.pixels[:n - 1])

    def test_byte_changes_give_an_error_or_a_well_formed_data_set(self):
        for what, damaged in damaged_versions(self.text, random.Random(6)):
            if damaged is self.text or len(damaged) < len(self.text):
                continue                    # the truncations are tested above
            result = self.read_or_fail(what, damaged)
            if result is not None:
                self.assertWellFormed(what, result)


if __name__ == '__main__':
    unittest.main()

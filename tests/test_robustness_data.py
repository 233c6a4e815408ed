"""Damaged data files end in MnistDataError, whose message names the file,
what was expected and what was found, and the command that restores the data."""
import os
import shutil
import tempfile
import unittest
from pathlib import Path

import numpy as np

import utils
from tests.damaged_data import (data_dir, gz_content, idx_bytes, sha256, tiny_images,
                                write_gz)

LABELS = 't10k-labels-idx1-ubyte'
IMAGES = 't10k-images-idx3-ubyte'


class TempDirTestCase(unittest.TestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.tmp)

    def assertDataError(self, call, *fragments):
        """call() raises MnistDataError whose message holds every fragment."""
        with self.assertRaises(utils.MnistDataError) as caught:
            call()
        message = str(caught.exception)
        for fragment in fragments:
            self.assertIn(str(fragment), message)
        return message


class TestReadIdx(TempDirTestCase):
    def test_missing_file_names_it_and_the_restore_command(self):
        path = self.tmp / 'nothing-here.gz'
        self.assertDataError(lambda: utils.read_idx(path), path, 'missing',
                             'download_mnist.py', 'git checkout -- data/')

    def test_gzip_cut_short_is_reported_as_truncated(self):
        path = write_gz(self.tmp / 'cut.gz', idx_bytes(tiny_images()))
        path.write_bytes(path.read_bytes()[:-100])
        self.assertDataError(lambda: utils.read_idx(path), path, 'truncated', 'download_mnist.py')

    def test_changed_byte_in_gzip_stream_fails_its_crc(self):
        path = write_gz(self.tmp / 'flip.gz', idx_bytes(tiny_images()))
        data = bytearray(path.read_bytes())
        data[-6] ^= 0xFF                        # inside the CRC-32 trailer
        path.write_bytes(bytes(data))
        self.assertDataError(lambda: utils.read_idx(path), path, 'gzip')

    def test_changed_byte_in_content_fails_the_checksum(self):
        content = idx_bytes(tiny_images())
        damaged = bytearray(content)
        damaged[100] ^= 0x01                    # a pixel: still a well-formed IDX file
        path = write_gz(self.tmp / 'pixel.gz', bytes(damaged))
        self.assertDataError(lambda: utils.read_idx(path, (5, 28, 28), sha256(content)),
                             path, 'corrupted', sha256(content), sha256(bytes(damaged)),
                             'download_mnist.py')

    def test_wrong_magic_number_names_expected_and_found(self):
        path = write_gz(self.tmp / 'magic.gz', idx_bytes(tiny_images(), magic=0x0D03))
        self.assertDataError(lambda: utils.read_idx(path, (5, 28, 28)), path,
                             '0x00000d03', '0x00000803')

    def test_labels_file_read_as_images_reports_the_dimensions(self):
        path = write_gz(self.tmp / 'labels.gz', idx_bytes(np.arange(10)))
        self.assertDataError(lambda: utils.read_idx(path, (10, 28, 28)), path,
                             '1 dimensions', '3 dimensions')

    def test_wrong_shape_names_expected_and_found(self):
        path = write_gz(self.tmp / 'shape.gz', idx_bytes(tiny_images(n=4)))
        self.assertDataError(lambda: utils.read_idx(path, (5, 28, 28)), path,
                             '(4, 28, 28)', '(5, 28, 28)')

    def test_content_shorter_than_its_header_announces(self):
        path = write_gz(self.tmp / 'short.gz', idx_bytes(tiny_images())[:-10])
        self.assertDataError(lambda: utils.read_idx(path), path, '3910', '3920')

    def test_header_cut_short_is_a_data_error_not_a_numpy_error(self):
        path = write_gz(self.tmp / 'header.gz', idx_bytes(tiny_images())[:9])
        self.assertDataError(lambda: utils.read_idx(path), path, 'header')

    def test_empty_content_is_reported(self):
        path = write_gz(self.tmp / 'empty.gz', b'')
        self.assertDataError(lambda: utils.read_idx(path), path, 'only 0 bytes')

    def test_a_folder_in_place_of_the_file_is_a_data_error(self):
        folder = self.tmp / 'dir.gz'
        folder.mkdir()
        self.assertDataError(lambda: utils.read_idx(folder), folder, 'cannot be read')


class TestChecksumsFile(TempDirTestCase):
    def test_malformed_line_is_named(self):
        path = self.tmp / 'SHA256SUMS'
        path.write_text('abc123 file-a\nnot a checksum line at all\n')
        self.assertDataError(lambda: utils.read_checksums(path), path, 'line 1')

    def test_missing_checksums_file_is_named(self):
        path = self.tmp / 'SHA256SUMS'
        self.assertDataError(lambda: utils.read_checksums(path), path, 'missing')


class TestBundledFilesDamaged(unittest.TestCase):
    """The loaders, pointed at a temporary copy of data/ with one file damaged."""

    def assertLoadFails(self, folder, name, *fragments):
        with self.assertRaises(utils.MnistDataError) as caught:
            utils.load_mnist_test_arrays()
        message = str(caught.exception)
        for fragment in (folder / (name + '.gz'), 'download_mnist.py') + fragments:
            self.assertIn(str(fragment), message)

    def test_missing_labels_file(self):
        with data_dir(IMAGES + '.gz') as folder:
            self.assertLoadFails(folder, LABELS, 'missing')

    def test_truncated_labels_file(self):
        with data_dir(IMAGES + '.gz', LABELS + '.gz') as folder:
            path = folder / (LABELS + '.gz')
            path.write_bytes(path.read_bytes()[:2000])
            self.assertLoadFails(folder, LABELS, 'truncated')

    def test_one_changed_label_fails_the_checksum(self):
        with data_dir(IMAGES + '.gz', LABELS + '.gz') as folder:
            path = folder / (LABELS + '.gz')
            content = bytearray(gz_content(path))
            content[8 + 1234] = (content[8 + 1234] + 1) % 10
            write_gz(path, bytes(content))
            sums = utils.read_checksums(folder / 'SHA256SUMS')
            self.assertLoadFails(folder, LABELS, 'corrupted', sums[LABELS])

    def test_images_file_holding_labels_is_refused(self):
        with data_dir(LABELS + '.gz') as folder:
            shutil.copy(folder / (LABELS + '.gz'), folder / (IMAGES + '.gz'))
            self.assertLoadFails(folder, IMAGES, '0x00000801', '0x00000803')

    def test_damaged_copy_with_same_size_and_time_is_not_served_from_cache(self):
        # A verified read of the real files sits in the cache; a damaged copy
        # elsewhere with the same size and modification time must be read and
        # checked, not answered from that cache.
        utils.load_mnist_test_arrays()
        verified = dict(utils._raw_cache)
        with data_dir(IMAGES + '.gz', LABELS + '.gz') as folder:
            utils._raw_cache.update(verified)
            path = folder / (LABELS + '.gz')
            real = os.stat(utils.ROOT / 'data' / (LABELS + '.gz'))
            data = bytearray(path.read_bytes())
            data[-6] ^= 0xFF                    # the gzip CRC: same size, bad file
            path.write_bytes(bytes(data))
            os.utime(path, ns=(real.st_atime_ns, real.st_mtime_ns))
            self.assertLoadFails(folder, LABELS, 'gzip')


class TestCsv(TempDirTestCase):
    def write_csv(self, rows, name='mnist.csv'):
        path = self.tmp / name
        path.write_text(''.join(','.join(str(v) for v in row) + '\n' for row in rows))
        return path

    def good_row(self, label=3, pixel=0):
        return [label] + [pixel] * 784

    def test_good_file_reads_labels_and_pixels(self):
        path = self.write_csv([self.good_row(3, 255), self.good_row(7, 51)])
        data, labels = utils.load_csv(path)
        self.assertEqual(labels, [3, 7])
        self.assertEqual(data[0][0], 1.0)
        self.assertEqual(data[1][783], 0.2)

    def test_missing_file(self):
        path = self.tmp / 'absent.csv'
        self.assertDataError(lambda: utils.load_csv(path), path, 'missing')

    def test_short_row_names_row_and_count(self):
        path = self.write_csv([self.good_row(), self.good_row()[:500]])
        self.assertDataError(lambda: utils.load_csv(path), path, 'row 2', '785', '500')

    def test_non_numeric_field_names_row_and_column(self):
        row = self.good_row()
        row[10] = 'abc'
        path = self.write_csv([self.good_row(), self.good_row(), row])
        self.assertDataError(lambda: utils.load_csv(path), path, 'row 3', 'column 11', "'abc'")

    def test_doubled_sign_is_a_data_error(self):
        row = self.good_row()
        row[5] = '+-5'
        path = self.write_csv([row])
        self.assertDataError(lambda: utils.load_csv(path), path, 'row 1', "'+-5'")

    def test_pixel_out_of_range_names_row_column_and_value(self):
        row = self.good_row()
        row[300] = 256
        path = self.write_csv([row])
        self.assertDataError(lambda: utils.load_csv(path), path, 'row 1', 'column 301', '256')

    def test_negative_pixel_is_refused(self):
        row = self.good_row()
        row[1] = -1
        path = self.write_csv([row])
        self.assertDataError(lambda: utils.load_csv(path), path, 'row 1', '-1')

    def test_label_outside_0_to_9_is_refused(self):
        path = self.write_csv([self.good_row(label=12)])
        self.assertDataError(lambda: utils.load_csv(path), path, 'row 1', 'label', '12')

    def test_empty_file_is_refused(self):
        path = self.write_csv([])
        self.assertDataError(lambda: utils.load_csv(path), path, 'no rows')

    def test_binary_file_is_a_data_error(self):
        path = self.tmp / 'mnist.csv'
        shutil.copy(utils.DATA_DIR / (LABELS + '.gz'), path)
        self.assertDataError(lambda: utils.load_csv(path), path, 'not a text file')


if __name__ == '__main__':
    unittest.main()

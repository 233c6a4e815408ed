"""MNIST's data beyond the course's API (tests/test_loading.py covers that API).

  * where utils finds the data: the course's two CSVs, else data/mnist.npz, under the
    working folder's data/ first, then beside utils.py; one error listing every place;
    a folder where a file belongs and a file where a folder belongs named as such;
  * the course's CSVs give exactly what the bundle gives, their values read as the
    course's int() reads them;
  * a damaged bundle or CSV ends in utils.MnistDataError naming the file (and for a CSV
    the row, column and value), never in another exception: named cases and seeded fuzz;
  * lab/data.py: verify(), idx_header(), splits() and its cache, build_bundle(),
    read_originals(), download() from a local HTTP server (mirrors that fail in any
    way are passed over), data/download_mnist.py and its --mirror;
  * each command a data error recommends, run from the state that produced it (in a
    git clone, or a copy of the project), after which the data loads and verifies
    (with HW1_FULL_TESTS=1);
  * the shipped data/mnist.npz itself.

Facts of MNIST (SHA-256 of the original files, digit counts) come from
tests.test_loading. The real arrays are read from data/mnist.npz with np.load alone;
TestShippedBundle pins that file to those facts. MNIST's four original .gz files are
built from those arrays in a temporary folder (originals()): gzip of the IDX header and
the bytes, whose content is exactly the original's (TestBuiltOriginals pins it to the
SHA-256s), so every test runs wherever the project does, and none is skipped for lack
of them. Nothing here uses the internet or writes into the project's data/ folder.

With the project's data missing or damaged, TestTheDataInUse fails with the loaders'
message (what is wrong, how to restore it) and every test that needs the data skips
with it (tests.needs_mnist).
"""
import contextlib
import errno
import functools
import gc
import gzip
import hashlib
import http.server
import io
import itertools
import os
import random
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.request
import warnings
import zipfile
from pathlib import Path
from unittest import mock

import numpy as np

import lab.data
import tests
import utils
from lab.grade import write_course_data, write_csv
from tests import (
    ROOT,
    TempDirTestCase,
    full_only,
    mnist_problem,
    needing_mnist,
    needs_mnist,
)
from tests.test_loading import (
    TEST_DIGIT_COUNTS,
    TEST_IMAGES_SHA256,
    TEST_LABELS_SHA256,
    TRAIN_IMAGES_SHA256,
    TRAIN_LABELS_SHA256,
)

SHIPPED = ROOT / 'data' / 'mnist.npz'
# MNIST's four original files: bundle member -> (file name, shape, SHA-256 of the content).
MNIST = {
    'train_images': ('train-images-idx3-ubyte', (60000, 28, 28), TRAIN_IMAGES_SHA256),
    'train_labels': ('train-labels-idx1-ubyte', (60000,), TRAIN_LABELS_SHA256),
    'test_images': ('t10k-images-idx3-ubyte', (10000, 28, 28), TEST_IMAGES_SHA256),
    'test_labels': ('t10k-labels-idx1-ubyte', (10000,), TEST_LABELS_SHA256),
}
# The headers of train-images-idx3-ubyte and train-labels-idx1-ubyte: magic 0x00000803
# (unsigned bytes, 3 dimensions) then 60000, 28, 28; magic 0x00000801 then 60000.
TRAIN_IMAGES_HEADER = bytes.fromhex('00000803 0000ea60 0000001c 0000001c')
TRAIN_LABELS_HEADER = bytes.fromhex('00000801 0000ea60')
RESTORE_HINTS = ('git checkout -- data/', 'download_mnist.py')
CASES = 150  # per kind of damage in each fuzz test: bounded, seeded, fast


@functools.lru_cache(maxsize=None)
def shipped():
    """The shipped bundle's arrays {member: uint8 array}, read with np.load alone; the
    calling test skips when the data is missing or damaged (tests.needs_mnist).
    Shared between tests: never change them in place."""
    needs_mnist()
    with np.load(SHIPPED) as bundle:
        return {member: bundle[member] for member in bundle.files}


_originals = []


def originals():
    """A temporary folder holding MNIST's four original .gz files, built from the shipped
    arrays on first use (removed after this module's tests)."""
    if not _originals:
        arrays = shipped()
        folder = Path(tempfile.mkdtemp(prefix='hw1-mnist-originals-'))
        unittest.addModuleCleanup(shutil.rmtree, folder, ignore_errors=True)
        unittest.addModuleCleanup(_originals.clear)
        for member, (name, _, _) in MNIST.items():
            content = lab.data.idx_header(arrays[member].shape) + arrays[member].tobytes()
            # Level 6 (as gzip's command): 1 s for all four, level 9 would take 12 s.
            (folder / (name + '.gz')).write_bytes(gzip.compress(content, compresslevel=6))
        _originals.append(folder)
    return _originals[0]


def flat(images):
    """(N, 28, 28) -> (N, 784), as utils' bytes loaders give images."""
    return images.reshape(len(images), 28 * 28)


def stand_in_test_split(pixel=0):
    """A test split utils accepts: MNIST's digit counts (in digit order), every pixel the same."""
    labels = np.repeat(np.arange(10, dtype=np.uint8), TEST_DIGIT_COUNTS)
    return {'test_images': np.full((len(labels), 28, 28), pixel, np.uint8),
            'test_labels': labels}


def save_bundle(path, compressed=False, **members):
    """Write members as an .npz at path (stored, or compressed as the shipped one is)."""
    with open(path, 'wb') as out:
        (np.savez_compressed if compressed else np.savez)(out, **members)
    return path


def csv_row(label=3, pixel=0):
    return [label] + [pixel] * 784


def csv_bytes(rows, newline='\n'):
    return ''.join(','.join(map(str, row)) + newline for row in rows).encode()


def use_folders(test):
    """For the rest of test: work in test.tmp/work, with utils looking in its data/ and
    then in test.tmp/beside, which stands for the data/ beside utils.py (so the project's
    own bundle is not seen). Returns (work/data, beside), both created and empty."""
    work_data, beside = test.tmp / 'work' / 'data', test.tmp / 'beside'
    work_data.mkdir(parents=True)
    beside.mkdir()
    test.addCleanup(os.chdir, os.getcwd())
    os.chdir(work_data.parent)
    patcher = mock.patch.object(utils, 'DATA_FOLDERS', ('data', str(beside)))
    patcher.start()
    test.addCleanup(patcher.stop)
    return work_data, beside


def data_error(test, call):
    """The message of the MnistDataError that call() raises; anything else fails the test."""
    try:
        result = call()
    except utils.MnistDataError as err:
        return str(err)
    except Exception as err:  # the failure these tests exist to find
        test.fail(f'{type(err).__name__} instead of MnistDataError: {err}')
    test.fail(f'no MnistDataError: returned a {type(result).__name__}')


def assert_names(test, message, path, *fragments):
    """message names path, and each fragment elsewhere than in the path (and than in
    utils' advice on getting the data, which names data/mnist.npz and the CSVs itself)."""
    message = message.replace(utils.GET_DATA_HINT, '')
    test.assertIn(str(path), message)
    rest = message.replace(str(path), '')
    for fragment in fragments:
        test.assertIn(str(fragment), rest, message)


def assert_says_how_to_restore(test, message):
    test.assertTrue(any(hint in message for hint in RESTORE_HINTS), message)


def assert_same_arrays(test, got, expected):
    """Two sequences of arrays, equal in dtype, shape and every value."""
    test.assertEqual(len(got), len(expected))
    for got_array, expected_array in zip(got, expected):
        test.assertEqual(got_array.dtype, expected_array.dtype)
        np.testing.assert_array_equal(got_array, expected_array)


def truncations(content, seed):
    """CASES (description, bytes): content cut at seeded random places."""
    rng = random.Random(seed)
    for _ in range(CASES):
        cut = rng.randrange(len(content))
        yield f'cut to {cut} bytes', content[:cut]


def byte_changes(content, seed):
    """CASES (description, bytes): content with one byte changed, at seeded random places."""
    rng = random.Random(seed)
    for _ in range(CASES):
        position, mask = rng.randrange(len(content)), rng.randrange(1, 256)
        damaged = bytearray(content)
        damaged[position] ^= mask
        yield f'byte {position} xor {mask:#04x}', bytes(damaged)


def compressed_spans(path):
    """(offset, size) of each member's compressed bytes in the zip file at path."""
    spans = {}
    with zipfile.ZipFile(path) as bundle:
        for info in bundle.infolist():
            with open(path, 'rb') as raw:
                raw.seek(info.header_offset + 26)
                name_length, extra_length = np.frombuffer(raw.read(4), '<u2').tolist()
            spans[info.filename] = (info.header_offset + 30 + name_length + extra_length,
                                    info.compress_size)
    return spans


# ---------------------------------------------------------------------------
# Where the data is found
# ---------------------------------------------------------------------------

class TestWhereTheDataIsFound(TempDirTestCase):
    """Each place holds data whose every pixel is a different marker byte."""

    def setUp(self):
        super().setUp()
        self.work, self.beside = use_folders(self)

    def bundle(self, folder, pixel):
        save_bundle(folder / 'mnist.npz', **stand_in_test_split(pixel))

    def csv(self, folder, pixel):
        (folder / 'mnist_test.csv').write_bytes(csv_bytes([csv_row(pixel=pixel)] * 2))

    def assertReadsMarker(self, pixel):
        images, _ = utils.load_mnist_test_bytes()
        self.assertEqual(set(np.unique(images).tolist()), {pixel})

    def test_the_first_place_holding_data_wins_in_the_documented_order(self):
        # In order: the course's CSV in the working folder's data/, the bundle there, then
        # the CSV and the bundle beside utils.py; each place marks its images with its number.
        places = [(self.csv, self.work), (self.bundle, self.work),
                  (self.csv, self.beside), (self.bundle, self.beside)]
        for held in itertools.product((False, True), repeat=len(places)):
            if not any(held):
                continue
            with self.subTest(places_holding_data=[i + 1 for i in range(4) if held[i]]):
                for folder in (self.work, self.beside):
                    for path in folder.iterdir():
                        path.unlink()
                for marker, ((write, folder), holds) in enumerate(zip(places, held), start=1):
                    if holds:
                        write(folder, marker)
                self.assertReadsMarker(held.index(True) + 1)

    def test_a_file_named_data_in_the_working_folder_is_passed_over(self):
        self.work.rmdir()
        self.work.write_bytes(b'not a folder')
        self.bundle(self.beside, 2)
        self.assertReadsMarker(2)

    def test_the_course_csv_beside_the_bundle_is_read_for_its_split_only(self):
        # The course's test CSV wins over the bundle in the same folder; the training split,
        # without a CSV, still comes from the bundle.
        save_bundle(self.work / 'mnist.npz', train_images=np.full((10, 28, 28), 2, np.uint8),
                    train_labels=np.arange(10, dtype=np.uint8), **stand_in_test_split(2))
        self.csv(self.work, 1)
        self.assertReadsMarker(1)
        with mock.patch.dict(utils.DIGIT_COUNTS, train=(1,) * 10):
            train_images, _, val_images, _ = utils.load_mnist_trainval_bytes()
        self.assertEqual(set(np.unique(np.r_[train_images, val_images]).tolist()), {2})

    def test_with_no_data_one_error_lists_all_four_places_in_order_and_how_to_get_the_data(self):
        for loader, csv_name in ((utils.load_mnist_trainval, 'mnist_train.csv'),
                                 (utils.load_mnist_test, 'mnist_test.csv')):
            with self.subTest(loader=loader.__name__):
                message = data_error(self, loader)
                assert_says_how_to_restore(self, message)
                places = message.replace(utils.GET_DATA_HINT, '')  # the advice names some too
                order = [f'data/{csv_name}', 'data/mnist.npz',
                         f'{self.beside}/{csv_name}', f'{self.beside}/mnist.npz']
                for place in order:
                    self.assertIn(place, places)
                self.assertEqual([places.index(place) for place in order],
                                 sorted(places.index(place) for place in order))

    def test_with_no_data_a_file_named_data_is_named_as_such(self):
        self.work.rmdir()
        self.work.write_bytes(b'my notes')
        message = data_error(self, utils.load_mnist_test)
        self.assertIn('data is a file where the folder belongs', message)
        self.assertEqual(self.work.read_bytes(), b'my notes')

    def test_with_no_data_a_file_where_the_folder_beside_utils_belongs_is_named(self):
        self.beside.rmdir()
        self.beside.write_bytes(b'')
        message = data_error(self, utils.load_mnist_test)
        self.assertIn(f'{self.beside} is a file where the folder belongs', message)

    def test_a_folder_named_as_a_data_file_is_named_as_a_folder(self):
        for name in ('mnist_test.csv', 'mnist.npz'):
            with self.subTest(name=name):
                (self.work / name).mkdir()
                message = data_error(self, utils.load_mnist_test)
                self.assertIn(f'data/{name} is a folder, not a file', message)
                self.assertNotIn('no MNIST', message)
                (self.work / name).rmdir()

    def test_load_csv_through_a_file_names_the_file_where_a_folder_belongs(self):
        notes = self.tmp / 'notes.txt'
        notes.write_text('not a folder')
        message = data_error(self, lambda: utils.load_csv(str(notes / 'mnist_test.csv')))
        self.assertIn(f'{notes} is a file where the folder belongs', message)

    def test_load_csv_of_a_folder_names_it_as_a_folder(self):
        message = data_error(self, lambda: utils.load_csv(str(self.work)))
        self.assertIn(f'{self.work} is a folder, not a file', message)


# ---------------------------------------------------------------------------
# The course's CSVs give what the bundle gives
# ---------------------------------------------------------------------------

class TestCsvMatchesBundle(TempDirTestCase):
    ROWS = 1000  # of the training file: any number of rows is accepted

    def setUp(self):
        super().setUp()
        self.work, _ = use_folders(self)

    def write_train_csv(self, newline='\n'):
        """data/mnist_train.csv: the first ROWS images of MNIST's training file."""
        images = flat(shipped()['train_images'][:self.ROWS])
        labels = shipped()['train_labels'][:self.ROWS]
        path = self.work / 'mnist_train.csv'
        write_csv(path, images, labels)
        if newline != '\n':
            path.write_bytes(path.read_bytes().replace(b'\n', newline.encode()))
        return images, labels.astype(np.int64)

    def test_test_csv_gives_the_bundles_lists_arrays_and_bytes(self):
        raw = shipped()
        write_csv(self.work / 'mnist_test.csv', flat(raw['test_images']), raw['test_labels'])
        loaders = (utils.load_mnist_test, utils.load_mnist_test_arrays,
                   utils.load_mnist_test_bytes)
        from_csv = [loader() for loader in loaders]
        # The project's data/ beside utils.py: its bundle wins over the CSV.
        with mock.patch.object(utils, 'DATA_FOLDERS', ('data', str(ROOT / 'data'))):
            from_bundle = [loader() for loader in loaders]
        self.assertEqual(from_csv[0], from_bundle[0])
        for csv_arrays, bundle_arrays in zip(from_csv[1:], from_bundle[1:]):
            assert_same_arrays(self, csv_arrays, bundle_arrays)

    def test_train_csv_is_split_80_20_unshuffled_into_lists_of_k_over_255(self):
        images, labels = self.write_train_csv()
        cut = int(0.8 * self.ROWS)
        train_data, train_label, val_data, val_label = utils.load_mnist_trainval()
        self.assertEqual(train_data, (images[:cut] / 255).tolist())
        self.assertEqual(val_data, (images[cut:] / 255).tolist())
        self.assertEqual(train_label, labels[:cut].tolist())
        self.assertEqual(val_label, labels[cut:].tolist())
        self.assertEqual({type(px) for image in train_data + val_data for px in image}, {float})
        self.assertEqual({type(label) for label in train_label + val_label}, {int})

    def test_train_csv_gives_the_bundles_arrays_and_bytes(self):
        images, labels = self.write_train_csv()
        cut = int(0.8 * self.ROWS)
        expected_bytes = (images[:cut], labels[:cut], images[cut:], labels[cut:])
        assert_same_arrays(self, utils.load_mnist_trainval_bytes(), expected_bytes)
        expected_arrays = (images[:cut] / 255, labels[:cut], images[cut:] / 255, labels[cut:])
        assert_same_arrays(self, utils.load_mnist_trainval_arrays(), expected_arrays)

    def test_windows_line_endings_across_read_blocks_read_the_same(self):
        images, labels = self.write_train_csv(newline='\r\n')  # 2 MB: several read blocks
        cut = int(0.8 * self.ROWS)
        assert_same_arrays(self, utils.load_mnist_trainval_bytes(),
                           (images[:cut], labels[:cut], images[cut:], labels[cut:]))


# ---------------------------------------------------------------------------
# A damaged bundle
# ---------------------------------------------------------------------------

class TestDamagedBundle(TempDirTestCase):
    """A damaged bundle beside utils (a path no message names by chance): the test loader
    must refuse it."""

    def setUp(self):
        super().setUp()
        _, beside = use_folders(self)
        self.path = beside / 'mnist.npz'

    def assertRefused(self, *fragments):
        message = data_error(self, utils.load_mnist_test_bytes)
        assert_names(self, message, self.path, *fragments)
        assert_says_how_to_restore(self, message)

    def assertMembersRefused(self, **changes):
        for what, array in changes.items():
            with self.subTest(what):
                members = stand_in_test_split()
                members['test_' + what.split()[0]] = array
                save_bundle(self.path, **members)
                self.assertRefused()

    def test_wrong_dtype_is_refused(self):
        split = stand_in_test_split()
        self.assertMembersRefused(**{
            'images float32': split['test_images'].astype(np.float32),
            'labels int64': split['test_labels'].astype(np.int64),
            'labels float64': split['test_labels'].astype(np.float64),
            'labels int8 with a -1': np.r_[np.int8(-1), split['test_labels'][1:].astype(np.int8)],
        })

    def test_wrong_shape_is_refused(self):
        split = stand_in_test_split()
        self.assertMembersRefused(**{
            'images flat (10000, 784)': flat(split['test_images']),
            'images holding the labels': split['test_labels'],
            'images one short': split['test_images'][1:],
            'labels (10000, 1)': split['test_labels'][:, None],
            'labels a single number': np.uint8(7),
        })

    def test_a_changed_label_is_refused_naming_the_digit_counts(self):
        members = stand_in_test_split()
        members['test_labels'][0] = 1  # a 0 becomes a 1
        save_bundle(self.path, **members)
        self.assertRefused(TEST_DIGIT_COUNTS[0] - 1, TEST_DIGIT_COUNTS[1] + 1)

    def test_a_missing_member_is_refused(self):
        save_bundle(self.path, test_images=stand_in_test_split()['test_images'])
        self.assertRefused('test_labels')

    def test_a_truncated_bundle_is_refused(self):
        content = save_bundle(self.path, compressed=True, **stand_in_test_split()).read_bytes()
        self.path.write_bytes(content[:len(content) // 2])
        self.assertRefused()

    def test_a_refused_bundle_is_not_left_open(self):
        # An open file keeps a damaged bundle from being replaced on Windows, e.g. by
        # download_mnist.py run from the notebook whose last error still holds it.
        self.path.write_bytes(b'PK\x03\x04' + bytes(100))  # a zip's start, cut short
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always', ResourceWarning)
            data_error(self, utils.load_mnist_test_bytes)
            gc.collect()
        self.assertEqual([str(w.message) for w in caught if w.category is ResourceWarning], [])

    def test_a_flipped_byte_in_a_members_compressed_data_is_refused(self):
        save_bundle(self.path, compressed=True, **stand_in_test_split())
        content = self.path.read_bytes()
        for member, (offset, size) in compressed_spans(self.path).items():
            with self.subTest(member):
                damaged = bytearray(content)
                damaged[offset + size // 2] ^= 0x10
                self.path.write_bytes(bytes(damaged))
                self.assertRefused()

    def test_a_folder_in_place_of_the_bundle_is_refused(self):
        self.path.mkdir()
        self.assertRefused()

    def test_a_file_that_is_not_a_zip_is_refused(self):
        npy = io.BytesIO()
        np.save(npy, stand_in_test_split()['test_images'])
        for what, content in (('empty', b''), ('text', b'test_images,test_labels\n'),
                              ('a single .npy array', npy.getvalue()),
                              ('gzip', gzip.compress(b'\0' * 1000))):
            with self.subTest(what):
                self.path.write_bytes(content)
                self.assertRefused()


class TestBundleFuzz(TempDirTestCase):
    """Seeded damage to a small bundle in the shipped format (real images, compressed).

    utils wants MNIST's exact digit counts; here they are patched to those of the bundle's
    60 images, so each case is fast and the zip's headers make up a fair share of the bytes.
    Every damaged file must be refused, or (damage in bytes no check covers, such as a zip
    timestamp) give exactly the original arrays.
    """

    def setUp(self):
        super().setUp()
        _, beside = use_folders(self)
        self.images = flat(shipped()['test_images'][:60])
        self.labels = shipped()['test_labels'][:60]
        counts = tuple(np.bincount(self.labels, minlength=10).tolist())
        patcher = mock.patch.dict(utils.DIGIT_COUNTS, test=counts)
        patcher.start()
        self.addCleanup(patcher.stop)
        self.path = save_bundle(beside / 'mnist.npz', compressed=True,
                                test_images=self.images.reshape(60, 28, 28),
                                test_labels=self.labels)
        self.content = self.path.read_bytes()

    def assertRefusedOrIntact(self, damages):
        for what, damaged in damages:
            self.path.write_bytes(damaged)
            try:
                images, labels = utils.load_mnist_test_bytes()
            except utils.MnistDataError as err:
                self.assertIn(str(self.path), str(err), what)
                continue
            except Exception as err:  # the failure this test exists to find
                self.fail(f'{what}: {type(err).__name__}: {err}')
            assert_same_arrays(self, (images, labels), (self.images, self.labels.astype(np.int64)))

    def test_truncations_are_refused(self):
        self.assertRefusedOrIntact(truncations(self.content, seed=1))

    def test_single_byte_changes_are_refused_or_harmless(self):
        self.assertRefusedOrIntact(byte_changes(self.content, seed=2))


# ---------------------------------------------------------------------------
# A damaged CSV
# ---------------------------------------------------------------------------

class TestCsvErrors(TempDirTestCase):
    """Each bad CSV is refused by load_csv and by the loaders reading data/mnist_test.csv,
    naming the file, the row (a line of the file), the column (the label is column 1) and
    the value."""

    def setUp(self):
        super().setUp()
        self.work, _ = use_folders(self)
        self.path = self.work / 'mnist_test.csv'

    def assertRefused(self, content, *fragments):
        self.path.write_bytes(content)
        self.assertReadersRefuse(*fragments)

    def assertReadersRefuse(self, *fragments):
        for reader, call, shown in (
                ('load_csv', lambda: utils.load_csv(str(self.path)), self.path),
                ('load_mnist_test', utils.load_mnist_test, 'data/mnist_test.csv')):
            with self.subTest(reader=reader):
                assert_names(self, data_error(self, call), shown, *fragments)

    def rows_with(self, row_number, column, value, rows=3):
        """rows good rows, but in row row_number (from 1) column column (from 1) holds value."""
        rows = [csv_row() for _ in range(rows)]
        rows[row_number - 1][column - 1] = value
        return csv_bytes(rows)

    def test_a_short_row_names_the_row_and_the_count(self):
        self.assertRefused(csv_bytes([csv_row(), csv_row()[:500]]), 'row 2', '500', '785')

    def test_a_non_number_names_the_row_column_and_value(self):
        self.assertRefused(self.rows_with(3, 7, 'abc'), 'row 3', 'column 7', 'abc')

    def test_signs_int_refuses_or_reads_as_negative_name_the_row_column_and_value(self):
        for value in ('+-5', '-1', '--3', '+ 3'):
            with self.subTest(value=value):
                self.assertRefused(self.rows_with(2, 5, value), 'row 2', 'column 5', value)

    def test_a_pixel_of_256_names_the_row_column_and_value(self):
        self.assertRefused(self.rows_with(1, 301, 256), 'row 1', 'column 301', '256')

    def test_a_label_of_10_names_the_row_column_and_value(self):
        self.assertRefused(self.rows_with(2, 1, 10), 'row 2', 'column 1', '10')

    def test_an_empty_field_names_the_row_and_column(self):
        self.assertRefused(self.rows_with(2, 7, ''), 'row 2', 'column 7')

    def test_an_empty_file_is_refused(self):
        self.assertRefused(b'')

    def test_a_binary_file_is_refused(self):
        self.assertRefused(gzip.compress(csv_bytes([csv_row()])), 'row 1')

    def test_blank_lines_are_skipped_and_rows_are_numbered_as_lines_of_the_file(self):
        good = csv_bytes([csv_row(label=5)])
        self.path.write_bytes(b'\n' + good + b'\n' + good + b'\n')
        data, labels = utils.load_csv(str(self.path))
        self.assertEqual(labels, [5, 5])
        self.assertEqual(len(data), 2)
        self.assertRefused(b'\n' + good + b'\n' + good + b'1,2\n', 'row 5')  # lines 1, 3 blank

    def test_rows_past_the_first_read_block_are_numbered_as_lines_of_the_file(self):
        rows = [csv_row(pixel=255) for _ in range(300)]  # 3 kB a row: about 1 MB
        rows[249] = rows[249][:-1]
        self.assertRefused(b'\n' + csv_bytes(rows), 'row 251', '784')

    def test_a_missing_csv_is_a_data_error(self):
        assert_names(self, data_error(self, lambda: utils.load_csv(str(self.path))), self.path)

    def test_a_folder_in_place_of_the_csv_is_a_data_error(self):
        self.path.mkdir()
        self.assertReadersRefuse()


class OneByteAReadFile(io.BytesIO):
    """A file whose every read gives one byte, as a slow pipe may."""

    def read(self, size=-1):
        return super().read(1 if size else 0)


def trickled(text):
    """For a with block: utils opens every file as one holding text, one byte a read."""
    return mock.patch.object(utils, 'open', create=True,
                             new=lambda path, mode: OneByteAReadFile(text.encode()))


def course_load_csv(path):
    """The course's own reader (SPEC section 2), as the reference: each line right-stripped,
    split at commas, the label int(), each pixel int(px) / 255; a text file as Python reads
    one ('\r\n' and a lone '\r' end a line)."""
    data, labels = [], []
    with open(path, encoding='utf-8') as fp:
        for line in fp.readlines():
            values = line.rstrip().split(',')
            labels.append(int(values[0]))
            data.append([int(px) / 255 for px in values[1:]])
    return data, labels


class TestCsvAsTheCourseReadsIt(TempDirTestCase):
    """What the course's int() reads into the right value, the loaders read into the same
    value (beside pixel 7 of label 3); what it refuses, or reads into wrong data, they refuse
    naming row, column and value. Quietly: no warning, nothing printed."""

    def setUp(self):
        super().setUp()
        self.work, _ = use_folders(self)
        self.path = self.work / 'mnist_test.csv'

    def write(self, label, pixel, rows=2, newline='\n'):
        row = ','.join([label] + [pixel] * 392 + ['7'] * 392)
        self.path.write_bytes((row + newline).encode() * rows)

    def assertReadLikeTheCourse(self, label=3, pixel=7):
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()) as out:
            warnings.simplefilter('error')
            data, labels = utils.load_csv(str(self.path))
            images, test_labels = utils.load_mnist_test_bytes()
        self.assertEqual(out.getvalue(), '')
        self.assertEqual((data, labels), course_load_csv(self.path))
        self.assertEqual(labels, [label] * len(labels))
        self.assertEqual(data[0][:392], [pixel / 255] * 392)
        self.assertEqual(images.tolist(), [[pixel] * 392 + [7] * 392] * len(labels))
        self.assertEqual(test_labels.tolist(), labels)

    def assertRefused(self, value, *fragments):
        """A row with value as pixel 1 is refused by both readers, naming row, column and
        fragments."""
        self.write('3', value)
        for call in (lambda: utils.load_csv(str(self.path)), utils.load_mnist_test):
            assert_names(self, data_error(self, call), 'row 1', 'column 2', *fragments)

    def test_spaces_and_tabs_around_values_are_read_as_int_reads_them(self):
        for label, pixel in ((' 3', '7 '), ('\t3\t', ' \t 7'), ('3  ', '  255'), ('0', ' 0 ')):
            with self.subTest(label=label, pixel=pixel):
                self.write(label, pixel)
                self.assertReadLikeTheCourse(int(label), int(pixel))

    def test_spaces_ending_a_row_are_read_and_lines_of_spaces_skipped_as_blank_ones(self):
        # The course's reader fails on a line of spaces (int('')); a blank line is skipped,
        # and so is this one.
        self.write('3', '7', newline='  \t\n \t \n')
        data, labels = utils.load_csv(str(self.path))
        self.assertEqual(labels, [3, 3])
        self.assertEqual(data, [[7 / 255] * 784] * 2)

    def test_lines_of_other_white_space_are_skipped_too(self):
        # Form feed, no-break and ideographic spaces alone on a line: once looped for ever.
        for blank in ('\x0c', '\xa0', '\u3000', ' \x0c\t'):
            with self.subTest(blank=repr(blank)):
                self.write('3', '7', newline=f'\n{blank}\n')
                data, labels = utils.load_csv(str(self.path))
                self.assertEqual(labels, [3, 3])
                self.assertEqual(data, [[7 / 255] * 392 + [7 / 255] * 392] * 2)

    def test_signs_leading_zeros_and_underscores_are_read_as_int_reads_them(self):
        for label, pixel in (('+3', '+7'), ('03', '0007'), ('0003', '00000255'), ('-0', '-0'),
                             ('+0_3', '2_5_5'), ('3', '1_2')):
            with self.subTest(label=label, pixel=pixel):
                self.write(label, pixel)
                self.assertReadLikeTheCourse(int(label), int(pixel))

    def test_other_digits_and_white_space_are_read_as_int_reads_them(self):
        # Full-width and Arabic-Indic digits; no-break, ideographic and figure spaces, form
        # feed, vertical tab: int() reads them all.
        for label, pixel in (('\uff13', '\uff17'), ('\u0663', '\u0662\u0665\u0665'),
                             ('\xa03', '7\u3000'), ('\x0c3', '\u20077\x0b')):
            with self.subTest(label=ascii(label), pixel=ascii(pixel)):
                self.write(label, pixel)
                self.assertReadLikeTheCourse(int(label), int(pixel))

    def test_a_lone_carriage_return_ends_a_line_as_in_a_text_file(self):
        self.write('3', '7', rows=3, newline='\r')
        self.assertReadLikeTheCourse()
        self.assertEqual(len(utils.load_csv(str(self.path))[1]), 3)

    def test_carriage_returns_and_spaces_across_read_blocks_read_the_same(self):
        # 1 MB or more: several of the reader's 256 KiB blocks, cut anywhere in a row.
        for newline, pixel in (('\r', '7'), ('\r\n', ' 7 '), ('\n', '+7')):
            with self.subTest(newline=ascii(newline), pixel=pixel):
                self.write('3', pixel, rows=(1 << 20) // (len(pixel) * 800), newline=newline)
                self.assertReadLikeTheCourse()

    def test_rows_cut_anywhere_between_reads_keep_their_values_and_numbers(self):
        # A file giving one byte a read: every row is cut at every byte, a '\r\n' between
        # its two bytes too, which must end one line, not two.
        row = ','.join(['3'] + [' 7 '] * 784)
        for newline in ('\n', '\r\n', '\r'):
            with self.subTest(newline=ascii(newline)):
                good = (row + newline) * 3
                with trickled(good):
                    data, labels = utils.load_csv('good.csv')
                with trickled(good + row[:99] + newline):
                    message = data_error(self, lambda: utils.load_csv('short.csv'))
                self.assertEqual(labels, [3] * 3)
                self.assertEqual(data, [[7 / 255] * 784] * 3)
                self.assertIn('short.csv, row 4,', message)

    def test_a_row_longer_than_a_read_block_is_read_whole(self):
        self.write(' ' * 1000 + '3', '7' + ' ' * 1000, rows=2)  # 400 kB a row
        self.assertReadLikeTheCourse()

    def test_int_notations_at_random_read_as_the_course_reads_them(self):
        rng = random.Random(7)
        digits = ('0123456789', '\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19',
                  '\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669')
        pads = ('', ' ', '\t', '  ', '\xa0', '\u3000', '\x0c')

        def written(number):
            text = ''.join(rng.choice(digits)[int(d)] for d in str(number))
            if len(text) > 1 and rng.random() < 0.2:
                cut = rng.randrange(1, len(text))
                text = text[:cut] + '_' + text[cut:]
            text = '0' * rng.choice((0, 0, 1, 3)) + text
            text = rng.choice(('', '', '+')) + text
            return rng.choice(pads) + text + rng.choice(pads)

        labels = [rng.randrange(10) for _ in range(5)]
        pixels = [[rng.randrange(256) for _ in range(784)] for _ in labels]
        self.path.write_text(''.join(','.join(map(written, [label] + row)) + '\n'
                                     for label, row in zip(labels, pixels)), encoding='utf-8')
        data, read_labels = utils.load_csv(str(self.path))
        self.assertEqual((data, read_labels), course_load_csv(self.path))
        self.assertEqual(read_labels, labels)
        self.assertEqual(utils.load_mnist_test_bytes()[0].tolist(), pixels)

    def test_what_int_refuses_is_refused_naming_the_value(self):
        for value in ('1 2', '1\t2', '1.0', '1e2', '0x1', '_5', '5_', '5__0', '\ufeff7', '',
                      '\u00b2', '\x00'):
            with self.subTest(value=ascii(value)):
                self.assertRefused(value)
                self.assertRaises(ValueError, course_load_csv, self.path)

    def test_what_int_reads_into_wrong_data_is_refused_naming_the_value(self):
        for value, shown in (('-1', '-1'), ('256', '256'), ('2_56', '256'), ('+256', '256'),
                             ('0256', '256'), ('00000300', '300'), ('\uff12\uff15\uff16', '256')):
            with self.subTest(value=ascii(value)):
                self.assertRefused(value, shown, 'out of range')
                self.assertFalse(0 <= course_load_csv(self.path)[0][0][0] <= 1)

    def test_a_number_longer_than_pythons_int_reads_is_refused(self):
        self.assertRefused('0' * (utils.MAX_DIGITS + 1) + '7', 'not a whole number')


class TestCsvFuzz(TempDirTestCase):
    """Seeded damage to a 3-row CSV: a CSV has no checksum, so a changed digit cannot be
    noticed; the promise is an error or a well-formed data set, never another exception."""

    def setUp(self):
        super().setUp()
        rng = np.random.default_rng(4)
        self.labels = rng.integers(0, 10, size=3)
        self.pixels = rng.integers(0, 256, size=(3, 784))
        self.content = csv_bytes(np.column_stack([self.labels, self.pixels]).tolist())
        self.path = self.tmp / 'fuzzed.csv'

    def read(self, what, content):
        """load_csv's (data, labels), or None for MnistDataError; anything else fails."""
        self.path.write_bytes(content)
        try:
            data, labels = utils.load_csv(str(self.path))
        except utils.MnistDataError:
            return None
        except Exception as err:  # the failure this test exists to find
            self.fail(f'{what}: {type(err).__name__}: {err}')
        self.assertEqual(len(data), len(labels), what)
        self.assertTrue(all(type(label) is int and 0 <= label <= 9 for label in labels), what)
        for image in data:
            self.assertEqual(len(image), 784, what)
            self.assertTrue(all(type(px) is float and 0.0 <= px <= 1.0 for px in image), what)
        return data, labels

    def test_truncations_give_an_error_or_the_first_rows(self):
        for what, damaged in truncations(self.content, seed=5):
            result = self.read(what, damaged)
            if result is None:
                continue
            data, labels = result
            n = len(labels)
            self.assertEqual(labels, self.labels[:n].tolist(), what)
            # Only the very last number can have lost digits unnoticed.
            got = np.rint(np.array(data) * 255)
            np.testing.assert_array_equal(got[:, :-1], self.pixels[:n, :-1], err_msg=what)
            np.testing.assert_array_equal(got[:-1], self.pixels[:n - 1], err_msg=what)

    def test_byte_changes_give_an_error_or_a_well_formed_data_set(self):
        for what, damaged in byte_changes(self.content, seed=6):
            self.read(what, damaged)


# ---------------------------------------------------------------------------
# lab/data.py
# ---------------------------------------------------------------------------

class TestBuiltOriginals(unittest.TestCase):
    def test_the_built_files_decompress_to_mnists_original_content(self):
        # The SHA-256 of each original file's uncompressed content, as MNIST's SHA256SUMS
        # lists them (MNIST's table, from tests.test_loading, which hard-codes them).
        self.assertEqual(sorted(path.name for path in originals().iterdir()),
                         sorted(name + '.gz' for name, _, _ in MNIST.values()))
        for name, _, digest in MNIST.values():
            with self.subTest(name):
                content = gzip.decompress((originals() / (name + '.gz')).read_bytes())
                self.assertEqual(hashlib.sha256(content).hexdigest(), digest)


class TestVerify(unittest.TestCase):
    def test_the_expected_sha256_are_mnists(self):
        self.assertEqual(dict(lab.data.ORIGINALS),
                         {member: (name, digest) for member, (name, _, digest) in MNIST.items()})

    def test_idx_headers_are_mnists(self):
        self.assertEqual(lab.data.idx_header((60000, 28, 28)), TRAIN_IMAGES_HEADER)
        self.assertEqual(lab.data.idx_header((60000,)), TRAIN_LABELS_HEADER)

    def test_a_one_pixel_change_is_refused_naming_the_file_and_both_sha256(self):
        images = shipped()['test_images'].copy()
        images[1234, 14, 14] ^= 1
        header = bytes.fromhex('00000803 00002710 0000001c 0000001c')  # 10000 images of 28x28
        found = hashlib.sha256(header + images.tobytes()).hexdigest()
        with self.assertRaises(utils.MnistDataError) as caught:
            lab.data.verify('test_images', images.shape, images)
        for fragment in ('t10k-images-idx3-ubyte', TEST_IMAGES_SHA256, found):
            self.assertIn(fragment, str(caught.exception))

    def test_data_in_parts_is_verified_as_one_file(self):
        images = shipped()['train_images']
        lab.data.verify('train_images', images.shape, images[:48000], images[48000:])
        with self.assertRaises(utils.MnistDataError):
            lab.data.verify('train_images', images.shape, images[:48000], images[48001:],
                            images[48000:48001])  # the same rows, one moved to the end

    def test_seeded_single_byte_changes_anywhere_are_refused(self):
        labels = shipped()['test_labels']
        rng = random.Random(7)
        for _ in range(CASES):
            damaged = labels.copy()
            position = rng.randrange(len(damaged))
            damaged[position] ^= rng.randrange(1, 256)
            with self.assertRaises(utils.MnistDataError, msg=f'label {position}'):
                lab.data.verify('test_labels', damaged.shape, damaged)


class TestSplits(TempDirTestCase):
    """splits() in a working folder whose data/mnist.npz is a copy of the real data."""

    def setUp(self):
        super().setUp()
        self.work, _ = use_folders(self)
        self.path = save_bundle(self.work / 'mnist.npz', **shipped())
        patcher = mock.patch.dict(lab.data._cache, clear=True)
        patcher.start()
        self.addCleanup(patcher.stop)

    def damaged_bundle(self, path):
        """A valid bundle of the size of self.path, one pixel of the test images changed:
        utils can not tell (the digit counts are right), the SHA-256 can."""
        members = dict(shipped())
        members['test_images'] = members['test_images'].copy()
        members['test_images'][0, 14, 14] ^= 1
        save_bundle(path, **members)
        stat = self.path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        self.assertEqual(path.stat().st_size, stat.st_size)
        return path

    def test_splits_are_utils_data_and_a_second_call_returns_the_same_objects(self):
        first = lab.data.splits()
        assert_same_arrays(self, first, utils.load_mnist_trainval_bytes()
                           + utils.load_mnist_test_bytes())
        for again, before in zip(lab.data.splits(), first):
            self.assertIs(again, before)

    def test_a_touched_bundle_is_read_again(self):
        first = lab.data.splits()
        os.utime(self.path, ns=(time.time_ns(), time.time_ns() + 10**9))
        second = lab.data.splits()
        for again, before in zip(second, first):
            self.assertIsNot(again, before)
        assert_same_arrays(self, second, first)

    def test_changes_utils_cannot_see_are_refused(self):
        pixel = dict(shipped(), test_images=shipped()['test_images'].copy())
        pixel['test_images'][0, 14, 14] ^= 1
        swapped = dict(shipped(), test_labels=shipped()['test_labels'].copy())
        swapped['test_labels'][[0, 1]] = swapped['test_labels'][[1, 0]]  # the counts stay
        for what, members, name in (('one pixel', pixel, 't10k-images-idx3-ubyte'),
                                    ('two labels swapped', swapped, 't10k-labels-idx1-ubyte')):
            with self.subTest(what):
                save_bundle(self.path, **members)
                utils.load_mnist_test_bytes()  # utils accepts it
                self.assertIn(name, data_error(self, lab.data.splits))

    def test_a_damaged_bundle_elsewhere_with_the_same_size_and_time_is_not_served_from_cache(self):
        lab.data.splits()
        elsewhere = self.tmp / 'elsewhere' / 'data'
        elsewhere.mkdir(parents=True)
        self.damaged_bundle(elsewhere / 'mnist.npz')
        os.chdir(elsewhere.parent)
        self.assertIn('t10k-images-idx3-ubyte', data_error(self, lab.data.splits))

    def test_a_bundle_replaced_by_a_damaged_one_of_the_same_size_and_time_is_read_again(self):
        lab.data.splits()
        os.replace(self.damaged_bundle(self.tmp / 'damaged.npz'), self.path)
        self.assertIn('t10k-images-idx3-ubyte', data_error(self, lab.data.splits))


    def test_originals_and_the_course_csvs_never_go_through_the_split_a_student_writes(self):
        # A student's unwritten split (the release's stub returns None) or a wrong one must
        # not stop the pre-flight grade from writing the course's CSVs, nor change them.
        written = {}

        def record(path, images, labels):
            written[Path(path).name] = images, labels
        whole = (shipped()['train_images'].reshape(60000, 784),
                 shipped()['train_labels'].astype(np.int64))
        with mock.patch.object(utils, 'load_mnist_trainval_bytes', return_value=None), \
                mock.patch('lab.grade.write_csv', record):
            assert_same_arrays(self, lab.data.originals()[:2], whole)
            write_course_data(self.tmp / 'graded')
        assert_same_arrays(self, written['mnist_train.csv'], whole)
        self.assertEqual(len(written['mnist_test.csv'][0]), 10000)

    def test_splits_are_the_split_utils_makes_of_verified_data(self):
        images = shipped()['train_images'].reshape(60000, 784)
        labels = shipped()['train_labels'].astype(np.int64)
        wrong_end = images[12000:], labels[12000:], images[:12000], labels[:12000]
        with mock.patch.object(utils, 'load_mnist_trainval_bytes', return_value=wrong_end):
            found = lab.data.splits()
        assert_same_arrays(self, found[:4], wrong_end)
        assert_same_arrays(self, found[4:], utils.load_mnist_test_bytes())


    def test_an_unwritten_split_is_named_with_what_it_returned(self):
        for returned, said in ((None, 'returned None'),
                               ((np.zeros(3),) * 4, 'returned 4 values (3, 3')):
            with self.subTest(said), mock.patch.object(
                    utils, 'load_mnist_trainval_bytes', return_value=returned):
                with self.assertRaisesRegex(TypeError, r'load_mnist_trainval_bytes\(\) '
                                                       + re.escape(said) + '.*'
                                                       r'share out the 60,000 training images'):
                    lab.data.splits()


class TestBuildBundle(TempDirTestCase):
    def setUp(self):
        super().setUp()
        self.work, _ = use_folders(self)
        self.path = self.work / 'mnist.npz'

    def assertOnlyTheOldBundle(self):
        self.assertEqual(self.path.read_bytes(), b'the old bundle')
        self.assertEqual(sorted(os.listdir(self.work)), ['mnist.npz'])  # no .part left

    def test_the_built_bundle_reads_back_identically_and_no_partial_file_is_left(self):
        raw = shipped()
        lab.data.build_bundle(raw, self.path)
        self.assertEqual(sorted(os.listdir(self.work)), ['mnist.npz'])
        self.assertLess(self.path.stat().st_size, 20e6)  # compressed: 55 MB of arrays
        train = flat(raw['train_images']), raw['train_labels'].astype(np.int64)
        assert_same_arrays(self, utils.load_mnist_trainval_bytes(),
                           (train[0][:48000], train[1][:48000], train[0][48000:],
                            train[1][48000:]))
        assert_same_arrays(self, utils.load_mnist_test_bytes(),
                           (flat(raw['test_images']), raw['test_labels'].astype(np.int64)))

    def test_arrays_that_are_not_mnists_are_refused_and_the_old_bundle_is_kept(self):
        raw = shipped()
        changed = raw['test_images'].copy()
        changed[0, 0, 0] = 1
        without_labels = {member: raw[member] for member in MNIST if member != 'test_labels'}
        for what, member, arrays in (
                ('one pixel', 'test_images', dict(raw, test_images=changed)),
                ('one image short', 'test_images', dict(raw, test_images=raw['test_images'][1:])),
                ('labels as int64', 'test_labels',
                 dict(raw, test_labels=raw['test_labels'].astype(np.int64))),
                ('images as float64', 'test_images',
                 dict(raw, test_images=raw['test_images'].astype(np.float64))),
                ('no labels', 'test_labels', without_labels)):
            with self.subTest(what):
                self.path.write_bytes(b'the old bundle')
                message = data_error(
                    self, lambda arrays=arrays: lab.data.build_bundle(arrays, self.path))
                self.assertIn(member.replace('_', ' '), message.replace('_', ' '))
                self.assertOnlyTheOldBundle()

    def test_a_failure_while_writing_leaves_the_old_bundle_and_no_partial_file(self):
        def fail_halfway(out, **arrays):
            out.write(b'half a bundle')
            raise OSError(errno.ENOSPC, 'No space left on device')

        self.path.write_bytes(b'the old bundle')
        with mock.patch.object(lab.data.np, 'savez_compressed', fail_halfway):
            with self.assertRaises(OSError):
                lab.data.build_bundle(shipped(), self.path)
        self.assertOnlyTheOldBundle()


class TestReadOriginals(TempDirTestCase):
    def originals_with(self, name, content=None):
        """A folder with MNIST's four .gz files, name replaced by content (None: missing)."""
        folder = self.tmp / 'originals'
        folder.mkdir()
        for member_name, _, _ in MNIST.values():
            if member_name + '.gz' != name:
                os.symlink(originals() / (member_name + '.gz'), folder / (member_name + '.gz'))
        if content is not None:
            (folder / name).write_bytes(content)
        return folder

    def test_the_original_files_give_the_bundles_arrays(self):
        arrays = lab.data.read_originals(originals())
        self.assertEqual(sorted(arrays), sorted(MNIST))
        for member, array in arrays.items():
            assert_same_arrays(self, [array], [shipped()[member]])

    def test_a_missing_original_is_named(self):
        folder = self.originals_with('train-labels-idx1-ubyte.gz')
        message = data_error(self, lambda: lab.data.read_originals(folder))
        self.assertIn(str(folder / 'train-labels-idx1-ubyte.gz'), message)

    def test_a_truncated_original_is_named(self):
        name = 'train-images-idx3-ubyte.gz'
        folder = self.originals_with(name, (originals() / name).read_bytes()[:100000])
        message = data_error(self, lambda: lab.data.read_originals(folder))
        self.assertIn(str(folder / name), message)

    def test_a_folder_in_place_of_an_original_is_named_as_a_folder(self):
        folder = self.originals_with('train-labels-idx1-ubyte.gz')
        (folder / 'train-labels-idx1-ubyte.gz').mkdir()
        message = data_error(self, lambda: lab.data.read_originals(folder))
        self.assertIn(f"{folder / 'train-labels-idx1-ubyte.gz'} is a folder, not a file", message)

    def test_a_file_given_as_the_folder_of_originals_is_named_as_a_file(self):
        notes = self.tmp / 'notes.txt'
        notes.write_text('my notes')
        message = data_error(self, lambda: lab.data.read_originals(notes))
        self.assertIn(f'{notes} is a file where the folder belongs', message)

    def test_a_labels_file_in_place_of_the_images_names_both_headers(self):
        folder = self.originals_with('train-images-idx3-ubyte.gz',
                                     (originals() / 'train-labels-idx1-ubyte.gz').read_bytes())
        message = data_error(self, lambda: lab.data.read_originals(folder))
        self.assertIn('train-images-idx3-ubyte', message)
        self.assertIn(TRAIN_LABELS_HEADER.hex(), message)
        self.assertIn(TRAIN_IMAGES_HEADER.hex(), message)


class TestDownloadScript(TempDirTestCase):
    def run_script(self, *args):
        return subprocess.run([sys.executable, str(ROOT / 'data' / 'download_mnist.py'), *args],
                              cwd=str(self.tmp), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, timeout=120)

    # The default line tests the parts (TestReadOriginals, TestBuildBundle) and runs the
    # script on its error paths below.
    @full_only('download_mnist.py --from, end to end: the originals read, the bundle built')
    def test_from_the_original_files_it_writes_a_bundle_equal_to_the_shipped_one(self):
        out = self.tmp / 'mnist.npz'
        done = self.run_script('--from', str(originals()), '--out', str(out))
        self.assertEqual(done.returncode, 0, done.stderr)
        with np.load(out) as bundle:
            self.assertEqual(sorted(bundle.files), sorted(MNIST))
            for member in MNIST:
                assert_same_arrays(self, [bundle[member]], [shipped()[member]])

    def test_from_a_folder_without_the_files_it_exits_with_a_one_line_error(self):
        out = self.tmp / 'mnist.npz'
        done = self.run_script('--from', str(self.tmp), '--out', str(out))
        self.assertNotEqual(done.returncode, 0)
        self.assertEqual(len(done.stderr.strip().splitlines()), 1, done.stderr)
        self.assertNotIn('Traceback', done.stderr)
        self.assertIn(str(self.tmp / 'train-images-idx3-ubyte.gz'), done.stderr)
        self.assertFalse(out.exists())

    def run_main(self, *args):
        """lab.data.main's exit status and what it wrote to stderr; --from a folder without
        the originals, so nothing is fetched even if a check were missing."""
        empty = self.tmp / 'empty'
        empty.mkdir(exist_ok=True)
        with contextlib.redirect_stderr(io.StringIO()) as err:
            status = lab.data.main(['--from', str(empty), *args])
        return status, err.getvalue()

    def test_a_file_where_the_bundles_folder_belongs_is_named_before_any_work(self):
        notes = self.tmp / 'notes.txt'
        notes.write_text('my notes')
        status, err = self.run_main('--out', str(notes / 'mnist.npz'))
        self.assertEqual(status, 1)
        self.assertIn(f'{notes} is a file where the folder belongs', err)
        self.assertEqual(notes.read_text(), 'my notes')

    def test_a_folder_where_the_bundle_belongs_is_named_before_any_work(self):
        (self.tmp / 'mnist.npz').mkdir()
        status, err = self.run_main('--out', str(self.tmp / 'mnist.npz'))
        self.assertEqual(status, 1)
        self.assertIn(f"{self.tmp / 'mnist.npz'} is a folder, not a file", err)

    def test_a_mirror_that_is_not_a_url_is_refused_before_anything_is_fetched(self):
        done = self.run_script('--mirror', 'mirror.example.org/mnist', '--out',
                               str(self.tmp / 'mnist.npz'))
        self.assertEqual(done.returncode, 2)    # argparse's usage error
        self.assertNotIn('Traceback', done.stderr)
        self.assertIn("'mirror.example.org/mnist' is not a URL", done.stderr)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class CutShortHandler(QuietHandler):
    """Promises each file's full length, sends half of it, and closes the connection."""

    def copyfile(self, source, outputfile):
        content = source.read()
        outputfile.write(content[:len(content) // 2])
        self.close_connection = True


def serve(test, folder, handler=QuietHandler):
    """The URL of an HTTP server on 127.0.0.1 serving folder, stopped after the test."""
    server = http.server.ThreadingHTTPServer(
        ('127.0.0.1', 0), functools.partial(handler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.05},
                              daemon=True)
    thread.start()
    test.addCleanup(server.server_close)
    test.addCleanup(server.shutdown)
    return f'http://127.0.0.1:{server.server_address[1]}/'


class TestDownload(TempDirTestCase):
    """download() from mirrors served on 127.0.0.1 (proxies bypassed): no internet."""

    def setUp(self):
        super().setUp()
        patcher = mock.patch.dict(os.environ, {'no_proxy': '*', 'NO_PROXY': '*'})
        patcher.start()
        self.addCleanup(patcher.stop)
        self.good = serve(self, originals())
        self.log = []

    def report(self, line):
        self.log.append(line)

    def download(self, *mirrors):
        return lab.data.download(mirrors=mirrors, timeout=1, report=self.report)

    def assertOriginals(self, arrays):
        self.assertEqual(sorted(arrays), sorted(MNIST))
        for member, array in arrays.items():
            assert_same_arrays(self, [array], [shipped()[member]])

    def test_a_mirror_gives_the_original_arrays(self):
        self.assertOriginals(self.download(self.good))

    def test_a_mirror_serving_damaged_files_falls_back_to_the_next(self):
        folder = self.tmp / 'damaged'
        folder.mkdir()
        os.symlink(originals() / 'train-images-idx3-ubyte.gz',
                   folder / 'train-images-idx3-ubyte.gz')  # train-labels: missing (404)
        images = (originals() / 't10k-images-idx3-ubyte.gz').read_bytes()
        (folder / 't10k-images-idx3-ubyte.gz').write_bytes(images[:len(images) // 2])
        labels = bytearray(gzip.decompress(
            (originals() / 't10k-labels-idx1-ubyte.gz').read_bytes()))
        labels[8] = (labels[8] + 1) % 10  # a valid gzip file, one label changed
        (folder / 't10k-labels-idx1-ubyte.gz').write_bytes(gzip.compress(bytes(labels)))
        damaged = serve(self, folder)
        self.assertOriginals(self.download(damaged, self.good))
        lines = self.log
        for name in ('train-labels-idx1-ubyte', 't10k-images-idx3-ubyte',
                     't10k-labels-idx1-ubyte'):
            self.assertTrue(any(damaged + name + '.gz' in line for line in lines), name)
        self.assertFalse(any(damaged + 'train-images' in line for line in lines))

    def test_a_mirror_closing_the_connection_mid_file_falls_back_to_the_next(self):
        cut_short = serve(self, originals(), CutShortHandler)
        self.assertOriginals(self.download(cut_short, self.good))
        lines = [line for line in self.log if line.strip().startswith(cut_short)]
        self.assertEqual(len(lines), 4, lines)
        for line in lines:
            self.assertIn('the connection closed after', line)

    def test_a_mirror_that_does_not_speak_http_falls_back_to_the_next(self):
        listener = socket.socket()
        self.addCleanup(listener.close)
        listener.bind(('127.0.0.1', 0))
        listener.listen(8)

        def answer_garbage():
            while True:
                try:
                    connection, _ = listener.accept()
                except OSError:     # closed at the end of the test
                    return
                with connection:
                    connection.sendall(b'SSH-2.0-OpenSSH_9.6\r\n')

        threading.Thread(target=answer_garbage, daemon=True).start()
        not_http = f'http://127.0.0.1:{listener.getsockname()[1]}/'
        self.assertOriginals(self.download(not_http, self.good))
        self.assertTrue(any(line.strip().startswith(not_http) for line in self.log))

    def test_a_mirror_that_never_answers_times_out_once_and_is_skipped_after(self):
        listener = socket.socket()  # accepts connections (the kernel does), never answers
        self.addCleanup(listener.close)
        listener.bind(('127.0.0.1', 0))
        listener.listen(8)
        silent = f'http://127.0.0.1:{listener.getsockname()[1]}/'
        with mock.patch.object(urllib.request, 'urlopen', wraps=urllib.request.urlopen) as asked:
            self.assertOriginals(self.download(silent, self.good))
        # Asked once, with the given timeout, then never again for the other three files:
        # one connection waits in the listener's queue, and one request went to it.
        listener.setblocking(False)
        connections = []
        with contextlib.suppress(BlockingIOError):
            while True:
                connections.append(listener.accept()[0])
        for connection in connections:
            connection.close()
        self.assertEqual(len(connections), 1)
        to_silent = [call for call in asked.call_args_list if call.args[0].startswith(silent)]
        self.assertEqual(len(to_silent), 1)
        self.assertEqual(to_silent[0].kwargs['timeout'], 1)
        self.assertEqual(self.log[1], f'  {silent}train-images-idx3-ubyte.gz: no answer within '
                                      '1 s; not asking it again')

    def test_when_no_mirror_has_a_verified_copy_the_error_names_the_file_and_mirrors(self):
        empty = serve(self, self.tmp)
        message = data_error(self, lambda: self.download(empty))
        self.assertIn('train-images-idx3-ubyte.gz', message)
        self.assertIn(empty, message)


# ---------------------------------------------------------------------------
# The commands the errors recommend
# ---------------------------------------------------------------------------

# Loads and verifies the data of the project in argv[1] with that project's own code, run
# from its folder as a user would; prints the MnistDataError's message and exits 3 if any.
LOAD_DATA = """
import sys
sys.path.insert(0, sys.argv[1])
import utils
from lab import data
try:
    data.splits()
except utils.MnistDataError as err:
    print(err)
    sys.exit(3)
"""


def damage(project, how, source=None):
    """Damage project's data/mnist.npz, a copy of the intact bundle source (default: that
    file itself): 'truncated' (utils refuses it) or 'one pixel changed' (utils accepts it;
    the SHA-256 check refuses it)."""
    path = project / 'data' / 'mnist.npz'
    intact = path.read_bytes() if source is None else Path(source).read_bytes()
    if how == 'truncated':
        path.write_bytes(intact[:100000])
    else:
        with np.load(io.BytesIO(intact)) as bundle:
            arrays = {member: bundle[member] for member in bundle.files}
        arrays['test_images'] = arrays['test_images'].copy()
        arrays['test_images'][0, 14, 14] ^= 1
        save_bundle(path, **arrays)


def git(*args, cwd=ROOT):
    return subprocess.run(['git', *args], cwd=str(cwd), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, timeout=120)


# End to end, in copies of the project; the default line tests the parts: each message names
# its commands (TestDamagedBundle, TestVerify: assert_says_how_to_restore), the download
# script builds the bundle (TestDownloadScript), download() takes the originals from a
# mirror (TestDownload).
@full_only('each command a data error recommends, run in a git clone or a copy of the project')
class TestRecommendedCommands(TempDirTestCase):
    """Each command that a data error recommends (the `quoted` parts of utils.GET_DATA_HINT
    and of lab.data.verify's message) succeeds from the state that produced the message:
    afterwards the data loads and verifies. Run in a git clone or a copy of the project,
    never in the project itself."""

    # Each state's message (utils' for a truncated bundle, lab.data.verify's for a changed
    # pixel) recommends both commands: every command is tried from every state.
    STATES = ('truncated', 'one pixel changed')

    def load(self, project):
        """The message of the data error loading project's data gives, or None if it loads."""
        done = subprocess.run([sys.executable, '-c', LOAD_DATA, str(project)], cwd=str(project),
                              env=dict(os.environ, OPENBLAS_NUM_THREADS='1'),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, timeout=120)
        self.assertIn(done.returncode, (0, 3), done.stderr)
        return done.stdout.strip() if done.returncode == 3 else None

    def recommended(self, message, start):
        """The one command of message that starts with start, split into arguments."""
        commands = [c for c in re.findall(r'`([^`]+)`', message) if c.startswith(start)]
        self.assertEqual(len(commands), 1, message)
        return shlex.split(commands[0])

    def run_command(self, argv, cwd):
        done = subprocess.run(argv, cwd=str(cwd), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=dict(os.environ, no_proxy='*', NO_PROXY='*'),
                              universal_newlines=True, timeout=300)
        self.assertEqual(done.returncode, 0, f'{argv}:\n{done.stdout}\n{done.stderr}')

    def test_git_checkout_restores_the_data_in_a_clone(self):
        if shutil.which('git') is None:
            self.skipTest('git is not installed')
        if git('ls-files', '--error-unmatch', 'data/mnist.npz').returncode != 0:
            self.skipTest(f'{ROOT} is not a git repository tracking data/mnist.npz')
        for state in self.STATES:
            with self.subTest(state):
                clone = self.tmp / state.replace(' ', '-')
                done = git('clone', '--quiet', str(ROOT), str(clone))
                self.assertEqual(done.returncode, 0, done.stderr)
                damage(clone, state)
                message = self.load(clone)
                self.assertIsNotNone(message, 'the damage went unnoticed')
                self.run_command(self.recommended(message, 'git '), cwd=clone)
                self.assertIsNone(self.load(clone))

    def test_the_download_script_rebuilds_the_data_from_a_mirror(self):
        mirror = serve(self, originals())
        for state in self.STATES:
            with self.subTest(state):
                project = self.tmp / state.replace(' ', '-')
                shutil.copytree(ROOT, project, ignore=shutil.ignore_patterns(
                    '.git', 'runs', '__pycache__', '.hypothesis', '*.npz', '*.zip', '*.pdf'))
                damage(project, state, source=SHIPPED)
                message = self.load(project)
                self.assertIsNotNone(message, 'the damage went unnoticed')
                command = self.recommended(message, 'python ')
                # This interpreter for `python`; the local mirror, as there is no internet here.
                self.run_command([sys.executable, *command[1:], '--mirror', mirror], cwd=project)
                self.assertIsNone(self.load(project))


# ---------------------------------------------------------------------------
# The shipped bundle
# ---------------------------------------------------------------------------

class TestTheDataInUse(unittest.TestCase):
    """The one test that fails when the project's data is missing or damaged; the others
    that need the data skip, with the same message."""

    def test_the_data_the_loaders_find_is_present_and_intact(self):
        problem = mnist_problem()
        if problem is not None:
            self.fail(problem)

    def test_a_broken_bundle_in_a_tests_own_folder_decides_nothing_for_the_others(self):
        needs_mnist()
        checked = list(tests._mnist_problem)
        self.addCleanup(tests._mnist_problem.__setitem__, slice(None), checked)
        tests._mnist_problem.clear()
        with tempfile.TemporaryDirectory() as folder:
            (Path(folder) / 'data').mkdir()
            (Path(folder) / 'data' / 'mnist.npz').write_bytes(b'not a zip')
            here = os.getcwd()
            self.addCleanup(os.chdir, here)
            os.chdir(folder)
            self.assertIsNone(mnist_problem())
            self.assertEqual(os.getcwd(), os.path.realpath(folder))


@needing_mnist
class TestShippedBundle(unittest.TestCase):
    def test_it_holds_exactly_mnists_four_arrays(self):
        with zipfile.ZipFile(SHIPPED) as bundle:
            self.assertEqual(sorted(bundle.namelist()), sorted(m + '.npy' for m in MNIST))
        for member, (_, shape, _) in MNIST.items():
            self.assertEqual(shipped()[member].shape, shape, member)
            self.assertEqual(shipped()[member].dtype, np.uint8, member)

    def test_each_member_is_mnists_original_file(self):
        for member, array in shipped().items():
            with self.subTest(member):
                lab.data.verify(member, array.shape, array)


if __name__ == '__main__':
    unittest.main()

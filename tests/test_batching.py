"""Our further tests of utils.generate_batched_data, beyond the course-named test_loading.

Covers: bad data refused once, at the door, with a ValueError naming what is wrong
(ragged rows, NaN or inf with its row and column, labels of the wrong length or not
whole, a bad batch_size, booleans); whole-number float labels accepted as integers;
batch sizes of any numeric type (32, np.int64(32), 32.0) taken alike; numpy integer
seeds; and hypothesis properties over generated data sizes, contents, batch sizes
(Python and NumPy integers, floats, booleans) and seeds: every input either works
(batches cover every row once in order or
in the seed's random.shuffle order, all full but the last, labels paired, the
caller's data unmodified) or raises ValueError -- never a numpy or Python error
from deep inside.
"""
import copy
import random
import unittest

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

import utils
from tests import no_numeric_warnings

PROPERTY = settings(max_examples=80, deadline=None, database=None)


def batch(n=8, seed=0):
    """n random images (n, 784) in [0, 1] with labels (n,) in 0..9."""
    rng = np.random.default_rng(seed)
    return rng.random((n, 784)), rng.integers(0, 10, size=n)


class TestBatchingRefusesBadData(unittest.TestCase):
    def assertRejected(self, data, label, *fragments, batch_size=4):
        with self.assertRaises(ValueError) as caught:
            utils.generate_batched_data(data, label, batch_size)
        for fragment in fragments:
            self.assertIn(str(fragment), str(caught.exception))

    def test_infinite_pixel_is_found_with_its_position(self):
        X, y = batch(10)
        X[6, 300] = np.inf
        self.assertRejected(X, y, '1 NaN or infinite', 'row 6', 'column 300')

    def test_nan_pixel_in_lists_is_found(self):
        X, y = batch(10)
        X[2, 0] = np.nan
        self.assertRejected(X.tolist(), y.tolist(), 'row 2', 'column 0')

    def test_every_non_finite_value_is_counted_and_the_first_named(self):
        X, y = batch(10)
        X[7, 1], X[2, 783], X[2, 5] = np.nan, -np.inf, np.inf
        self.assertRejected(X, y, '3 NaN or infinite', 'row 2, column 5')

    def test_ragged_rows_name_the_first_odd_row(self):
        X, y = batch(5)
        rows = X.tolist()
        rows[3] = rows[3][:700]
        self.assertRejected(rows, y, 'row 3 has 700 values, row 0 has 784')

    def test_label_count_must_match_rows(self):
        X, y = batch(10)
        self.assertRejected(X, y[:9], '10 rows', '(9,)')

    def test_fractional_labels_are_not_truncated(self):
        X, y = batch(10)
        self.assertRejected(X, y + 0.5, 'whole numbers')

    def test_float_labels_no_integer_can_hold_are_refused_not_wrapped(self):
        X, y = batch(3)
        for bad in (np.inf, -np.inf, 1e30):
            with self.subTest(label=bad):
                self.assertRejected(X, np.array([0.0, bad, 1.0]), 'whole numbers')

    def test_batch_size_must_be_a_positive_whole_number(self):
        X, y = batch(10)
        for size in (0, -3, 2.5):
            with self.subTest(batch_size=size):
                self.assertRejected(X, y, 'batch_size', repr(size), batch_size=size)


class TestBatchSizeIsANumber(unittest.TestCase):
    """Numbers are numbers: Python's and NumPy's, whole floats where a count is meant."""

    def test_whole_floats_and_numpy_numbers_cut_the_batches_of_that_integer(self):
        X, y = batch(10)
        expected = utils.generate_batched_data(X, y, 4)
        for size in (4.0, np.float32(4.0), np.float64(4.0), np.int64(4), np.uint8(4)):
            with self.subTest(batch_size=repr(size)):
                got = utils.generate_batched_data(X, y, size)
                self.assertEqual([len(b) for b in got[0]], [4, 4, 2])
                for a, b in zip(expected[0] + expected[1], got[0] + got[1]):
                    np.testing.assert_array_equal(a, b)

    def test_booleans_are_not_batch_sizes(self):
        X, y = batch(10)
        for size in (True, np.bool_(True)):
            with self.subTest(batch_size=repr(size)):
                with self.assertRaises(ValueError) as caught:
                    utils.generate_batched_data(X, y, size)
                self.assertIn('batch_size', str(caught.exception))


class TestBatchingAcceptsEquivalentInput(unittest.TestCase):
    def test_huge_finite_values_are_data_silently(self):
        # Their row's sum overflows to inf, which only sends the check looking closer.
        X, y = batch(10)
        X[3, :2] = 1e308
        with no_numeric_warnings():
            batched_data, _ = utils.generate_batched_data(X, y, 4)
        np.testing.assert_array_equal(np.concatenate(batched_data), X)

    def test_whole_float_labels_become_integers(self):
        X, y = batch(10)
        _, labels = utils.generate_batched_data(X, y.astype(float), 4)
        np.testing.assert_array_equal(np.concatenate(labels), y)
        self.assertEqual(labels[0].dtype.kind, 'i')

    def test_numpy_integer_seed_shuffles_as_the_same_int(self):
        # e.g. `for seed in np.arange(3)`; Python 3.11's random.seed refuses numpy integers.
        X, y = batch(10)
        expected = utils.generate_batched_data(X, y, 4, shuffle=True, seed=3)
        got = utils.generate_batched_data(X, y, 4, shuffle=True, seed=np.int64(3))
        for a, b in zip(expected[0] + expected[1], got[0] + got[1]):
            np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------------------
# Properties: any input either works or raises ValueError
# ---------------------------------------------------------------------------

def reference_order(n, shuffle, seed):
    """The row order the batches must follow: random.shuffle of range(n) after
    random.seed(seed), or range(n). None if Python's random cannot take the seed."""
    order = list(range(n))
    if seed is not None:
        try:
            random.seed(int(seed) if isinstance(seed, np.integer) else seed)
        except TypeError:
            return None
    if shuffle:
        random.shuffle(order)
    return order


pixels = st.one_of(st.floats(0, 1), st.sampled_from([np.nan, np.inf, -np.inf, 1e308, -5.0]))


@st.composite
def datasets(draw):
    """(data, label): an (n, d) table of pixels, sometimes NaN or inf, sometimes a row
    short, as lists or arrays; labels as int, whole or fractional float, or inf, sometimes
    one too many or too few."""
    n, d = draw(st.integers(1, 12)), draw(st.integers(1, 5))
    fill = draw(st.sampled_from(['clean', 'any']))
    rows = [[draw(st.floats(0, 1) if fill == 'clean' else pixels) for _ in range(d)]
            for _ in range(n)]
    if draw(st.integers(0, 9)) == 0:
        rows[draw(st.integers(0, n - 1))].pop()
    kind = draw(st.sampled_from(['int', 'int', 'whole float', 'float', 'inf']))
    labels = [draw(st.integers(0, 9)) for _ in range(n + draw(st.sampled_from([0, 0, 0, -1, 1])))]
    if kind == 'whole float':
        labels = [float(v) for v in labels]
    elif kind == 'float':
        labels = [v + draw(st.sampled_from([0.0, 0.5])) for v in labels]
    elif kind == 'inf' and labels:
        labels[0] = np.inf
    as_arrays = draw(st.booleans()) and len({len(row) for row in rows}) == 1
    return (np.array(rows), np.array(labels)) if as_arrays else (rows, labels)


batch_sizes = st.one_of(
    st.integers(-2, 15), st.integers(-2, 15).map(np.int64), st.integers(1, 15).map(np.uint16),
    st.integers(-2, 15).map(float), st.integers(1, 15).map(np.float32), st.floats(-3, 16),
    st.booleans(), st.booleans().map(np.bool_),
    st.sampled_from([10 ** 30, 1e30, float('nan'), float('inf'), None, '4', [4], 4j]))


def whole_number(size):
    """The int a batch size stands for, or None if it is not a whole number (or a boolean)."""
    if isinstance(size, (bool, np.bool_)) or not isinstance(size, (int, float, np.number)):
        return None
    if isinstance(size, (complex, np.complexfloating)) or not float(size).is_integer():
        return None
    return int(size)
seeds = st.one_of(st.integers(-2 ** 70, 2 ** 70), st.integers(0, 2 ** 31).map(np.int64),
                  st.floats(allow_nan=False), st.text(max_size=3),
                  st.lists(st.integers(), max_size=2))


class TestBatchingProperties(unittest.TestCase):
    def generate(self, data, label, batch_size, shuffle, seed):
        """generate_batched_data's result; None if it raised ValueError. Checks the caller's
        data and labels are unchanged either way."""
        before = copy.deepcopy((data, label))
        try:
            result = utils.generate_batched_data(data, label, batch_size, shuffle=shuffle,
                                                 seed=seed)
        except ValueError:
            result = None
        for now, then in zip((data, label), before):
            if isinstance(now, np.ndarray):
                np.testing.assert_array_equal(now, then)    # NaN equals NaN here
            else:
                self.assertEqual(now, then)
        return result

    def assertBatchesFollow(self, result, data, label, batch_size, order):
        """The batches hold data's rows and label's labels in order, batch_size at a time,
        the last batch possibly smaller."""
        batched_data, batched_label = result
        self.assertEqual(len(batched_data), len(batched_label))
        sizes = [len(X) for X in batched_data]
        self.assertEqual(sizes, [len(y) for y in batched_label])
        self.assertTrue(all(size == batch_size for size in sizes[:-1]), sizes)
        self.assertTrue(0 < sizes[-1] <= batch_size, sizes)
        X, y = np.asarray(data, dtype=np.float64), np.asarray(label)
        np.testing.assert_array_equal(np.concatenate(batched_data), X[order])
        np.testing.assert_array_equal(np.concatenate(batched_label), y[order])
        self.assertEqual(np.concatenate(batched_label).dtype.kind, 'i')

    @PROPERTY
    @given(datasets(), st.integers(1, 6), st.booleans())
    def test_any_data_either_batches_every_row_once_or_raises_value_error(
            self, data_and_label, batch_size, shuffle):
        data, label = data_and_label
        result = self.generate(data, label, batch_size, shuffle, seed=7)
        valid = (len({len(row) for row in data}) == 1
                 and np.isfinite(np.asarray(data, dtype=np.float64)).all()
                 and len(label) == len(data)
                 and all(float(v).is_integer() for v in label))
        self.assertEqual(result is not None, valid, 'valid input must work, invalid must raise')
        if valid:
            self.assertBatchesFollow(result, data, label, batch_size,
                                     reference_order(len(data), shuffle, 7))

    @PROPERTY
    @given(st.integers(1, 12), batch_sizes)
    def test_any_batch_size_either_cuts_batches_of_that_size_or_raises_value_error(
            self, n, batch_size):
        X, y = batch(n)
        result = self.generate(X, y, batch_size, False, None)
        size = whole_number(batch_size)
        self.assertEqual(result is not None, size is not None and size >= 1)
        if result is not None:
            self.assertBatchesFollow(result, X, y, size, list(range(n)))

    @PROPERTY
    @given(st.integers(1, 12), st.integers(1, 5), seeds)
    @example(n=10, batch_size=4, seed=[1])     # random.seed's TypeError must not leak out
    def test_any_seed_either_gives_random_shuffles_order_or_raises_value_error(
            self, n, batch_size, seed):
        X, y = batch(n)
        result = self.generate(X, y, batch_size, True, seed)
        order = reference_order(n, True, seed)
        if order is None:       # a seed Python's random cannot take
            self.assertIsNone(result, 'an unusable seed must raise ValueError')
        else:                   # any seed it can take, and numpy integers, must work
            self.assertIsNotNone(result, f'seed {seed!r} raised ValueError')
            self.assertBatchesFollow(result, X, y, batch_size, order)


if __name__ == '__main__':
    unittest.main()

"""lab/parameters.py and the notebook's parameters (lab.notebook.check_parameters): each
accepts what it means in any type papermill or a user passes (texts, bools, floats, NumPy
numbers, lists), or stops cell 1 naming the parameter; EPOCHS and SEED have bounds,
WORKERS is capped at the cores and the process pool's limit, and UNIT_TESTS never
becomes 'every test'."""
import contextlib
import io
import os
import unittest
from unittest import mock

import numpy as np

from lab import notebook, parallel, parameters
from lab.parameters import MAX_EPOCHS, MAX_SEED
from tests import TempDirTestCase, write_course_configs


class TestFlag(unittest.TestCase):
    def test_true_and_false_as_papermill_passes_them(self):
        # `-p QUICK 1` arrives as the int 1; `-p QUICK false` as the text 'false'.
        for value, expected in ((True, True), (False, False), ('false', False), ('True', True),
                                (' yes ', True), ('0', False), (1, True), (0, False),
                                (np.bool_(True), True), (np.int64(0), False)):
            with self.subTest(value=value):
                self.assertIs(parameters.flag('QUICK', value), expected)

    def test_anything_else_is_refused_by_name(self):
        for value in ('maybe', 2, -1, None, 1.0, [], {}, [True], '', 10 ** 5000):
            with self.subTest(value=parameters.shown(value)), \
                    self.assertRaises(ValueError) as caught:
                parameters.flag('QUICK', value)
            self.assertIn('QUICK must be True or False', str(caught.exception))


class TestWhole(unittest.TestCase):
    def test_whole_numbers_as_texts_floats_or_ints(self):
        for value in (3, 3.0, '3', '3.0', ' 3 ', np.int64(3), np.float32(3.0), '3e0'):
            with self.subTest(value=value):
                self.assertEqual(parameters.whole('EPOCHS', value, 1), 3)
        self.assertIsNone(parameters.whole('EPOCHS', None, 1))

    def test_anything_else_is_refused_by_name_never_by_python(self):
        for value in (2.5, '2.5', 0, True, 'three', float('inf'), 'inf', float('nan'), 'nan',
                      '1e400', [3], [], {}, '10**12', -3, np.bool_(True)):
            with self.subTest(value=value), self.assertRaises(ValueError) as caught:
                parameters.whole('EPOCHS', value, 1)
            self.assertIn('EPOCHS must be a whole number of at least 1', str(caught.exception))

    def test_the_upper_bound_holds_at_it_and_refuses_just_over_it(self):
        self.assertEqual(parameters.whole('EPOCHS', 1000, 1, 1000), 1000)
        with self.assertRaises(ValueError) as caught:
            parameters.whole('EPOCHS', 1001, 1, 1000)
        self.assertIn('EPOCHS must be a whole number from 1 to 1,000', str(caught.exception))

    def test_integers_python_will_not_write_out_are_described(self):
        # repr() of an integer over 4300 digits raises ValueError on Python 3.11+.
        with self.assertRaises(ValueError) as caught:
            parameters.whole('SEED', 10 ** 5000, 0, MAX_SEED)
        self.assertIn('a 5001-digit number', str(caught.exception))


class TestNotebookParameters(TempDirTestCase):
    """check_parameters in a folder of the course's configs (never the user's)."""

    def setUp(self):
        super().setUp()
        self.configs = write_course_configs(self.tmp)
        self.addCleanup(os.chdir, os.getcwd())
        os.chdir(self.tmp)      # the plan's configs/*.yaml are these copies

    def check(self, quick=False, epochs=None, seed=None, unit_tests=None, workers=1,
              sweep_config=None, tuning_config=None):
        twolayer = str(self.configs / 'config_twolayer.yaml')
        return notebook.check_parameters(quick, epochs, seed, unit_tests, workers,
                                         sweep_config or twolayer, tuning_config or twolayer)

    def assertStops(self, name, *fragments, **parameters):
        """check(**parameters) stops cell 1 with a ValueError naming name and each fragment."""
        with self.assertRaises(notebook.NotebookStop) as caught:
            self.check(**parameters)
        self.assertIsInstance(caught.exception.problem, ValueError)
        for fragment in (name, *fragments):
            self.assertIn(fragment, str(caught.exception))

    def test_booleans_never_count_as_numbers(self):
        # `-p EPOCHS True` arrives as True, which Python would take for 1.
        for name in ('epochs', 'seed', 'workers'):
            for value in (True, False, np.bool_(True)):
                with self.subTest(**{name: value}):
                    self.assertStops(name.upper(), 'whole number', **{name: value})

    def test_whole_floats_and_padded_texts_are_taken_as_their_numbers(self):
        for value in (2, 2.0, ' 2 ', '2', np.int64(2), np.float64(2.0)):
            with self.subTest(value=value):
                _, epochs, seed, _, workers = self.check(epochs=value, seed=value, workers=1)
                self.assertEqual((epochs, seed), (2, 2))
                self.assertIs(type(epochs), int)

    def test_what_is_not_a_whole_number_is_refused_by_name(self):
        for value in (2.5, 'nan', 'inf', float('nan'), float('inf'), '2.5', [], [2], {},
                      {'epochs': 2}, 'ten', '10**12', ''):
            for name in ('epochs', 'seed', 'workers'):
                with self.subTest(**{name: value}):
                    self.assertStops(name.upper(), 'whole number', **{name: value})

    def test_epochs_are_bounded_by_what_an_honest_run_trains(self):
        self.assertEqual(self.check(epochs=MAX_EPOCHS)[1], MAX_EPOCHS)
        for value in (MAX_EPOCHS + 1, 10 ** 12, 0, -1):
            with self.subTest(epochs=value):
                self.assertStops('EPOCHS', f'from 1 to {MAX_EPOCHS:,}', epochs=value)

    def test_seed_holds_what_numpy_and_random_both_take(self):
        self.assertEqual(self.check(seed=MAX_SEED)[2], MAX_SEED)
        np.random.RandomState(MAX_SEED)     # NumPy's legacy generator takes it
        self.assertEqual(self.check(seed=0)[2], 0)
        for value in (MAX_SEED + 1, 2 ** 70, -1, 10 ** 5000):
            with self.subTest(seed=parameters.shown(value)):
                self.assertStops('SEED', f'from 0 to {MAX_SEED:,}', seed=value)

    def test_an_empty_unit_tests_is_refused_never_run_as_the_whole_suite(self):
        for value in ([], (), '', ' , '):
            with self.subTest(unit_tests=value):
                self.assertStops('UNIT_TESTS', 'names no test module', unit_tests=value)

    def test_check_code_runs_nothing_for_an_empty_list(self):
        # unittest with no module name discovers every test, notebooks included.
        with mock.patch.object(notebook.subprocess, 'run') as run:
            for modules in ([], ['']):
                with self.subTest(modules=modules), self.assertRaises(ValueError):
                    notebook.check_code(modules)
        run.assert_not_called()

    def test_unit_tests_of_another_type_are_refused_by_name(self):
        for value in (3, True, {'tests.test_network': 1}, [3], ['tests.test_nope'], 'os'):
            with self.subTest(unit_tests=value):
                self.assertStops('UNIT_TESTS', unit_tests=value)

    def test_unit_tests_as_names_lists_or_texts(self):
        for value, expected in (('tests.test_loss,', ['tests.test_loss']),
                                (('tests.test_loss',), ['tests.test_loss']),
                                (['tests.test_loss', 'tests.test_network'],
                                 ['tests.test_loss', 'tests.test_network'])):
            with self.subTest(unit_tests=value):
                self.assertEqual(self.check(unit_tests=value)[3], expected)

    def test_workers_above_the_cores_are_capped_with_one_line(self):
        printed = io.StringIO()
        with mock.patch.object(parallel, 'available_cores', return_value=2), \
                contextlib.redirect_stdout(printed):
            self.assertEqual(self.check(workers=100_000)[4], 2)
        self.assertEqual(printed.getvalue(), 'WORKERS: training in 2 processes, the cores '
                                             'available, rather than 100,000.\n')

    def test_workers_within_the_cores_are_kept_silently(self):
        printed = io.StringIO()
        with mock.patch.object(parallel, 'available_cores', return_value=4), \
                contextlib.redirect_stdout(printed):
            self.assertEqual([self.check(workers=w)[4] for w in (1, 4.0, '3')], [1, 4, 3])
            self.assertEqual(self.check(workers=None)[4], 4)
        self.assertEqual(printed.getvalue(), '')

    def test_windows_takes_at_most_61_workers_even_with_more_cores(self):
        with mock.patch.object(parallel, 'available_cores', return_value=128):
            with mock.patch.object(parallel.os, 'name', 'nt'):
                self.assertEqual(parallel.max_workers(), 61)
            self.assertEqual(parallel.max_workers(), 128 if os.name != 'nt' else 61)
            printed = io.StringIO()
            with mock.patch.object(parallel, 'pool_limit', return_value=61), \
                    contextlib.redirect_stdout(printed):
                self.assertEqual(self.check(workers=None)[4], 61)
        self.assertIn('61 processes, the most a process pool takes on Windows',
                      printed.getvalue())

    def test_the_pool_itself_holds_the_windows_limit(self):
        with mock.patch.object(parallel, 'pool_limit', return_value=61), \
                mock.patch.object(parallel.futures, 'ProcessPoolExecutor') as executor:
            pool = parallel.RunPool(100)
        pool.messages.put(None)     # ends its listener
        pool.listener.join()
        self.assertEqual(executor.call_args.args[0], 61)
        self.assertEqual(pool.workers, 61)

    def test_a_config_parameter_of_the_wrong_kind_is_named(self):
        for name in ('sweep_config', 'tuning_config'):
            for value in (3, ['configs/config_exp.yaml'], True, '  '):
                with self.subTest(**{name: value}):
                    self.assertStops(name.upper(), "must be a config file's path",
                                     **{name: value})

    def test_a_tuning_config_that_is_a_folder_missing_or_huge_is_named_as_such(self):
        huge = self.tmp / 'mnist_train.csv'
        huge.write_bytes(b'0,' * 40_000)
        for value, fragment in ((self.configs, 'is a folder, not a config file'),
                                ('configs/nope.yaml', 'does not exist'),
                                (huge, 'too large for a config')):
            with self.subTest(tuning_config=value), \
                    self.assertRaises(notebook.NotebookStop) as caught:
                self.check(tuning_config=value)
            self.assertIn(fragment, str(caught.exception))


if __name__ == '__main__':
    unittest.main()

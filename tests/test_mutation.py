"""Tests of the mutation benchmark's engine (benchmarks/mutation.py), on tiny functions.

The benchmark itself (every mutant of the surface against the autograder's tests) is not
part of this line: it is `python -m benchmarks.mutation`. Here: the ids and what is left
out, a mutant run in a folder of its own against a small test module, and the report's
loud failure on stale EQUIVALENT entries.
"""
import textwrap
import unittest
from unittest import mock

from benchmarks import mutation
from lab import ROOT
from tests import TempDirTestCase

TINY = textwrap.dedent('''\
    def difference(a, b):
        """The docstring is never mutated."""
        unused = 0
        return a - b


    def count_down(n):
        """Loops until n is 0."""
        while n > 0:
            n -= 1
        return n


    def never_called(x):
        """No test calls it."""
        return x + 1
    ''')
TINY_TEST = textwrap.dedent("""\
    import unittest

    from tiny import count_down, difference


    class TestTiny(unittest.TestCase):
        def test_difference(self):
            self.assertEqual(difference(5, 3), 2)

        def test_count_down(self):
            self.assertEqual(count_down(3), 0)
    """)
GUARDED = textwrap.dedent('''\
    class Model:
        def forward(self, x, n, seed):
            """Checks first."""
            x, n = self._check_batch(x, n)
            if n < 1:
                raise ValueError('n must be positive')
            try:
                k = int(n)
            except TypeError:
                raise ValueError('n must be whole') from None
            seed = int(seed) if seed else 7
            return x * k + seed
    ''')


def ids(found):
    return [mutant.id for mutant in found]


class TestMutants(unittest.TestCase):
    def test_a_swapped_operator_is_named_by_file_function_line_and_text(self):
        found = mutation.mutants(TINY, 'tiny.py', ['difference'], {})
        self.assertIn('tiny.py::difference line+3 binop: a - b -> a + b', ids(found))
        self.assertIn('tiny.py::difference line+3 return: return a - b -> return None',
                      ids(found))
        self.assertIn('tiny.py::difference line+2 number: 0 -> 1', ids(found))

    def test_the_mutated_source_holds_the_change_and_the_rest_as_it_was(self):
        found = mutation.mutants(TINY, 'tiny.py', ['difference'], {})
        swap = next(m for m in found if m.operator == 'binop')
        self.assertEqual(swap.source, TINY.replace('return a - b', 'return (a + b)'))

    def test_docstrings_are_not_mutated(self):
        found = mutation.mutants(TINY, 'tiny.py', ['difference', 'count_down'], {})
        self.assertFalse([m for m in found if 'docstring' in m.id or 'Loops' in m.id])

    def test_a_repeated_change_on_one_line_gets_a_count(self):
        source = 'def f(x):\n    return x[1] + x[1]\n'
        found = ids(mutation.mutants(source, 'f.py', ['f'], {}))
        self.assertIn('f.py::f line+1 number: 1 -> 2', found)
        self.assertIn('f.py::f line+1 number: 1 -> 2 #2', found)

    def test_input_checks_and_the_errors_they_raise_are_left_out(self):
        out_of_scope = {('m.py', 'Model.forward'): {'int(seed) if seed else 7': 'ours'}}
        found = mutation.mutants(GUARDED, 'm.py', ['Model.forward'], out_of_scope)
        left_out = ('x, n = self._check_batch', 'n < 1', "'n must", 'int(seed)', '7')
        self.assertFalse([m.id for m in found if m.original.startswith(left_out)])
        self.assertIn('m.py::Model.forward line+6 argument: int(\u2026 n \u2026) -> int(\u2026)',
                      ids(found))
        self.assertIn('m.py::Model.forward line+10 binop: x * k -> x / k', ids(found))

    def test_an_out_of_scope_entry_that_matches_nothing_fails_loudly(self):
        with self.assertRaisesRegex(LookupError, 'if gone:'):
            mutation.mutants(TINY, 'tiny.py', ['difference'],
                             {('tiny.py', 'difference'): {'if gone:': 'was ours'}})

    def test_the_surface_input_checks_are_left_out_and_every_mutant_compiles(self):
        found = mutation.surface_mutants(files=['utils.py'])
        left_out = ('X, y = _dataset_arrays', 'isinstance(batch_size', 'batch_size < 1',
                    'float(batch_size)', 'int(seed)', 'isinstance(seed', 'name in', "open(f'",
                    'len(set(lengths))', 'title')
        self.assertFalse([m.id for m in found if m.original.startswith(left_out)])
        self.assertTrue([i for i in ids(found) if 'random.shuffle(order) -> pass' in i])
        self.assertTrue([i for i in ids(found) if 'fig.savefig' in i])
        for mutant in found:
            compile(mutant.source, mutant.file, 'exec')


class TestRunning(TempDirTestCase):
    """A mutant of tiny.py against tests/test_tiny.py, in a folder laid out as a grader's."""

    def setUp(self):
        super().setUp()
        self.folder = self.tmp / 'work' / 'submission'
        (self.folder / 'tests').mkdir(parents=True)
        (self.folder / 'tiny.py').write_text(TINY)
        (self.folder / 'tests' / '__init__.py').write_text('')
        (self.folder / 'tests' / 'test_tiny.py').write_text(TINY_TEST)
        self.found = {m.id: m for m in mutation.mutants(
            TINY, 'tiny.py', ['difference', 'count_down', 'never_called'], {})}

    def run_one(self, mutant_id, seconds=60):
        return mutation.run_mutant(self.found[mutant_id], self.folder, ['tests.test_tiny'],
                                   seconds)

    def test_a_mutant_that_changes_behaviour_is_killed_by_the_test_that_sees_it(self):
        outcome = self.run_one('tiny.py::difference line+3 binop: a - b -> a + b')
        self.assertEqual(outcome.killed_by, 'tests.test_tiny.TestTiny.test_difference')
        self.assertIn('AssertionError', outcome.why)
        self.assertEqual((self.folder / 'tiny.py').read_text(), TINY)

    def test_a_mutant_that_changes_nothing_survives(self):
        outcome = self.run_one('tiny.py::difference line+2 number: 0 -> 1')
        self.assertEqual(outcome.killed_by, '')

    def test_a_mutant_that_hangs_counts_as_killed_by_the_hang(self):
        outcome = self.run_one('tiny.py::count_down line+3 augassign: n -= 1 -> n += 1',
                               seconds=1)
        self.assertTrue(outcome.hung)
        self.assertTrue(outcome.killed_by)

    def test_the_baseline_maps_each_module_to_the_functions_it_calls(self):
        parts = [('tiny.py', 'difference'), ('tiny.py', 'never_called')]
        base = mutation.baseline(self.folder, ['tests.test_tiny'], parts=parts)
        self.assertEqual(base.problems, [])
        self.assertEqual(base.reaches['tests.test_tiny'], {('tiny.py', 'difference')})

    def test_a_baseline_module_that_hangs_is_a_problem_not_a_crash(self):
        (self.folder / 'tests' / 'test_hangs.py').write_text(
            'import unittest\n\n\nclass TestHangs(unittest.TestCase):\n'
            '    def test_forever(self):\n        while True:\n            pass\n')
        with mock.patch.object(mutation.grade, 'MODULE_SECONDS', 1):
            base = mutation.baseline(self.folder, ['tests.test_hangs'],
                                     parts=[('tiny.py', 'difference')])
        self.assertEqual(base.problems, ['tests.test_hangs does not finish within 1 s on the '
                                         'right code'])
        self.assertEqual(base.reaches['tests.test_hangs'], {('tiny.py', 'difference')})


class TestReport(unittest.TestCase):
    def outcomes(self):
        found = mutation.mutants(TINY, 'tiny.py', ['difference'], {})
        killed, survivor = found[0], next(m for m in found if m.operator == 'number')
        return [mutation.Outcome(killed, killed_by='tests.test_tiny.TestTiny.test_difference'),
                mutation.Outcome(survivor)], killed.id, survivor.id

    def test_a_survivor_listed_as_equivalent_passes(self):
        outcomes, _, survivor = self.outcomes()
        text, code = mutation.report(outcomes, 1.0, 2, {survivor: 'a dead store'})
        self.assertEqual(code, 0)
        self.assertIn('a dead store', text)
        self.assertIn('tiny.py', text)

    def test_a_survivor_not_listed_fails(self):
        outcomes, _, survivor = self.outcomes()
        text, code = mutation.report(outcomes, 1.0, 2, {})
        self.assertEqual(code, 1)
        self.assertIn(survivor, text.split('NOT equivalent')[1])

    def test_stale_equivalent_entries_fail_loudly(self):
        outcomes, killed, survivor = self.outcomes()
        gone = 'tiny.py::difference line+9 number: 7 -> 8'
        equivalent = {survivor: 'a dead store', killed: 'wrongly listed', gone: 'old code'}
        text, code = mutation.report(outcomes, 1.0, 2, equivalent)
        self.assertEqual(code, 1)
        self.assertEqual(set(mutation.stale_entries(equivalent, outcomes)), {killed, gone})
        self.assertIn('Stale EQUIVALENT entries: 2', text)

    def test_every_equivalent_entry_names_a_mutant_of_the_surface(self):
        known = set(ids(mutation.surface_mutants(root=ROOT)))
        self.assertEqual(sorted(set(mutation.EQUIVALENT) - known), [])
        self.assertTrue(all(isinstance(why, str) and why for why in
                            mutation.EQUIVALENT.values()))


if __name__ == '__main__':
    unittest.main()

"""Runs test modules and appends each test's outcome, time and printed output to a file,
one JSON object a line.

    python -I grade_runner.py RESULTS.jsonl tests.test_loading

lab/grade.py runs this in the grader's folder, with the interpreter under
test, so it uses the standard library only and runs on Python 3.8+. Each
test's stdout and stderr are caught separately: anything the graded code
prints during a test shows up there, which the course would score as 0.
RESULTS.jsonl.running always says where the run is ('in TEST', 'after TEST',
'while importing it', 'done'), so that a grade that ends a hung run can say where it hung;
each record is written as its test ends, so the tests before it keep theirs.
"""
import io
import json
import sys
import time
import traceback
import unittest


class RecordingResult(unittest.TestResult):
    """A TestResult that keeps, per test: outcome, seconds, what it printed, and the traceback."""

    def __init__(self, results_path):
        super().__init__()
        self.results_path = results_path

    def record(self, record):
        with open(self.results_path, 'a', encoding='utf-8') as out:
            out.write(json.dumps(record) + '\n')

    def startTest(self, test):
        note(self.results_path, f'in {test.id()}')
        super().startTest(test)
        self.current = {'test': test.id(), 'outcome': 'pass', 'detail': ''}
        self.started = time.perf_counter()
        self.saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = io.StringIO(), io.StringIO()

    def stopTest(self, test):
        printed, warned = sys.stdout.getvalue(), sys.stderr.getvalue()
        sys.stdout, sys.stderr = self.saved
        self.current.update(seconds=time.perf_counter() - self.started, printed=printed,
                            stderr=warned)
        self.record(self.current)
        note(self.results_path, f'after {test.id()}, setting up what comes next')
        super().stopTest(test)

    def _fail(self, outcome, err):
        self.current['outcome'] = outcome
        self.current['detail'] = ''.join(traceback.format_exception(*err))

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._fail('FAIL', err)

    def addError(self, test, err):
        super().addError(test, err)
        if not hasattr(self, 'current') or self.current['test'] != test.id():
            # A module that cannot even be imported: no startTest came first.
            self.record({'test': test.id(), 'outcome': 'ERROR', 'seconds': 0.0,
                                 'printed': '', 'stderr': '',
                                 'detail': ''.join(traceback.format_exception(*err))})
            return
        self._fail('ERROR', err)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        if getattr(self, 'current', {}).get('test') != test.id():
            # A whole class skipped: no startTest came first.
            self.record({'test': test.id(), 'outcome': 'skip', 'seconds': 0.0,
                                 'printed': '', 'stderr': '', 'detail': reason})
            return
        self.current.update(outcome='skip', detail=reason)

    def addSubTest(self, test, subtest, err):
        # A failing subTest fails its test: without this, unittest's base class records it
        # nowhere and the test would count as passed.
        super().addSubTest(test, subtest, err)
        if err is not None and self.current['outcome'] == 'pass':
            failed = issubclass(err[0], test.failureException)
            self._fail('FAIL' if failed else 'ERROR', err)
            self.current['detail'] = f'{subtest.id()}:\n' + self.current['detail']

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self.current['outcome'] = 'FAIL'


def note(results_path, where):
    """Say where the run is, for the grade to read if it has to end the run."""
    with open(results_path + '.running', 'w', encoding='utf-8') as out:
        out.write(where)


def main(results_path, modules):
    sys.path.insert(0, '.')
    note(results_path, 'while importing it')
    suite = unittest.defaultTestLoader.loadTestsFromNames(modules)
    suite.run(RecordingResult(results_path))
    note(results_path, 'done')


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2:])

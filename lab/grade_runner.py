"""Runs test modules and writes each test's outcome, time and printed output as JSON.

    python -I grade_runner.py RESULTS.json tests.test_loading tests.test_network ...

lab/grade.py runs this in the grader's folder, with the interpreter under
test, so it uses the standard library only and runs on Python 3.8+. Each
test's stdout and stderr are caught separately: anything the graded code
prints during a test shows up there, which the course would score as 0.
"""
import io
import json
import sys
import time
import traceback
import unittest


class RecordingResult(unittest.TestResult):
    """A TestResult that keeps, per test: outcome, seconds, what it printed, and the traceback."""

    def __init__(self):
        super().__init__()
        self.records = []

    def startTest(self, test):
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
        self.records.append(self.current)
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
            self.records.append({'test': test.id(), 'outcome': 'ERROR', 'seconds': 0.0,
                                 'printed': '', 'stderr': '',
                                 'detail': ''.join(traceback.format_exception(*err))})
            return
        self._fail('ERROR', err)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        if getattr(self, 'current', {}).get('test') != test.id():
            # A whole class skipped: no startTest came first.
            self.records.append({'test': test.id(), 'outcome': 'skip', 'seconds': 0.0,
                                 'printed': '', 'stderr': '', 'detail': reason})
            return
        self.current.update(outcome='skip', detail=reason)

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self.current['outcome'] = 'FAIL'


def main(results_path, modules):
    sys.path.insert(0, '.')
    suite = unittest.defaultTestLoader.loadTestsFromNames(modules)
    result = RecordingResult()
    suite.run(result)
    with open(results_path, 'w') as out:
        json.dump(result.records, out, indent=1)


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2:])

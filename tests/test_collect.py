"""lab/collect.py: the collect notebook's settings reach Collection, every step runs
even after one failed, and finish() lists every problem."""
import unittest
from unittest import mock

import nbformat
import numpy as np

from lab import collect as collecting
from lab import grade
from lab.archive import ARCHIVE_NAME
from lab.pdf import TEX_INSTALL
from tests import ROOT
from tests.test_archive import copy_graded_files, quietly
from tests.test_writeup import NotebookTestCase, answered, executed, template


class TestParameters(unittest.TestCase):

    def test_a_parameter_that_is_not_true_or_false_is_refused_by_name(self):
        for value in ('maybe', 2, None):
            with self.subTest(value=value), self.assertRaises(ValueError) as caught:
                collecting.Collection(keep_outputs=value)
            self.assertIn('KEEP_OUTPUTS must be True or False', str(caught.exception))
        with self.assertRaises(ValueError):
            collecting.Collection(archive=None)
        with self.assertRaises(ValueError) as caught:
            collecting.Collection(partial_run='maybe')
        self.assertIn('PARTIAL_RUN must be True or False', str(caught.exception))

    def test_flags_take_what_papermill_passes_for_them(self):
        # `-p KEEP_OUTPUTS 1` arrives as the int 1, `-p ARCHIVE_ONLY false` as a text.
        for value, expected in ((1, True), (0, False), ('false', False), (np.bool_(True), True),
                                ('Yes', True)):
            with self.subTest(value=value):
                collection = collecting.Collection(keep_outputs=value, archive_only=value,
                                                   partial_run=value)
                self.assertEqual((collection.keep_outputs, collection.archive_only,
                                  collection.partial_run), (expected,) * 3)

    def test_flags_of_another_type_are_refused_by_name(self):
        for name in ('keep_outputs', 'archive_only', 'partial_run'):
            for value in (2, 1.0, [], {}, '', 'nan'):
                with self.subTest(**{name: value}), self.assertRaises(ValueError) as caught:
                    collecting.Collection(**{name: value})
                self.assertIn(f'{name.upper()} must be True or False', str(caught.exception))

    def test_an_archive_or_notebook_that_names_no_file_is_refused_by_name(self):
        for name, value in (('archive', ''), ('archive', '  '), ('archive', None),
                            ('archive', 3), ('archive', ['a.zip']), ('notebook', ''),
                            ('notebook', 3), ('notebook', True)):
            with self.subTest(**{name: value}), self.assertRaises(ValueError) as caught:
                collecting.Collection(**{name: value})
            self.assertIn(f'{name.upper()} must be', str(caught.exception))

    def test_each_setting_of_the_collect_notebook_reaches_collection(self):
        import ast
        import inspect
        nb = nbformat.read(str(ROOT / 'collect_submission.ipynb'), as_version=4)
        settings = next(c for c in nb.cells if 'parameters' in c.metadata.get('tags', []))
        names = [node.targets[0].id for node in ast.parse(settings.source).body]
        self.assertEqual(names, ['ARCHIVE', 'NOTEBOOK', 'KEEP_OUTPUTS', 'ARCHIVE_ONLY',
                                 'PARTIAL_RUN'])
        setup = next(c.source for c in nb.cells if 'Collection(' in c.source)
        call = next(node for node in ast.walk(ast.parse(setup.replace('%cd', '#')))
                    if isinstance(node, ast.Call)
                    and getattr(node.func, 'id', None) == 'Collection')
        bound = inspect.signature(collecting.Collection).bind(*call.args, **{
            k.arg: k.value for k in call.keywords})
        self.assertEqual({name: node.id for name, node in bound.arguments.items()},
                         {name.lower(): name for name in names})


    def test_tex_is_installed_only_when_the_pdf_needs_it_and_it_is_missing(self):
        for archive_only, missing, installs in ((False, ['xelatex'], True),
                                                (False, [], False),
                                                (True, ['xelatex'], False)):
            with self.subTest(archive_only=archive_only, missing=missing), \
                    mock.patch.object(collecting, 'missing_tex_tools', return_value=missing), \
                    mock.patch.object(collecting, 'install_tex') as install:
                collecting.Collection(archive_only=archive_only).install_tex()
            self.assertEqual(install.called, installs)


class TestCollection(NotebookTestCase):
    """Every step runs; finish() lists every problem at the end."""

    def setUp(self):
        super().setUp()
        copy_graded_files(self.tmp)
        self.write(answered(template()), 'main.ipynb')

    def test_without_tex_the_archive_is_still_written_and_the_end_fails(self):
        self.write(executed(template()), 'runs/main.ipynb')
        collect = collecting.Collection(root=self.tmp)
        with mock.patch('shutil.which', return_value=None):
            _, printed = quietly(lambda: (collect.build_archive(), collect.write_pdf()))
        self.assertTrue((self.tmp / ARCHIVE_NAME).is_file())
        self.assertIn('PROBLEM: no PDF: cannot make the PDF: xelatex and pandoc not found',
                      printed)
        with self.assertRaises(collecting.CollectError) as caught:
            quietly(collect.finish)
        message = str(caught.exception)
        self.assertIn(TEX_INSTALL, message)
        self.assertIn('ARCHIVE_ONLY', message)
        self.assertEqual(list(self.tmp.glob('*.pdf')), [])

    def test_each_problem_is_listed(self):
        (self.tmp / 'utils.py').unlink()
        collect = collecting.Collection(root=self.tmp)
        printed = quietly(lambda: (collect.build_archive(), collect.grade(),
                                   collect.write_pdf()))[1]
        self.assertEqual(printed.count('PROBLEM:'), 3, printed)
        with self.assertRaises(collecting.CollectError) as caught:
            quietly(collect.finish)
        message = str(caught.exception)
        self.assertIn('no code archive: cannot build the submission: missing utils.py', message)
        self.assertIn('the archive was not graded', message)
        self.assertIn('no PDF: main.ipynb holds no outputs', message)

    def test_a_failed_pre_flight_grade_is_a_problem_and_the_end_fails_saying_so(self):
        failed = grade.Report(archive=self.tmp / ARCHIVE_NAME, python='python', tests=[
            {'test': 'tests.test_loss.TestLoss.test_a', 'outcome': 'pass', 'seconds': 0.1,
             'printed': '', 'detail': ''}],
            problems=[('imports', 'utils.py imports os')])
        collect = collecting.Collection(root=self.tmp)
        with mock.patch.object(collecting.grade, 'grade', return_value=failed) as graded:
            printed = quietly(lambda: (collect.build_archive(), collect.grade()))[1]
        graded.assert_called_once_with(self.tmp / ARCHIVE_NAME)
        self.assertIn('utils.py imports os', printed)       # the grade's table
        with self.assertRaises(collecting.CollectError) as caught:
            quietly(collect.finish)
        self.assertIn('the pre-flight grade failed (1/1 tests passed, 1 problem(s))',
                      str(caught.exception))

    def test_an_archive_the_grade_refuses_is_one_problem_line_and_the_end_fails(self):
        refused = grade.GradeError('hw1_code_submission.zip unpacks to 40,000,000 bytes, over '
                                   'the limit of 33,554,432')
        collect = collecting.Collection(root=self.tmp)
        with mock.patch.object(collecting.grade, 'grade', side_effect=refused):
            printed = quietly(lambda: (collect.build_archive(), collect.grade()))[1]
        self.assertIn('PROBLEM: the archive could not be graded: hw1_code_submission.zip unpacks '
                      'to 40,000,000 bytes, over the limit of 33,554,432\n', printed)
        self.assertNotIn('Traceback', printed)
        with self.assertRaises(collecting.CollectError):
            quietly(collect.finish)

    def test_a_quick_run_is_a_problem_and_partial_run_a_warning(self):
        self.write(executed(template(), {'QUICK': True}), 'runs/main.ipynb')
        refused = collecting.Collection(root=self.tmp)
        printed = quietly(refused.write_pdf)[1]
        self.assertIn('PROBLEM: no PDF: runs/main.ipynb is not the full run', printed)
        accepted = collecting.Collection(root=self.tmp, partial_run='True')
        with mock.patch('shutil.which', return_value=None):
            quietly(accepted.write_pdf)
        self.assertIn('the PDF comes from a quick run (QUICK=True: every training ran one '
                      'epoch) (runs/main.ipynb), not from the full run', accepted.warnings[0])

    def test_archive_only_makes_no_pdf_and_succeeds(self):
        collect = collecting.Collection(archive_only='true', root=self.tmp)
        with mock.patch('shutil.which', return_value=None):
            printed = quietly(lambda: (collect.build_archive(), collect.write_pdf(),
                                       collect.finish()))[1]
        self.assertIn('ARCHIVE_ONLY = True: no PDF is made.', printed)
        self.assertIn('Done: submit the archive', printed)


if __name__ == '__main__':
    unittest.main()

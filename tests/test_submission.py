"""lab/submission.py: the code archive collect_submission.ipynb builds, and the choice and
export of the notebook that becomes the PDF."""
import contextlib
import io
import shutil
import unittest
import zipfile
from unittest import mock

from lab import submission
from tests import ROOT, TempDirTestCase

GRADED = sorted(submission.REQUIRED)


def copy_graded_files(destination):
    for name in GRADED:
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, target)


class TestArchive(TempDirTestCase):

    def setUp(self):
        super().setUp()
        self.root = self.tmp
        copy_graded_files(self.root)

    def build(self):
        with contextlib.redirect_stdout(io.StringIO()):
            return submission.make_archive(self.root)

    def test_archive_holds_exactly_the_graded_code(self):
        (self.root / 'models' / '__pycache__').mkdir()
        (self.root / 'models' / '__pycache__' / 'two_layer_nn.cpython-311.pyc').write_bytes(b'x')
        (self.root / 'models' / '.ipynb_checkpoints').mkdir()
        (self.root / 'models' / '.ipynb_checkpoints' / 'sgd-checkpoint.py').write_text('')
        (self.root / 'models' / 'weights.npy').write_bytes(b'x')
        (self.root / 'data').mkdir()
        (self.root / 'data' / 'train-images-idx3-ubyte.gz').write_bytes(b'x')
        (self.root / 'main.ipynb').write_text('{}')
        names = self.build()
        self.assertEqual(names, GRADED)
        archive = self.root / submission.ARCHIVE_NAME
        self.assertEqual(submission.archive_contents(archive), GRADED)
        with zipfile.ZipFile(archive) as zipped:
            self.assertEqual(zipped.read('utils.py'), (ROOT / 'utils.py').read_bytes())

    def test_a_missing_required_file_is_named_and_nothing_is_written(self):
        (self.root / 'models' / 'two_layer_nn.py').unlink()
        with self.assertRaises(submission.SubmissionError) as caught:
            self.build()
        self.assertIn('models/two_layer_nn.py', str(caught.exception))
        self.assertFalse((self.root / submission.ARCHIVE_NAME).exists())

    def test_a_syntax_error_is_named_with_its_line(self):
        (self.root / 'optimizer' / 'sgd.py').write_text('x = 1\ndef broken(:\n')
        with self.assertRaises(submission.SubmissionError) as caught:
            self.build()
        self.assertIn('optimizer/sgd.py line 2', str(caught.exception))


class TestPdfChoice(TempDirTestCase):

    def setUp(self):
        super().setUp()
        import nbformat
        self.nbformat = nbformat
        self.root = self.tmp

    def write(self, path, with_output):
        cell = self.nbformat.v4.new_code_cell('print(1)')
        if with_output:
            cell.outputs = [self.nbformat.v4.new_output('stream', text='1\n')]
        path.parent.mkdir(parents=True, exist_ok=True)
        self.nbformat.write(self.nbformat.v4.new_notebook(cells=[cell]), str(path))

    def test_an_executed_main_notebook_is_exported(self):
        self.write(self.root / 'main.ipynb', with_output=True)
        self.write(self.root / 'runs' / 'main.ipynb', with_output=True)
        self.assertEqual(submission.notebook_to_export(self.root), self.root / 'main.ipynb')

    def test_a_headless_run_is_exported_when_main_was_not_run(self):
        self.write(self.root / 'main.ipynb', with_output=False)
        self.write(self.root / 'runs' / 'main.ipynb', with_output=True)
        self.assertEqual(submission.notebook_to_export(self.root),
                         self.root / 'runs' / 'main.ipynb')

    def test_consecutive_prints_become_one_block_for_the_pdf(self):
        new_output = self.nbformat.v4.new_output
        cell = self.nbformat.v4.new_code_cell('')
        cell.outputs = [new_output('stream', name='stdout', text='a\n'),
                        new_output('stream', name='stdout', text='b\n'),
                        new_output('stream', name='stderr', text='c\n'),
                        new_output('display_data', data={'text/plain': 'bar'}),
                        new_output('stream', name='stdout', text='d\n')]
        nb = submission.coalesce_streams(self.nbformat.v4.new_notebook(cells=[cell]))
        merged = nb.cells[0].outputs
        self.assertEqual([o.get('text') for o in merged], ['a\nb\n', 'c\n', None, 'd\n'])

    def test_missing_tex_gives_the_install_command_not_a_traceback(self):
        self.write(self.root / 'main.ipynb', with_output=True)
        with mock.patch('shutil.which', return_value=None), \
                contextlib.redirect_stdout(io.StringIO()) as printed:
            pdf = submission.export_pdf(root=self.root)
        self.assertIsNone(pdf)
        self.assertIn('apt-get install -y pandoc texlive-xetex texlive-fonts-recommended '
                      'texlive-plain-generic', printed.getvalue())
        self.assertEqual(list(self.root.glob('*.pdf')), [])


if __name__ == '__main__':
    unittest.main()

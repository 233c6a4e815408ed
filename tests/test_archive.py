"""lab/archive.py: the code archive collect_submission.ipynb builds, holding exactly the
graded code, and what it refuses to archive or overwrite."""
import contextlib
import io
import os
import shutil
import unittest
import zipfile

from lab.archive import ARCHIVE_NAME, ArchiveError, make_archive
from lab.grade import REQUIRED
from tests import ROOT, TempDirTestCase

GRADED = sorted(REQUIRED)


def copy_graded_files(destination):
    for name in GRADED:
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, target)


def quietly(function, *args, **kwargs):
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        result = function(*args, **kwargs)
    return result, printed.getvalue()



def zip_names(path):
    """The file names inside the zip archive at path, sorted."""
    with zipfile.ZipFile(path) as zipped:
        return sorted(zipped.namelist())


class TestArchive(TempDirTestCase):

    def setUp(self):
        super().setUp()
        self.root = self.tmp / 'project'
        copy_graded_files(self.root)

    def build(self, out=ARCHIVE_NAME):
        return quietly(make_archive, self.root, out)[0]

    def test_the_archive_is_readable_as_the_umask_says_with_no_part_file_left(self):
        old = os.umask(0o022)
        self.addCleanup(os.umask, old)
        self.build()
        mode = (self.root / ARCHIVE_NAME).stat().st_mode & 0o777
        self.assertEqual(mode, 0o644)
        self.assertEqual(list(self.root.glob('*.part')), [])

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
        archive = self.root / ARCHIVE_NAME
        self.assertEqual(zip_names(archive), GRADED)
        with zipfile.ZipFile(archive) as zipped:
            self.assertEqual(zipped.read('utils.py'), (ROOT / 'utils.py').read_bytes())
        self.assertEqual(sorted(p.name for p in self.root.glob('*.part')), [])

    def test_an_earlier_archive_is_replaced(self):
        self.build()
        (self.root / 'models' / 'extra.py').write_text('x = 1\n')
        self.build()
        self.assertIn('models/extra.py',
                      zip_names(self.root / ARCHIVE_NAME))

    def test_a_missing_required_file_is_named_and_nothing_is_written(self):
        (self.root / 'models' / 'two_layer_nn.py').unlink()
        with self.assertRaises(ArchiveError) as caught:
            self.build()
        self.assertIn('models/two_layer_nn.py', str(caught.exception))
        self.assertFalse((self.root / ARCHIVE_NAME).exists())

    def test_a_syntax_error_is_named_with_its_line(self):
        (self.root / 'optimizer' / 'sgd.py').write_text('x = 1\ndef broken(:\n')
        with self.assertRaises(ArchiveError) as caught:
            self.build()
        self.assertIn('optimizer/sgd.py line 2', str(caught.exception))

    def test_a_file_python_cannot_decode_is_named_with_its_line(self):
        (self.root / 'utils.py').write_bytes(b'import numpy as np\n\n# caf\xe9, saved as Latin-1\n')
        with self.assertRaises(ArchiveError) as caught:
            self.build()
        self.assertIn('utils.py line 3 is not UTF-8 text (byte 0xe9)', str(caught.exception))
        self.assertFalse((self.root / ARCHIVE_NAME).exists())

    def test_a_file_that_declares_its_encoding_is_read_as_python_reads_it(self):
        (self.root / 'models' / 'extra.py').write_bytes(
            b'# -*- coding: latin-1 -*-\nNAME = "caf\xe9"\n')
        self.assertIn('models/extra.py', self.build())

    def test_a_nul_byte_is_named_with_its_line(self):
        (self.root / 'optimizer' / 'sgd.py').write_bytes(b'x = 1\ny = 2\0\n')
        with self.assertRaises(ArchiveError) as caught:
            self.build()
        self.assertIn('optimizer/sgd.py line 2', str(caught.exception))

    def test_an_input_file_is_never_overwritten_by_the_archive(self):
        (self.root / 'README.md').write_text('my notes\n')
        for out in ('utils.py', 'README.md', 'models/sgd.py'):
            with self.subTest(out=out):
                before = (self.root / out).read_bytes() if (self.root / out).exists() else None
                with self.assertRaises(ArchiveError) as caught:
                    self.build(out)
                self.assertIn('.zip', str(caught.exception))
                after = (self.root / out).read_bytes() if (self.root / out).exists() else None
                self.assertEqual(after, before)

    def test_a_zip_name_that_is_not_an_archive_is_not_overwritten(self):
        (self.root / 'notes.zip').write_text('not a zip, but mine')
        with self.assertRaises(ArchiveError) as caught:
            self.build('notes.zip')
        self.assertIn('not a zip archive', str(caught.exception))
        self.assertEqual((self.root / 'notes.zip').read_text(), 'not a zip, but mine')

    def assertRefused(self, out, *fragments):
        with self.assertRaises(ArchiveError) as caught:
            self.build(out)
        for fragment in fragments:
            self.assertIn(fragment, str(caught.exception))

    def test_a_folder_given_as_the_archive_is_named_as_a_folder(self):
        (self.root / 'hw1.zip').mkdir()
        self.assertRefused('hw1.zip', "'hw1.zip' is a folder, not a file")
        self.assertEqual(list((self.root / 'hw1.zip').iterdir()), [])

    def test_a_file_where_the_archives_folder_belongs_is_named(self):
        (self.root / 'out').write_text('my notes')
        self.assertRefused('out/hw1.zip', f"{self.root / 'out'} is a file where the folder "
                           'belongs')
        self.assertEqual((self.root / 'out').read_text(), 'my notes')

    def test_a_missing_folder_for_the_archive_is_named(self):
        self.assertRefused(str(self.tmp / 'gone' / 'hw1.zip'),
                           f"the folder {self.tmp / 'gone'} does not exist")
        self.assertFalse((self.tmp / 'gone').exists())

    def test_a_link_named_like_the_archive_to_an_input_is_refused(self):
        (self.root / 'sub.zip').symlink_to(self.root / 'utils.py')
        with self.assertRaises(ArchiveError):
            self.build('sub.zip')
        self.assertEqual((self.root / 'utils.py').read_bytes(), (ROOT / 'utils.py').read_bytes())

    def test_a_relative_name_leaving_the_project_is_refused(self):
        with self.assertRaises(ArchiveError) as caught:
            self.build('../elsewhere.zip')
        self.assertIn('outside the project', str(caught.exception))
        self.assertFalse((self.tmp / 'elsewhere.zip').exists())
        names = self.build(str(self.tmp / 'elsewhere.zip'))    # absolute: as asked
        self.assertEqual(zip_names(self.tmp / 'elsewhere.zip'), names)

    def test_a_link_to_a_file_outside_the_project_is_refused(self):
        secret = self.tmp / 'secret.py'
        secret.write_text('password = 1\n')
        (self.root / 'models' / 'helper.py').symlink_to(secret)
        with self.assertRaises(ArchiveError) as caught:
            self.build()
        self.assertIn('models/helper.py is a symbolic link', str(caught.exception))
        self.assertIn('outside the project', str(caught.exception))
        self.assertFalse((self.root / ARCHIVE_NAME).exists())

    def test_a_link_to_a_folder_outside_the_project_is_refused(self):
        (self.tmp / 'outside').mkdir()
        (self.tmp / 'outside' / 'layer.py').write_text('x = 1\n')
        (self.root / 'models' / 'extra').symlink_to(self.tmp / 'outside')
        with self.assertRaises(ArchiveError) as caught:
            self.build()
        self.assertIn('models/extra', str(caught.exception))
        self.assertFalse((self.root / ARCHIVE_NAME).exists())

    def test_a_link_within_the_project_is_archived_as_the_file(self):
        (self.root / 'lib').mkdir()
        (self.root / 'lib' / 'layer.py').write_text('x = 1\n')
        (self.root / 'models' / 'layer.py').symlink_to(self.root / 'lib' / 'layer.py')
        self.build()
        with zipfile.ZipFile(self.root / ARCHIVE_NAME) as zipped:
            self.assertEqual(zipped.read('models/layer.py'), b'x = 1\n')


if __name__ == '__main__':
    unittest.main()

"""The pre-flight grader (lab/grade.py) and the rules it checks on the graded files.

The graded files' import rule is checked here on the project itself. The
grader is tried on a good archive and on archives with each fault the issue
names (no utils.py, a utils.py that reads only the bundle, an import of os),
plus printing and a changed default config.

Test archives are laid out as each tool writes them (layouts below): macOS Finder's
Compress, Windows Explorer's Send to > Compressed folder, PowerShell's Compress-Archive
before .NET 4.6.1 (backslashes), Linux's `zip -r`, and a folder zipped instead of its
contents. Limits are tested on small zips with the limit patched low.

TestEveryCoursePython grades the archive with Python 3.8, 3.10, 3.12 and
3.13, each in a fresh venv with the numpy, PyYAML and matplotlib pip picks
for it. It needs the package index, so it runs only when HW1_FULL_TESTS=1
(CI sets it), and skips each interpreter this machine lacks.
"""
import concurrent.futures
import os
import select
import shutil
import subprocess
import sys
import tempfile
import unittest
import warnings
import zipfile
from pathlib import Path
from unittest import mock

from lab import ROOT, grade
from lab.archive import submission_files
from tests import committed, find_python, full_only, needing_mnist, write_course_configs

GRADED = sorted(grade.ALLOWED_IMPORTS)
COURSE_PYTHONS = ('3.8', '3.10', '3.12', '3.13')


class TestImportRule(unittest.TestCase):
    def test_graded_files_import_only_what_the_course_skeleton_imports(self):
        self.assertEqual(grade.check_imports(ROOT, GRADED), [])

    def test_every_graded_file_of_the_archive_is_covered_by_the_rule(self):
        python_files = [name for name in submission_files(ROOT) if name.endswith('.py')]
        self.assertEqual(sorted(python_files), GRADED)

    def test_an_extra_import_is_named_with_what_is_allowed(self):
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copytree(ROOT / 'optimizer', Path(tmp) / 'optimizer')
            sgd = Path(tmp) / 'optimizer' / 'sgd.py'
            sgd.write_text('import os\nfrom collections import deque\n' + sgd.read_text())
            problems = grade.check_imports(tmp, ['optimizer/sgd.py'])
        self.assertEqual(len(problems), 1)
        self.assertIn('collections, os', problems[0])
        self.assertIn('._base_optimizer, numpy', problems[0])

    def test_imports_inside_functions_count_too(self):
        self.assertEqual(grade.imports_of('def f():\n    import gc\n    from . import x\n'),
                         ['gc', '.'])


# ---------------------------------------------------------------------------
# Archives as each tool lays them out: (name, bytes) pairs, a name ending in '/' a folder
# ---------------------------------------------------------------------------

# The start of an AppleDouble file (a resource fork): magic, version, 'Mac OS X', entries.
APPLEDOUBLE = (b'\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        \x00\x02'
               + b'\x00\x00\x00\x09\x00\x00\x00\x32\x00\x00\x0e\xb0' + bytes(64))


def folders_of(files):
    """Every folder the files sit in, parents first, as 'models/'."""
    found = {'/'.join(name.split('/')[:end]) + '/' for name in files
             for end in range(1, name.count('/') + 1)}
    return sorted(found)


def finder(files, top=''):
    """macOS Finder's Compress: folder entries, the files, a .DS_Store per folder, and a
    resource fork (AppleDouble ._name) for each in __MACOSX/. top: the folder compressed
    ('hw1/'), or '' for its contents selected."""
    dsstores = [top + '.DS_Store'] + [top + folder + '.DS_Store' for folder in folders_of(files)]
    members = [(top + name, b'') for name in folders_of(files)]
    members += [(top + name, data) for name, data in files.items()]
    members += [(name, b'\x00\x00\x00\x01Bud1' + bytes(32)) for name in dsstores]
    for name, _ in list(members):
        if not name.endswith('/'):
            folder, _, base = name.rpartition('/')
            members.append((f"__MACOSX/{folder + '/' if folder else ''}._{base}", APPLEDOUBLE))
    return members


def explorer(files):
    """Windows Explorer's Send to > Compressed folder: folder entries, the files, and the
    folders' hidden Thumbs.db and desktop.ini."""
    return ([(name, b'') for name in folders_of(files)] + list(files.items())
            + [('Thumbs.db', bytes(40)), ('models/desktop.ini', b'[.ShellClassInfo]\r\n')])


def powershell_before_net_4_6_1(files):
    """PowerShell's Compress-Archive on .NET before 4.6.1: backslashes between folders."""
    return [(name.replace('/', '\\'), data) for name, data in files.items()]


def linux_zip_r(files):
    """Linux `zip -r hw1.zip configs models optimizer utils.py` after a run: folder
    entries, the files, and Python's bytecode caches."""
    caches = [(f"{name.rpartition('/')[0]}/__pycache__/"
               f"{name.rpartition('/')[2][:-3]}.cpython-311.pyc", b'\xa7\r\r\n' + bytes(12))
              for name in files if name.endswith('.py') and '/' in name]
    caches.append(('__pycache__/utils.cpython-311.pyc', b'\xa7\r\r\n' + bytes(12)))
    return [(name, b'') for name in folders_of(files)] + list(files.items()) + caches


def write_zip(path, members, compression=zipfile.ZIP_DEFLATED):
    """Write the (name, bytes) members to a zip at path, in order, duplicates included."""
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')       # zipfile warns of a duplicate name
        with zipfile.ZipFile(path, 'w', compression) as out:
            for name, data in members:
                out.writestr(name, data)
    return path


def project_files():
    """The project's graded files as {name: bytes}."""
    return {name: (ROOT / name).read_bytes() for name in submission_files(ROOT)}


SMALL = {'utils.py': b'x = 1\n', 'models/__init__.py': b'', 'models/a.py': b'import numpy\n',
         'configs/config_exp.yaml': b'Train: {}\n'}


class UnpackTestCase(unittest.TestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix='hw1-test-unpack-'))
        self.addCleanup(shutil.rmtree, self.tmp)

    def zip(self, members, compression=zipfile.ZIP_DEFLATED):
        return write_zip(self.tmp / 'a.zip', members, compression)

    def unpack(self, members, compression=zipfile.ZIP_DEFLATED):
        """unpack() of a zip of members into a fresh folder: the Unpacked."""
        return self.unpack_file(self.zip(members, compression))

    def unpack_file(self, archive):
        self.out = Path(tempfile.mkdtemp(dir=self.tmp))
        return grade.unpack(archive, self.out)

    def refused(self, members, *expected, compression=zipfile.ZIP_DEFLATED):
        """The GradeError's message for members, checked to be one line holding each
        expected text, with nothing written."""
        with self.assertRaises(grade.GradeError) as caught:
            self.unpack(members, compression)
        message = str(caught.exception)
        for text in expected:
            self.assertIn(text, message)
        self.assertNotIn('\n', message)
        self.assertEqual(list(self.out.iterdir()), [], 'something was written')
        return message

    def patched(self, data, local, central, value, size=2):
        """A stored zip of one member utils.py holding data, with the field at offset local
        of its local header and central of its central directory entry set to value."""
        archive = bytearray(self.zip([('utils.py', data)], zipfile.ZIP_STORED).read_bytes())
        for header, offset in ((b'PK\x03\x04', local), (b'PK\x01\x02', central)):
            at = archive.index(header) + offset
            archive[at:at + size] = value.to_bytes(size, 'little')
        (self.tmp / 'patched.zip').write_bytes(archive)
        return self.tmp / 'patched.zip'

    def refused_file(self, archive, *expected):
        with self.assertRaises(grade.GradeError) as caught:
            self.unpack_file(archive)
        for text in expected:
            self.assertIn(text, str(caught.exception))
        self.assertEqual(list(self.out.iterdir()), [], 'something was written')

    def written(self):
        return sorted(path.relative_to(self.out).as_posix()
                      for path in self.out.rglob('*') if path.is_file())


class TestUnpack(UnpackTestCase):
    def test_regular_members_are_extracted(self):
        unpacked = self.unpack([('utils.py', b'x'), ('models/a.py', b'y')])
        self.assertEqual(unpacked.names, ['models/a.py', 'utils.py'])
        self.assertEqual((self.out / 'models' / 'a.py').read_bytes(), b'y')
        self.assertEqual((unpacked.ignored, unpacked.ignored_line()), ([], ''))

    def test_members_leaving_the_folder_are_refused(self):
        for name in ('../evil.py', '/etc/evil.py', 'models/../../evil.py', 'C:evil.py',
                     '..\\evil.py', '\\evil.py', 'models\\..\\..\\evil.py', 'C:\\evil.py'):
            with self.subTest(name=name):
                self.refused([('utils.py', b'x'), (name, b'x')], 'outside', repr(name))

    def test_a_symbolic_link_is_refused(self):
        link = zipfile.ZipInfo('utils.py')
        link.external_attr = 0o120777 << 16
        self.refused([(link, b'/etc/passwd')], 'symbolic link')

    def test_backslashes_separate_folders_as_windows_and_unzip_read_them(self):
        unpacked = self.unpack(powershell_before_net_4_6_1(SMALL))
        self.assertEqual(unpacked.names, sorted(SMALL))
        self.assertEqual(self.written(), sorted(SMALL))


class TestOperatingSystemExtras(UnpackTestCase):
    def test_what_macos_finder_adds_is_left_out_and_said_in_one_line(self):
        unpacked = self.unpack(finder(SMALL))
        self.assertEqual(unpacked.names, sorted(SMALL))
        self.assertEqual(self.written(), sorted(SMALL))
        # Resource forks of 4 files and 3 .DS_Store, and the 3 .DS_Store themselves.
        self.assertEqual(unpacked.ignored_line(),
                         'ignored what macOS/Windows add (10 files): __MACOSX/\u2026, ._*, '
                         '.DS_Store')

    def test_what_windows_explorer_adds_is_left_out(self):
        unpacked = self.unpack(explorer(SMALL))
        self.assertEqual(self.written(), sorted(SMALL))
        self.assertEqual(unpacked.ignored_line(),
                         'ignored what macOS/Windows add (2 files): Thumbs.db, desktop.ini')

    def test_bytecode_caches_of_zip_r_are_left_out(self):
        unpacked = self.unpack(linux_zip_r(SMALL))
        self.assertEqual(self.written(), sorted(SMALL))
        self.assertEqual(unpacked.ignored_line(),
                         'ignored what macOS/Windows add (3 files): __pycache__/\u2026, *.pyc')

    def test_the_line_of_every_extra_fits_the_table(self):
        every = explorer(SMALL) + finder(SMALL) + linux_zip_r(SMALL)
        unpacked = grade.Unpacked([], [name for name, _ in every] * 40)
        self.assertLessEqual(len(unpacked.ignored_line()), grade.TABLE_WIDTH)
        self.assertIn('(1320 files): __MACOSX/', unpacked.ignored_line())

    def test_resource_forks_would_fail_the_import_check(self):
        # Why a Finder archive failed the grade: its ._utils.py is binary, not Python.
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / '._utils.py').write_bytes(APPLEDOUBLE)
            problems = grade.check_imports(tmp, ['._utils.py'])
        self.assertEqual(len(problems), 1)
        self.assertIn('._utils.py line', problems[0])


class TestOneFolderDeep(UnpackTestCase):
    def test_a_zipped_folder_is_named_with_how_to_zip_its_contents(self):
        message = self.refused(finder(SMALL, top='hw1/'), 'inside one folder, hw1/',
                               'Gradescope', 'select configs, models, optimizer and utils.py',
                               'collect_submission.ipynb')
        self.assertNotIn('__MACOSX', message)

    def test_an_archive_of_one_graded_folder_alone_is_just_missing_files(self):
        unpacked = self.unpack([('models/a.py', b''), ('models/b.py', b'')])
        self.assertEqual(unpacked.names, ['models/a.py', 'models/b.py'])


class TestNotAnArchive(UnpackTestCase):
    def refused_path(self, path, *expected):
        with self.assertRaises(grade.GradeError) as caught:
            grade.unpack(path, self.tmp)
        message = str(caught.exception)
        for text in expected:
            self.assertIn(text, message)
        self.assertNotIn('\n', message)

    def test_a_missing_path_a_folder_and_an_empty_file_are_named(self):
        self.refused_path(self.tmp / 'nothing.zip', 'does not exist')
        self.refused_path(self.tmp, 'is a folder, not an archive')
        (self.tmp / 'empty.zip').write_bytes(b'')
        self.refused_path(self.tmp / 'empty.zip', 'is empty (0 bytes)')

    def test_a_pdf_and_text_are_not_zip_archives(self):
        (self.tmp / 'main.pdf').write_bytes(b'%PDF-1.5\n%\xe2\xe3\xcf\xd3\n1 0 obj\n')
        self.refused_path(self.tmp / 'main.pdf', 'is a PDF', 'HW1 Code PDF')
        (self.tmp / 'a.zip').write_text('not a zip')
        self.refused_path(self.tmp / 'a.zip', 'is not a zip archive')

    def test_an_encrypted_member_is_refused(self):
        # zipfile writes no encrypted members: the flag is set by hand, as ZipCrypto sets it.
        self.refused_file(self.patched(b'x = 1\n', 6, 8, 0x1), "'utils.py' encrypted",
                          'without a password')

    def test_an_unknown_compression_method_is_refused(self):
        self.refused_file(self.patched(b'x = 1\n', 8, 10, 99), 'compressed with method 99')


class TestDamagedArchives(UnpackTestCase):
    """A damaged archive ends in a GradeError, never a traceback: cut short at many points,
    or with bytes flipped across its central directory and end record."""

    def setUp(self):
        super().setUp()
        self.good = self.zip(finder(project_files())).read_bytes()

    def unpack_damaged(self, damaged):
        """unpack() of the damaged bytes: None, or the GradeError's message (one line)."""
        path = self.tmp / 'damaged.zip'
        path.write_bytes(damaged)
        try:
            self.unpack_file(path)
        except grade.GradeError as err:
            self.assertNotIn('\n', str(err))
            return str(err)
        return None

    def test_an_archive_cut_short_is_refused_in_one_line(self):
        size = len(self.good)
        for cut in sorted({0, 1, 4, 30, size // 3, size // 2, size - 200, size - 22, size - 1}):
            with self.subTest(cut=cut):
                self.assertIsNotNone(self.unpack_damaged(self.good[:cut]))

    def test_flipped_bytes_in_the_central_directory_never_end_in_a_traceback(self):
        small = self.zip(explorer(SMALL)).read_bytes()
        for at in range(small.index(b'PK\x01\x02'), len(small), 3):
            damaged = bytearray(small)
            damaged[at] ^= 0xff if at % 2 else 0x80
            with self.subTest(at=at):
                self.unpack_damaged(bytes(damaged))

    def test_a_header_that_understates_a_size_writes_no_more_than_it_claims(self):
        lies = self.patched(b'x' * 5000, 22, 24, 100, size=4)  # 100, it says
        with self.assertRaises(grade.GradeError) as caught:
            self.unpack_file(lies)
        self.assertIn("'utils.py' cannot be read", str(caught.exception))
        self.assertLessEqual(sum(p.stat().st_size for p in self.out.rglob('*')), 100)


class TestSizeLimits(UnpackTestCase):
    """Each limit, with an input just at it (accepted) and just over it (refused, before
    anything is written)."""

    def test_a_member_just_over_its_size_limit_is_refused(self):
        with mock.patch.object(grade, 'MAX_MEMBER_BYTES', 100):
            self.unpack([('utils.py', bytes(100))])
            self.refused([('models/a.py', b''), ('utils.py', bytes(101))], "'utils.py' of 101 "
                         'bytes unpacked, over the limit of 100')

    def test_members_just_over_the_total_limit_are_refused(self):
        with mock.patch.object(grade, 'MAX_TOTAL_BYTES', 200):
            self.unpack([('a.py', bytes(100)), ('b.py', bytes(100))])
            self.refused([('a.py', bytes(100)), ('b.py', bytes(101))],
                         'unpacks to 201 bytes, over the limit of 200')

    def test_a_member_just_over_the_compression_ratio_is_refused(self):
        members = [('utils.py', bytes(5000))]
        compressed = zipfile.ZipFile(self.zip(members)).getinfo('utils.py').compress_size
        ratio = 5000 // compressed
        self.assertGreater(5000, ratio * compressed)
        with mock.patch.object(grade, 'RATIO_MIN_BYTES', 1000):
            with mock.patch.object(grade, 'MAX_RATIO', ratio + 1):
                self.unpack(members)
            with mock.patch.object(grade, 'MAX_RATIO', ratio):
                self.refused(members, f'compressed over {ratio} times', 'zip bomb')

    def test_members_just_over_the_count_limit_are_refused(self):
        with mock.patch.object(grade, 'MAX_MEMBERS', 3):
            self.unpack([(f'{k}.py', b'') for k in range(3)])
            self.refused([(f'{k}.py', b'') for k in range(4)], 'holds 4 members, over the '
                         'limit of 3')

    def test_a_zip_bomb_of_a_few_hundred_kilobytes_is_refused_before_it_is_written(self):
        # 64 MiB of zeros deflate to about 64 KB; the default limits refuse it unopened.
        bomb = self.zip([('utils.py', b'x = 1\n'), ('models/a.py', bytes(64 * 2**20))])
        self.assertLess(bomb.stat().st_size, 2**20)
        with self.assertRaises(grade.GradeError) as caught:
            self.unpack_file(bomb)
        self.assertIn("'models/a.py' of 67,108,864 bytes unpacked", str(caught.exception))
        self.assertEqual(list(self.out.iterdir()), [])

    def test_every_limit_keeps_an_honest_archive_far_below_it(self):
        files = finder(project_files())
        total = sum(len(data) for _, data in files)
        self.assertLess(len(files) * 10, grade.MAX_MEMBERS)
        self.assertLess(total * 10, grade.MAX_MEMBER_BYTES)
        self.assertLess(total * 10, grade.MAX_TOTAL_BYTES)


class TestClashes(UnpackTestCase):
    def test_the_same_name_twice_is_refused(self):
        self.refused([('utils.py', b'a'), ('utils.py', b'b')], "'utils.py' twice")
        self.refused([('models/a.py', b'a'), ('models\\a.py', b'b')], "'models/a.py' twice")

    def test_names_equal_up_to_case_are_refused(self):
        self.refused([('utils.py', b'a'), ('Utils.py', b'b')],
                     "'utils.py' and 'Utils.py'", 'up to case')

    def test_a_file_and_a_folder_of_one_name_are_refused(self):
        self.refused([('models', b'a'), ('models/a.py', b'b')], "file 'models' and a folder")
        self.refused([('Models', b'a'), ('models/', b'')], "file 'Models' and a folder")

    def test_a_file_named_as_a_folder_the_grader_fills_is_refused(self):
        self.refused([('utils.py', b'a'), ('data', b'b')], "file 'data' and a folder")


class TestCourseConfigs(unittest.TestCase):
    def test_the_projects_defaults_are_the_courses(self):
        # The files as committed: the user's own configs/ may differ (collect's pre-flight
        # grade tells them), but the project's must be the course's.
        with tempfile.TemporaryDirectory() as tmp:
            for name in grade.COURSE_CONFIGS:
                committed(name, tmp)
            self.assertEqual(grade.check_configs(tmp), [])

    def test_a_changed_value_is_named(self):
        with tempfile.TemporaryDirectory() as tmp:
            write_course_configs(tmp)
            path = Path(tmp) / 'configs' / 'config_twolayer.yaml'
            path.write_text(path.read_text().replace('learning_rate: 0.1', 'learning_rate: 0.5'))
            problems = grade.check_configs(tmp)
        self.assertEqual(len(problems), 1)
        self.assertIn('config_twolayer.yaml: Train.learning_rate is 0.5', problems[0])


class TestTable(unittest.TestCase):
    def test_the_table_fits_a_terminal_of_100_columns(self):
        long = 'test_valid_mode_leaves_two_layer_gradients_and_weights_untouched_' * 2
        tests = [{'test': f'tests.test_network.TestValidModeLeavesTheModelAlone.{name}',
                  'outcome': 'pass', 'seconds': 0.5, 'printed': '', 'detail': ''}
                 for name in ('test_short', long)]
        table = grade.Report(Path('hw1_code_submission.zip'), 'python', tests).table()
        self.assertLessEqual(max(len(line) for line in table.splitlines()), grade.TABLE_WIDTH)
        self.assertEqual(grade.TABLE_WIDTH, 100)
        self.assertEqual(table.count('TestValidModeLeavesTheModelAlone'), 1)  # one group heading
        self.assertIn('    test_short', table)


@needing_mnist
class GraderTestCase(unittest.TestCase):
    """Builds the course's CSVs once and makes archives from edited copies of the project."""
    NEEDS_DATA = True

    @classmethod
    def setUpClass(cls):
        cls.scratch = Path(tempfile.mkdtemp(prefix='hw1-test-grade-'))
        if cls.NEEDS_DATA:
            cls.data_dir = grade.write_course_data(cls.scratch / 'csv')

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.scratch)

    @classmethod
    def archive(cls, name, edit=None, drop=(), layout=None):
        """An archive of the project's graded files, after edit(folder) and without drop,
        laid out by layout({name: bytes}) as a tool would (default: the files alone)."""
        folder = cls.scratch / name
        for part in ('models', 'optimizer'):
            shutil.copytree(ROOT / part, folder / part,
                            ignore=shutil.ignore_patterns('__pycache__'))
        write_course_configs(folder)
        shutil.copy(ROOT / 'utils.py', folder / 'utils.py')
        if edit is not None:
            edit(folder)
        files = {path.relative_to(folder).as_posix(): path.read_bytes()
                 for path in sorted(folder.rglob('*')) if path.is_file()}
        files = {member: data for member, data in files.items() if member not in drop}
        return write_zip(cls.scratch / f'{name}.zip',
                         layout(files) if layout else list(files.items()))


def edit_utils(old, new):
    def edit(folder):
        path = folder / 'utils.py'
        source = path.read_text()
        assert old in source, old
        path.write_text(source.replace(old, new, 1))
    return edit


def edits(*edits):
    """One edit made of several, in order."""
    def edit(folder):
        for each in edits:
            each(folder)
    return edit


class TestGrade(GraderTestCase):
    """Each archive is graded once, two at a time (each grade runs the course's tests in a
    Python of its own); the tests read the reports."""

    ARCHIVES = {
        'good': {},
        'no-utils': dict(drop=('utils.py',)),
        'bundle-only': dict(edit=edit_utils('for name in (CSV_FILES[split], BUNDLE):',
                                            'for name in (BUNDLE,):')),
        # Two faults the grade finds apart, by its import rule and by what a test printed.
        'imports-os-and-prints': dict(edit=edits(
            edit_utils('import random\n', 'import os\nimport random\n'),
            edit_utils('    X, y = _dataset_arrays(data, label)\n',
                       '    print("batching")\n    X, y = _dataset_arrays(data, label)\n'))),
        # The project's files as macOS Finder's Compress writes them: it failed, since the
        # grade took __MACOSX/._utils.py (a resource fork) for a Python file.
        'macos-finder': dict(layout=finder),
    }

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        archives = {name: cls.archive(name, **how) for name, how in cls.ARCHIVES.items()}
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            graded = {name: pool.submit(grade.grade, archive, data_dir=cls.data_dir)
                      for name, archive in archives.items()}
        cls.reports = {name: future.result() for name, future in graded.items()}

    def grade(self, name):
        report = self.reports[name]
        return report, report.table()

    def problems(self, report, check):
        return [problem for name, problem in report.problems if name == check]

    def test_a_good_archive_passes_every_test_and_check(self):
        report, table = self.grade('good')
        self.assertTrue(report.ok, table)
        self.assertGreaterEqual(len(report.tests), 40)
        self.assertIn(f'Score: {len(report.tests)}/{len(report.tests)} tests passed', table)
        self.assertIn('necessary, not sufficient', table)

    def test_a_good_archive_zipped_by_macos_finder_passes_saying_what_it_ignored(self):
        report, table = self.grade('macos-finder')
        self.assertTrue(report.ok, table)
        self.assertEqual(len(report.tests), len(self.reports['good'].tests))
        self.assertEqual(sum('ignored what macOS/Windows add (' in line
                             for line in table.splitlines()), 1, table)

    def test_an_archive_without_utils_fails_and_says_so(self):
        report, table = self.grade('no-utils')
        self.assertFalse(report.ok)
        self.assertIn('utils.py is missing', table)
        self.assertIn("No module named 'utils'", table)

    def test_a_utils_that_reads_only_the_bundle_fails_the_data_tests(self):
        report, table = self.grade('bundle-only')
        self.assertFalse(report.ok)
        failed = [test['test'] for test in report.tests if test['outcome'] != 'pass']
        self.assertTrue(failed, table)
        for name in failed:
            self.assertIn('test_loading.TestLoadMnist', name)
        self.assertIn('MnistDataError', table)

    def test_an_import_of_os_fails_the_import_rule(self):
        report, table = self.grade('imports-os-and-prints')
        self.assertFalse(report.ok)
        self.assertEqual(self.problems(report, 'imports'),
                         ['utils.py imports os; the course allows only matplotlib.pyplot, numpy, '
                          'random, time'])
        self.assertIn('utils.py imports os; the course allows only matplotlib.pyplot, numpy, '
                      'random, time', table)

    def test_printing_during_a_test_is_caught(self):
        report, table = self.grade('imports-os-and-prints')
        self.assertFalse(report.ok)
        printing = self.problems(report, 'printing')
        self.assertTrue(printing, table)
        self.assertTrue(all("printed 'batching\\n" in problem for problem in printing), printing)
        self.assertIn("printed 'batching\\n'", table)


# A utils.py that hangs at import without costing CPU, after starting a process that
# waits too: its pid is written to PIDFILE, for the test to see it ended.
HANG = """import subprocess as _sp, sys as _sys, threading as _th
_child = _sp.Popen([_sys.executable, '-c', 'import threading; threading.Event().wait()'])
with open(PIDFILE, 'w') as _out:
    _out.write(str(_child.pid))
_th.Event().wait()
"""


@unittest.skipIf(os.name == 'nt', 'a POSIX shell script stands in for the Python under test')
class TestAModuleEndedWhileWritingItsNote(unittest.TestCase):
    def test_it_is_still_reported_as_over_its_limit(self):
        # A "Python" that leaves the runner's note empty, as one ended mid-write would,
        # then waits: the grade must still call the module hung, not let it pass unseen.
        with tempfile.TemporaryDirectory() as tmp:
            python = Path(tmp) / 'python'
            python.write_text('#!/bin/sh\n: > "$3.running"\nexec sleep 1000\n')
            python.chmod(0o755)
            (Path(tmp) / 'submission').mkdir()
            tests, problems, hung = grade.run_module(
                'tests.test_loss', Path(tmp) / 'submission', str(python), 1, dict(os.environ))
        self.assertEqual(hung, 'starting')
        self.assertEqual(tests, [])


class TestTheRunnersOutcomes(unittest.TestCase):
    """lab/grade_runner.py's record of each test, on a small module of known outcomes."""

    MODULE = """import unittest


class TestKnown(unittest.TestCase):
    def test_passes(self):
        for k in range(2):
            with self.subTest(k=k):
                self.assertEqual(k, k)

    def test_fails_in_a_subtest(self):
        for k in range(3):
            with self.subTest(k=k):
                self.assertLess(k, 1)

    def test_errs_in_a_subtest(self):
        with self.subTest('broken'):
            None.shape
"""

    def test_a_failing_or_erring_subtest_fails_its_test(self):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / 'submission'
            folder.mkdir()
            (folder / 'known_outcomes.py').write_text(self.MODULE)
            tests, problems, hung = grade.run_module('known_outcomes', folder, sys.executable,
                                                     60, dict(os.environ))
        self.assertIsNone(hung)
        self.assertEqual(problems, [])
        outcomes = {test['test'].rsplit('.', 1)[1]: test for test in tests}
        self.assertEqual({name: test['outcome'] for name, test in outcomes.items()},
                         {'test_passes': 'pass', 'test_fails_in_a_subtest': 'FAIL',
                          'test_errs_in_a_subtest': 'ERROR'})
        self.assertIn('(k=1)', outcomes['test_fails_in_a_subtest']['detail'])
        self.assertIn('AttributeError', outcomes['test_errs_in_a_subtest']['detail'])


class TestTimeLimits(GraderTestCase):
    """Two grades of a submission that hangs, with limits of a few seconds: one over a test
    module's limit, one over the whole grade's. They cost no CPU and run side by side."""
    NEEDS_DATA = False
    SECONDS = 4     # enough to start Python and import the hanging utils.py

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        no_data = cls.scratch / 'no-data'
        no_data.mkdir()
        runs = {'module': dict(module_seconds=cls.SECONDS, grade_seconds=120,
                               modules=('tests.test_loading',)),
                'grade': dict(module_seconds=120, grade_seconds=cls.SECONDS,
                              modules=('tests.test_loading', 'tests.test_activation'))}
        cls.pidfiles = {name: cls.scratch / f'{name}.pid' for name in runs}
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            graded = {name: pool.submit(
                grade.grade, cls.archive(f'hangs-{name}', edit=cls.hang(cls.pidfiles[name])),
                data_dir=no_data, **limits) for name, limits in runs.items()}
        cls.reports = {name: future.result() for name, future in graded.items()}

    @staticmethod
    def hang(pidfile):
        def edit(folder):
            path = folder / 'utils.py'
            path.write_text(f'PIDFILE = {str(pidfile)!r}\n' + HANG + path.read_text())
        return edit

    def assert_ended(self, pidfile):
        """The process whose pid is in pidfile has ended (exited, or waits to be reaped)."""
        self.assertTrue(pidfile.is_file(), 'the hanging utils.py never ran: is the machine '
                                           f'too busy to start Python within {self.SECONDS} s?')
        if not hasattr(os, 'pidfd_open'):
            self.skipTest('no pidfd_open here to watch the process with')
        try:
            watched = os.pidfd_open(int(pidfile.read_text()))
        except ProcessLookupError:
            return        # ended and reaped
        try:
            ready, _, _ = select.select([watched], [], [], 30)  # readable once it has ended
        finally:
            os.close(watched)
        self.assertTrue(ready, f'the process {pidfile.read_text()} the submission started '
                               'still runs')

    def test_a_module_over_its_limit_is_named_with_the_limit_and_its_processes_ended(self):
        report = self.reports['module']
        table = report.table()
        self.assertFalse(report.ok)
        self.assertIn(f'tests.test_loading did not finish within its limit of {self.SECONDS} s '
                      '(while importing it); its processes were ended', table)
        self.assertIn('tests.test_loading\n    (did not finish)', table)
        self.assertLess(report.seconds, 60)
        self.assert_ended(self.pidfiles['module'])

    def test_a_grade_over_its_limit_names_the_module_and_runs_no_more(self):
        report = self.reports['grade']
        table = report.table()
        self.assertIn(f"tests.test_loading did not finish within the grade's limit of "
                      f'{self.SECONDS} s', table)
        self.assertIn("tests.test_activation was not run: the grade's limit of "
                      f'{self.SECONDS} s was used up', table)
        self.assertLess(report.seconds, 60)
        self.assert_ended(self.pidfiles['grade'])

    def test_the_default_limits_end_a_hung_grade_within_four_minutes(self):
        # The CSVs take a few seconds to write before the tests start; sized for the course's
        # pure-Python reader, 20 s a load on a busy machine, five times in one module.
        self.assertLessEqual(grade.GRADE_SECONDS + 20, 240)
        self.assertLessEqual(grade.MODULE_SECONDS, grade.GRADE_SECONDS)
        self.assertGreaterEqual(grade.MODULE_SECONDS, 5 * 20)


@full_only('grades the archive on Python ' + ', '.join(COURSE_PYTHONS) + ', each in a venv '
           'with packages from the index')
class TestEveryCoursePython(GraderTestCase):
    def test_the_archive_passes_on_every_python_the_course_meets(self):
        archive = self.archive('every-python')
        for version in COURSE_PYTHONS:
            with self.subTest(python=version):
                python = find_python(version)
                if python is None:
                    self.skipTest(f'Python {version} is not installed on this machine')
                venv_python = self.venv(python, version)
                report = grade.grade(archive, python=venv_python, data_dir=self.data_dir)
                versions = run(venv_python, '-c', 'import sys, numpy, matplotlib; print('
                               'sys.version.split()[0], numpy.__version__, matplotlib.__version__)')
                print(f'\nPython, numpy, matplotlib {versions.stdout.strip()}: '
                      f'{report.passed}/{len(report.tests)} passed', file=sys.stderr)
                self.assertTrue(report.ok, report.table())

    def venv(self, python, version):
        """A new venv for python with the numpy, PyYAML and matplotlib pip picks for it."""
        venv = self.scratch / f'venv-{version}'
        run(python, '-m', 'venv', str(venv))
        venv_python = str(venv / 'bin' / 'python')
        run(venv_python, '-m', 'pip', 'install', '--quiet', '--disable-pip-version-check',
            'numpy', 'pyyaml', 'matplotlib')
        return venv_python


def run(*command):
    """Run a command; on failure, fail with its output (pip's is long, so it is kept quiet)."""
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    return done


if __name__ == '__main__':
    unittest.main()

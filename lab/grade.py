"""A pre-flight grader: the submission archive, graded the way the course grades it.

    python -m lab.grade [hw1_code_submission.zip] [--python PYTHON]

It unpacks the archive alone into a temporary folder (no member may land outside it, none
may clash with another, and sizes are checked before anything is written), leaves out what
macOS, Windows and Python add (resource forks, Finder and Explorer metadata, bytecode),
writes the course's two CSVs into its data/, and runs each course-named test module there
with a fresh interpreter, within a time limit. It also checks the handout's rules that cost
a whole score: an import the skeleton does not have, printing that was not asked, a
changed default config. It prints a table and a score, and exits non-zero on any failure
(2 if the archive cannot be graded at all). The course grades with further, private
tests: a full score here is necessary, not sufficient.
"""
import argparse
import ast
import json
import lzma
import os
import shutil
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
import yaml

from lab import ROOT, data

ARCHIVE = ROOT / 'hw1_code_submission.zip'
# The course's test modules, named as the course names them; they test its API only.
COURSE_TESTS = ('tests.test_loading', 'tests.test_activation', 'tests.test_loss',
                'tests.test_network', 'tests.test_training')
RUNNER = Path(__file__).with_name('grade_runner.py')
# What each graded file may import: exactly what the course's skeleton file imports.
ALLOWED_IMPORTS = {
    'utils.py': {'time', 'numpy', 'random', 'matplotlib.pyplot'},
    'models/__init__.py': {'.softmax_regression', '.two_layer_nn', '._base_network'},
    'models/_base_network.py': {'numpy'},
    'models/softmax_regression.py': {'numpy', '._base_network'},
    'models/two_layer_nn.py': {'numpy', '._base_network'},
    'optimizer/__init__.py': {'.sgd', '._base_optimizer'},
    'optimizer/_base_optimizer.py': set(),
    'optimizer/sgd.py': {'numpy', '._base_optimizer'},
}
_COURSE_TRAIN = {'batch_size': 64, 'learning_rate': 0.1, 'reg': 0.001, 'epochs': 10,
                 'momentum': 0.9, 'debug': True}
COURSE_CONFIGS = {
    'configs/config_softmax.yaml': {'Train': _COURSE_TRAIN,
                                    'Model': {'type': 'SoftmaxRegression'}},
    'configs/config_twolayer.yaml': {'Train': _COURSE_TRAIN,
                                     'Model': {'type': 'TwoLayerNet', 'hidden_size': 128}},
}
REQUIRED = sorted([*ALLOWED_IMPORTS, *COURSE_CONFIGS, 'configs/config_exp.yaml'])
TABLE_WIDTH = 100     # the grade table fits a terminal of this many columns
CSV_NAMES = {'train': 'mnist_train.csv', 'test': 'mnist_test.csv'}

# Limits: what one archive may cost in disk, memory and time. The submission is 15 files
# of about 100 KB in all; an honest archive stays far below each limit, a hostile or
# mistaken one is refused before it costs more.
MAX_MEMBERS = 1000                # 15 files; Finder's __MACOSX doubles them, caches add a few
MAX_MEMBER_BYTES = 8 * 2**20      # utils.py, the largest graded file, is 25 KB
MAX_TOTAL_BYTES = 32 * 2**20      # the whole submission unpacks to about 100 KB
MAX_RATIO = 100                   # source deflates 3-10 times; a zip bomb, a thousand times
RATIO_MIN_BYTES = 64 * 2**10      # below this, even a bomb cannot cost anything
# Per test module. The course's pure-Python CSV reader takes 10-20 s per full load on a
# busy 2-core machine, and test_loading loads the training and test sets once each;
# 120 s leaves room for five such loads and still reports a hang within 4 minutes.
MODULE_SECONDS = 120
# All five modules together: an honest run takes 20-60 s on a busy machine; 210 s, plus
# the few seconds that writing the CSVs takes, ends any grade within 4 minutes.
GRADE_SECONDS = 210

# What the operating system or Python adds to an archive, left out of the grade (and
# harmless on Gradescope): the label shown for each kind, and how to recognise it.
OS_EXTRAS = {
    '__MACOSX/\u2026': lambda parts: parts[0] == '__MACOSX',         # Finder's resource forks
    '._*': lambda parts: parts[-1].startswith('._'),                 # AppleDouble, outside it
    '.DS_Store': lambda parts: parts[-1] == '.DS_Store',             # Finder's folder view
    'Thumbs.db': lambda parts: parts[-1].lower() == 'thumbs.db',     # Explorer's thumbnails
    'desktop.ini': lambda parts: parts[-1].lower() == 'desktop.ini',  # Explorer's folder view
    '__pycache__/\u2026': lambda parts: '__pycache__' in parts[:-1],  # Python's bytecode
    '*.pyc': lambda parts: parts[-1].endswith('.pyc'),
}
# Folders the grader fills itself: a file of that name in the archive would clash.
GRADER_FOLDERS = ('data', 'tests')
# What zipfile raises on a damaged archive: each one becomes a GradeError (fuzzed in the tests).
_UNREADABLE = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError,
               RuntimeError, NotImplementedError, zlib.error, lzma.LZMAError, struct.error,
               OverflowError)
_SUPPORTED = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}


class GradeError(Exception):
    """The archive cannot be graded at all: missing, not a zip, or unsafe to unpack."""


# ---------------------------------------------------------------------------
# Setting up the grader's folder
# ---------------------------------------------------------------------------

@dataclass
class Unpacked:
    """What unpack() wrote (names, POSIX paths) and what it left out as the OS's extras
    (ignored, the archive's own names)."""
    names: list
    ignored: list

    def ignored_line(self):
        """One line saying what was left out, or '' if nothing was."""
        if not self.ignored:
            return ''
        kinds = [label for label, found in OS_EXTRAS.items()
                 if any(found(_parts(name)) for name in self.ignored)]
        count = f"{len(self.ignored)} file{'s' * (len(self.ignored) != 1)}"
        return _clipped(f"ignored what macOS/Windows add ({count}): {', '.join(kinds)}",
                        TABLE_WIDTH)


def _parts(name):
    """A member's path parts. A backslash separates folders, as Windows and unzip read it
    (PowerShell's Compress-Archive wrote such names before .NET 4.6.1)."""
    return PurePosixPath(name.replace('\\', '/')).parts


def check_archive_path(archive):
    """Refuse (GradeError) a path that is not a zip file: missing, a folder, empty, a PDF,
    text or anything else."""
    archive = Path(archive)
    if archive.is_dir():
        raise GradeError(f'{archive} is a folder, not an archive: give the zip file '
                         '(hw1_code_submission.zip), which collect_submission.ipynb builds.')
    if not archive.is_file():
        raise GradeError(f'{archive} does not exist. Build it first: run collect_submission.ipynb, '
                         'or `python -c "from lab import archive; archive.make_archive()"`.')
    with open(archive, 'rb') as opened:
        start = opened.read(4)
    if not start:
        raise GradeError(f'{archive} is empty (0 bytes): build the archive again with '
                         'collect_submission.ipynb.')
    if start == b'%PDF':
        raise GradeError(f'{archive} is a PDF, not a zip archive: the PDF goes to "HW1 Code PDF"; '
                         'grade hw1_code_submission.zip.')
    if not zipfile.is_zipfile(archive):
        raise GradeError(f'{archive} is not a zip archive (or it is cut short): build it again '
                         'with collect_submission.ipynb.')


def _refuse_member(archive, member, parts):
    """GradeError if a member is unsafe to unpack or cannot be read as the course would."""
    name = member.filename
    if not parts or name.startswith(('/', '\\')) or '..' in parts or ':' in name:
        raise GradeError(f'{archive} holds {name!r}, which would land outside the folder it is '
                         'unpacked into; a grader would refuse it too.')
    if stat.S_ISLNK(member.external_attr >> 16):
        raise GradeError(f'{archive} holds a symbolic link, {name!r}; archive the file itself.')
    if member.flag_bits & 0x1:
        raise GradeError(f'{archive} holds {name!r} encrypted: the grader cannot read it. Zip '
                         'without a password.')
    if member.compress_type not in _SUPPORTED:
        raise GradeError(f'{archive} holds {name!r} compressed with method '
                         f'{member.compress_type}, which unzip cannot read: zip with the '
                         'ordinary "deflate" method (any zip tool\'s default).')


def _refuse_clashes(archive, files, folders):
    """GradeError if two members would unpack to one file on macOS or Windows (the same
    name, or names equal up to case), or a file has the name of a folder."""
    seen = {}
    for name in files:
        if name.casefold() in seen:
            other = seen[name.casefold()]
            both = f'{name!r} twice' if other == name else f'{other!r} and {name!r}'
            raise GradeError(f'{archive} holds {both}, which unpack to one file (on macOS and '
                             'Windows, names equal up to case do too): keep one.')
        seen[name.casefold()] = name
    folder_keys = {folder.casefold() for folder in folders}
    folder_keys.update(name.casefold() for name in GRADER_FOLDERS)
    for name in files:
        if name.casefold() in folder_keys:
            raise GradeError(f'{archive} holds a file {name!r} and a folder of that name: '
                             'rename or remove the file.')


def _refuse_sizes(archive, members):
    """GradeError, before anything is written, if a member or all of them together would
    unpack to more than the limits allow, or compress suspiciously well."""
    for member in members:
        if member.file_size > MAX_MEMBER_BYTES:
            raise GradeError(f'{archive} holds {member.filename!r} of {member.file_size:,} bytes '
                             f'unpacked, over the limit of {MAX_MEMBER_BYTES:,}: the submission '
                             'is code and configs only (about 100 KB).')
        if (member.file_size > RATIO_MIN_BYTES
                and member.file_size > MAX_RATIO * max(member.compress_size, 1)):
            raise GradeError(f'{archive} holds {member.filename!r}, compressed over {MAX_RATIO} '
                             f'times ({member.compress_size:,} to {member.file_size:,} bytes): '
                             'refused as a zip bomb.')
    total = sum(member.file_size for member in members)
    if total > MAX_TOTAL_BYTES:
        raise GradeError(f'{archive} unpacks to {total:,} bytes, over the limit of '
                         f'{MAX_TOTAL_BYTES:,}: the submission is code and configs only '
                         '(about 100 KB).')


def one_folder_top(files):
    """The folder that holds the whole submission when every file sits in it (hw1/utils.py,
    hw1/models/...: 'hw1'), else None. files: POSIX paths."""
    tops = {name.split('/')[0] for name in files}
    if len(tops) != 1 or all('/' not in name for name in files):
        return None
    top = tops.pop()
    if not any(name.split('/', 1)[1] in REQUIRED for name in files if '/' in name):
        return None
    return top


def _refuse_one_folder_deep(archive, files):
    """GradeError if every file sits in one folder that holds the submission (hw1/utils.py):
    the course's grader imports utils from where it unpacks, so it would find nothing."""
    top = one_folder_top(files)
    if top is None:
        return
    raise GradeError(
        f'{archive} holds everything inside one folder, {top}/ ({top}/utils.py, ...): '
        'Gradescope unpacks the archive into its own folder and imports utils from there, so '
        'it would find none of your files, and this grade stops here too. Zip what is inside '
        f'the folder instead: open {top}/, select configs, models, optimizer and utils.py, and '
        'compress those; or run collect_submission.ipynb, which builds the archive.')


def _damaged(archive, err, name=None):
    """The one-line GradeError for an archive zipfile cannot read (at member name)."""
    what = ' '.join(str(err).split())
    what = what if len(what) <= 120 else what[:119] + '\u2026'
    where = f': {name!r} cannot be read' if name else ''
    return GradeError(f'{archive} is damaged{where} ({type(err).__name__}: {what}). Build it '
                      'again with collect_submission.ipynb.')


def _copy_bounded(archive, zipped, member, target, budget):
    """Copy one member to target, stopping at its declared size or what is left of the
    total budget (a header may lie); return the bytes written."""
    limit = min(member.file_size, MAX_MEMBER_BYTES, budget)
    written = 0
    with open(target, 'wb') as out:
        try:
            source = zipped.open(member)
        except _UNREADABLE as err:
            raise _damaged(archive, err, member.filename) from None
        with source:
            while True:
                try:
                    chunk = source.read(2**16)
                except _UNREADABLE as err:
                    raise _damaged(archive, err, member.filename) from None
                if not chunk:
                    return written
                written += len(chunk)
                if written > limit:
                    raise GradeError(f'{archive} holds {member.filename!r}, which unpacks to '
                                     f'more than the {limit:,} bytes allowed for it: refused.')
                out.write(chunk)


def unpack(archive, folder):
    """Extract the regular files of a zip archive into folder; return an Unpacked.

    Refuses (GradeError), writing nothing: members with absolute paths, '..' parts or
    drive letters, symbolic links, encrypted or unreadable members, clashing names, an
    archive whose files all sit in one folder, and more members or bytes than the limits
    at the top of this module. Leaves out what the OS adds (OS_EXTRAS).
    """
    check_archive_path(archive)
    folder = Path(folder)
    try:
        zipped = zipfile.ZipFile(archive)
        members = zipped.infolist()
    except _UNREADABLE as err:
        raise _damaged(archive, err) from None
    with zipped:
        if len(members) > MAX_MEMBERS:
            raise GradeError(f'{archive} holds {len(members):,} members, over the limit of '
                             f'{MAX_MEMBERS:,}: the submission is 15 files.')
        kept, ignored, folders = [], [], set()
        for member in members:
            parts = _parts(member.filename)
            _refuse_member(archive, member, parts)
            if any(found(parts) for found in OS_EXTRAS.values()):
                ignored.append(member.filename)
                continue
            folders.update('/'.join(parts[:end]) for end in range(1, len(parts)))
            if member.is_dir() or member.filename.endswith('\\'):
                folders.add('/'.join(parts))
            else:
                kept.append((member, '/'.join(parts)))
        files = [name for _, name in kept]
        _refuse_clashes(archive, files, folders)
        _refuse_sizes(archive, [member for member, _ in kept])
        _refuse_one_folder_deep(archive, files)
        budget = MAX_TOTAL_BYTES
        for member, name in kept:
            target = folder.joinpath(*name.split('/'))
            target.parent.mkdir(parents=True, exist_ok=True)
            budget -= _copy_bounded(archive, zipped, member, target, budget)
    return Unpacked(sorted(files), sorted(ignored))


_NUMBERS = [str(k) for k in range(256)]


def write_csv(path, images, labels, rows_per_chunk=2000):
    """The course's CSV: per row the label, then the image's 784 bytes, comma-separated."""
    with open(path, 'w', newline='\n') as out:
        for start in range(0, len(images), rows_per_chunk):
            rows = np.column_stack([labels[start:start + rows_per_chunk],
                                    images[start:start + rows_per_chunk]]).tolist()
            out.write(''.join(','.join(map(_NUMBERS.__getitem__, row)) + '\n' for row in rows))


def write_course_data(folder):
    """Write data/mnist_train.csv and data/mnist_test.csv, the course's layout, under folder."""
    train_images, train_y, test_images, test_y = data.originals()
    data_dir = Path(folder) / 'data'
    data_dir.mkdir(parents=True, exist_ok=True)
    write_csv(data_dir / CSV_NAMES['train'], train_images, train_y)
    write_csv(data_dir / CSV_NAMES['test'], test_images, test_y)
    return data_dir


def module_file(module):
    """A module's file, relative to the project: 'tests.private.test_x' ->
    'tests/private/test_x.py'."""
    return module.replace('.', '/') + '.py'


def add_tests(folder, modules=COURSE_TESTS):
    """Copy test modules (default: the course-named ones) into folder, with the __init__.py
    of every package they sit in (tests/, tests/private/)."""
    packages = {'.'.join(module.split('.')[:end]) for module in modules
                for end in range(1, module.count('.') + 1)}
    for name in [*(module_file(package + '.__init__') for package in sorted(packages)),
                 *map(module_file, modules)]:
        target = Path(folder) / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / name, target)


# ---------------------------------------------------------------------------
# The checks
# ---------------------------------------------------------------------------

# CPython 3.11 can fail ast.parse with "SystemError: AST constructor recursion depth
# mismatch" when two threads parse at once (as grades run side by side do): one at a time.
_PARSING = threading.Lock()


def imports_of(source):
    """The modules a Python source imports, as written ('numpy', '._base_network', ...)."""
    found = []
    with _PARSING:
        tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append('.' * node.level + (node.module or ''))
    return found


def check_imports(folder, names):
    """Problems with the import rule, one line each: a graded file importing
    more than the course's skeleton file does."""
    problems = []
    for name in names:
        if not name.endswith('.py'):
            continue
        allowed = ALLOWED_IMPORTS.get(name)
        source = (Path(folder) / name).read_text(encoding='utf-8', errors='replace')
        try:
            modules = imports_of(source)
        except (SyntaxError, ValueError) as err:    # ValueError: a null byte, Python < 3.12
            problems.append(f"{name} line {getattr(err, 'lineno', None)}: syntax error "
                            f"({getattr(err, 'msg', err)})")
            continue
        if allowed is None:
            if modules:
                problems.append(f"{name} is not a file of the course's skeleton, yet imports "
                                f"{', '.join(sorted(set(modules)))}")
            continue
        extra = sorted(set(modules) - allowed)
        if extra:
            problems.append(f"{name} imports {', '.join(extra)}; the course allows only "
                            f"{', '.join(sorted(allowed)) or 'no imports'}")
    return problems


def check_configs(folder):
    """Problems with the default configs: a course value changed, missing or unreadable."""
    problems = []
    for name, expected in COURSE_CONFIGS.items():
        path = Path(folder) / name
        try:
            given = yaml.safe_load(path.read_text(encoding='utf-8'))
        except FileNotFoundError:
            problems.append(f"{name} is missing: submit configs/ with the course's default "
                            'configs')
            continue
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
            problems.append(f'{name} cannot be read ({type(err).__name__})')
            continue
        for section, values in expected.items():
            for key, value in values.items():
                found = (given or {}).get(section, {}) or {}
                found = found.get(key, '(missing)') if isinstance(found, dict) else '(missing)'
                if not _same(found, value):
                    problems.append(f"{name}: {section}.{key} is {found!r}; the course's value "
                                    f"is {value!r} (the handout: do NOT modify these)")
    return problems


def _same(found, value):
    if isinstance(value, bool) or isinstance(value, str):
        return found == value and type(found) is type(value)
    try:
        return not isinstance(found, bool) and float(found) == value
    except (TypeError, ValueError):
        return False


# ---------------------------------------------------------------------------
# Grading
# ---------------------------------------------------------------------------

@dataclass
class Report:
    """The outcome: one row per test, and the problems the rule checks found."""
    archive: Path
    python: str
    tests: list = field(default_factory=list)     # dicts: test, outcome, seconds, printed, detail
    problems: list = field(default_factory=list)  # (check, problem)
    seconds: float = 0.0
    ignored: str = ''      # the one line saying what the OS added and the grade left out

    @property
    def passed(self):
        return sum(test['outcome'] == 'pass' for test in self.tests)

    @property
    def ok(self):
        return bool(self.tests) and self.passed == len(self.tests) and not self.problems

    def table(self):
        """The report as text, at most TABLE_WIDTH columns: per-test table grouped by test
        class, rule checks, score and the caveat."""
        name_width = TABLE_WIDTH - len('    ') - len('  result  seconds')
        lines = [f'Pre-flight grade of {self.archive.name} with {self.python}', '',
                 f"{'test':<{name_width + 4}}  result  seconds", '-' * TABLE_WIDTH]
        group = None
        for test in self.tests:
            test_class, _, method = test['test'].rpartition('.')
            if test_class != group:
                group = test_class
                lines.append(_clipped(test_class, TABLE_WIDTH))
            lines.append(f"    {_clipped(method, name_width):<{name_width}}  "
                         f"{test['outcome']:<6}  {test['seconds']:7.2f}")
        lines.append('')
        if self.ignored:
            lines.append(self.ignored)
        for check in ('files', 'imports', 'printing', 'configs', 'tests'):
            found = [problem for name, problem in self.problems if name == check]
            lines.append(f"{check + ':':<10}{'ok' if not found else 'FAILED'}")
            lines += [f'  - {problem}' for problem in found]
        for test in self.tests:
            if test['detail']:
                lines += ['', f"{test['test']} ({test['outcome']}):", test['detail'].rstrip()]
        lines += ['', f"Score: {self.passed}/{len(self.tests)} tests passed, "
                      f"{len(self.problems)} problem(s) -> {'PASS' if self.ok else 'FAIL'} "
                      f"({self.seconds:.0f} s)",
                  'The course grades with further, private tests: a full score here is '
                  'necessary, not sufficient.']
        return '\n'.join(lines)


def _clipped(text, width):
    """text, cut to width characters with an ellipsis if longer."""
    return text if len(text) <= width else text[:width - 1] + '\u2026'


def _start(command, folder, env, out, err):
    """Start a test process in a session (POSIX) or process group (Windows) of its own, so
    that it can be ended with every process it started."""
    if os.name == 'posix':
        group = {'start_new_session': True}
    else:
        group = {'creationflags': subprocess.CREATE_NEW_PROCESS_GROUP}
    return subprocess.Popen(command, cwd=folder, env=env, stdin=subprocess.DEVNULL,
                            stdout=out, stderr=err, **group)


def _end(process):
    """End process and every process it started, then reap it."""
    if os.name == 'posix':
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):    # the whole group has exited
            pass
    else:
        subprocess.run(['taskkill', '/F', '/T', '/PID', str(process.pid)], capture_output=True)
        process.kill()
    process.wait()


def read_records(path):
    """The per-test records the runner appended to path, one JSON object a line (a line
    cut short by the end of the process is left out)."""
    records = []
    if path.is_file():
        for line in path.read_text(encoding='utf-8', errors='replace').splitlines():
            try:
                records.append(json.loads(line))
            except ValueError:
                pass
    return records


def _unfinished(module, outcome, seconds=0.0):
    """A row of the table for a module that did not finish or did not run."""
    return {'test': f'{module}.({outcome})', 'outcome': 'ERROR', 'seconds': seconds,
            'printed': '', 'detail': ''}


def test_env():
    """The environment the tests run in: this one, headless (Agg), one BLAS thread, no
    bytecode written into the graded folder, and no PYTHONPATH to import anything else."""
    env = dict(os.environ, MPLBACKEND='Agg', OPENBLAS_NUM_THREADS='1', PYTHONDONTWRITEBYTECODE='1')
    env.pop('PYTHONPATH', None)
    return env


def run_module(module, folder, python, seconds, env):
    """Run one test module in folder with python, ending it (and every process it started)
    after seconds; return (per-test dicts, problems, None) or, if it timed out,
    (per-test dicts, problems, where it was: the runner's note, or 'starting')."""
    work = Path(folder).parent
    results, note = work / f'{module}.jsonl', work / f'{module}.jsonl.running'
    out_path, err_path = work / f'{module}.out', work / f'{module}.err'
    with open(out_path, 'wb') as out, open(err_path, 'wb') as err:
        try:
            process = _start([python, '-I', str(RUNNER), str(results), module], folder, env,
                             out, err)
        except OSError as error:
            return [], [('tests', f'cannot run {python} ({error.strerror})')], None
        try:
            process.wait(timeout=seconds)
            timed_out = False
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:
            _end(process)     # also what it started and left running
    tests, problems = read_records(results), []
    # The runner's note of where it is; empty if it was ended while writing it.
    where = (note.read_text(errors='replace') if note.is_file() else '') or 'starting'
    if timed_out:
        return tests, problems, where
    if where != 'done':
        problems.append(('tests', f'{module}: the test runner stopped {where} (exit code '
                                  f'{process.returncode}): '
                                  f"{err_path.read_text(errors='replace').strip()[-1500:]}"))
        tests.append(_unfinished(module, 'stopped'))
    printed = out_path.read_text(errors='replace').strip()
    if printed:
        problems.append(('printing', f'{module} printed outside any test: {printed[:200]!r}'))
    return tests, problems, None


def run_tests(folder, python=sys.executable, module_seconds=None, grade_seconds=None,
              started=None, modules=COURSE_TESTS):
    """Run the test modules (default: the course-named ones) in folder, each with a fresh
    interpreter and at most module_seconds (MODULE_SECONDS), all before grade_seconds
    (GRADE_SECONDS) from started (time.monotonic(), default now) have passed; return
    (per-test dicts, problems). What the graded code prints is caught per test."""
    module_seconds = MODULE_SECONDS if module_seconds is None else module_seconds
    grade_seconds = GRADE_SECONDS if grade_seconds is None else grade_seconds
    deadline = (time.monotonic() if started is None else started) + grade_seconds
    env = test_env()
    tests, problems = [], []
    for module in modules:
        left = deadline - time.monotonic()
        if left <= 0:
            problems.append(('tests', f"{module} was not run: the grade's limit of "
                                      f'{grade_seconds:g} s was used up'))
            tests.append(_unfinished(module, 'not run'))
            continue
        seconds = min(module_seconds, left)
        found, trouble, hung = run_module(module, folder, python, seconds, env)
        tests += found
        problems += trouble
        if hung is not None:
            limit = (f'its limit of {module_seconds:g} s' if seconds == module_seconds
                     else f"the grade's limit of {grade_seconds:g} s")
            problems.append(('tests', f'{module} did not finish within {limit} ({hung}); its '
                                      'processes were ended. Look there for a loop that never '
                                      'ends, or a wait.'))
            tests.append(_unfinished(module, 'did not finish', seconds))
    problems += [('printing', f"{test['test']} printed {test['printed'][:200]!r}")
                 for test in tests if test['printed']]
    return tests, problems


def grade(archive=ARCHIVE, python=sys.executable, data_dir=None, module_seconds=None,
          grade_seconds=None, modules=COURSE_TESTS):
    """Grade an archive as the course would; return a Report.

    data_dir: a folder already holding the course's two CSVs, to reuse
    (writing them takes a few seconds); by default they are written afresh.
    module_seconds, grade_seconds: the time limits (default MODULE_SECONDS, GRADE_SECONDS),
    counted from this call. modules: the test modules to run (tests grade with fewer).
    Raises GradeError if the archive cannot be graded at all.
    """
    started, clock = time.perf_counter(), time.monotonic()
    archive = Path(archive)
    report = Report(archive=archive, python=str(python))
    with tempfile.TemporaryDirectory(prefix='hw1-grade-') as scratch:
        folder = Path(scratch) / 'submission'
        folder.mkdir()
        unpacked = unpack(archive, folder)
        names = unpacked.names
        report.ignored = unpacked.ignored_line()
        report.problems += [('files', f'{name} is missing') for name in REQUIRED
                            if name not in names]
        report.problems += [('imports', problem) for problem in check_imports(folder, names)]
        report.problems += [('configs', problem) for problem in check_configs(folder)]
        if data_dir is None:
            write_course_data(folder)
        else:
            shutil.copytree(data_dir, folder / 'data')
        add_tests(folder)
        report.tests, problems = run_tests(folder, python, module_seconds, grade_seconds,
                                           started=clock, modules=modules)
        report.problems += problems
    report.seconds = time.perf_counter() - started
    return report


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('archive', nargs='?', type=Path, default=ARCHIVE,
                        help=f'the archive to grade (default {ARCHIVE.name})')
    parser.add_argument('--python', default=sys.executable,
                        help='the interpreter that runs the tests (default: this one)')
    args = parser.parse_args(argv)
    try:
        report = grade(args.archive, args.python)
    except GradeError as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    print(report.table())
    return 0 if report.ok else 1


if __name__ == '__main__':
    sys.exit(main())

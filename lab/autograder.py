"""The Gradescope autograder: the zip staff upload, and the grading that runs inside it.

    build(out_zip)                  # python -m lab.release autograder OUT.zip
    python3 -m lab.autograder data  # setup.sh, once per image: the course's CSVs from the bundle
    python3 -m lab.autograder       # run_autograder, once per submission: results.json

Gradescope unpacks the zip into /autograder/source, runs setup.sh there once, then
/autograder/run_autograder for each submission (its files in /autograder/submission). The
grade copies them into a clean folder beside the course's CSVs and runs the public and
private tests with lab.grade's engine (one interpreter per module, time limits, the import
and config rules), then writes /autograder/results/results.json to Gradescope's
specification: a row per test (points from lab.points), a row per rule of the handout, the
total and a summary. AUTOGRADER_ROOT names another root than /autograder. Whatever happens,
a valid results.json is written. gradescope-utils is not used: its runner runs the tests in
its own process, outside lab.grade's time limits and isolation, and its last release is 2022.
"""
import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
import traceback
import unittest
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from lab import ROOT, grade, points, surface
from lab.files import file_in_the_way, write_atomically
from lab.grade import module_file

# Pinned for Gradescope's default image (Ubuntu 22.04, Python 3.10): the newest releases that
# still support Python 3.10 (numpy 2.3 and matplotlib 3.11 need 3.11), with wheels for 3.10
# to 3.13, so the same pins install on the Ubuntu 24.04 image (3.12) too; within the NumPy
# 1.24-2.x the graded code supports.
PINS = {'numpy': '2.2.6', 'matplotlib': '3.10.8', 'PyYAML': '6.0.2'}
ENGINE = ('lab/__init__.py', 'lab/grade.py', 'lab/grade_runner.py', 'lab/data.py',
          'lab/files.py', 'lab/points.py', 'lab/autograder.py', 'lab/import_check.py',
          'lab/surface.py')
BUNDLE = 'data/mnist.npz'
# Listed when the zip is built: the test ids of each module, and those the release passes.
MANIFEST = 'tests.json'
COURSE_DATA = ROOT / 'course'     # setup.sh writes the course's CSVs into its data/
IMPORT_CHECK = 'tests.test_graded_files_import'
DEFAULT_ROOT = '/autograder'
# Gradescope's own limit is 10 minutes by default; the public and private tests take about
# 20 s on an idle 2-core machine. Per module as lab.grade; all modules before 7 minutes.
GRADE_SECONDS = 420
OUTPUT_CHARS = 4000               # what one test's output keeps (a traceback's end)
VISIBILITY = {'public': 'visible', 'private': 'after_published'}

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder's image: install what the tests
# need, pinned, then write the course's two CSVs from the bundle (grading never downloads).
set -euo pipefail
cd "$(dirname "$0")"
if ! python3 -m pip --version >/dev/null 2>&1; then
    apt-get update
    apt-get install -y --no-install-recommends python3 python3-pip
fi
# Ubuntu 24.04's pip refuses system-wide installs (PEP 668) unless told; older pips ignore it.
export PIP_BREAK_SYSTEM_PACKAGES=1
# {why}
python3 -m pip install --no-cache-dir {pins}
python3 -m lab.autograder data
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for each submission: grade it and write results/results.json.
ROOT="${AUTOGRADER_ROOT:-/autograder}"
cd "$ROOT/source" && python3 -m lab.autograder "$@"
status=$?
# lab.autograder always writes results.json; if Python itself could not start, say so.
if [ ! -s "$ROOT/results/results.json" ]; then
    mkdir -p "$ROOT/results"
    why="The autograder could not start (exit code $status): your submission was not graded."
    printf '{"score": 0, "output": "%s", "tests": []}\\n' "$why" > "$ROOT/results/results.json"
fi
"""


class BuildError(Exception):
    """The autograder zip cannot be built as things are: the message says why and what to do."""


# ---------------------------------------------------------------------------
# Building the zip
# ---------------------------------------------------------------------------

@dataclass
class Built:
    """What build() wrote: the zip and its test modules."""
    path: Path
    tests: int
    modules: list

    def summary(self):
        return (f'{self.path}: {len(self.modules)} test modules, {self.tests} tests, '
                f'{self.path.stat().st_size / 2**20:.1f} MiB')


def private_modules(root=ROOT):
    """(the PRIVATE_TESTS modules present under root, those missing)."""
    present = [m for m in points.PRIVATE_TESTS if (root / module_file(m)).is_file()]
    return present, [m for m in points.PRIVATE_TESTS if m not in present]


def test_ids(module):
    """The ids of every test of a module ('tests.test_loss.TestSoftmax.test_x', ...)."""
    def flatten(suite):
        for test in suite:
            yield from flatten(test) if isinstance(test, unittest.TestSuite) else [test]
    loaded = unittest.defaultTestLoader.loadTestsFromName(module)
    ids = [test.id() for test in flatten(loaded)]
    broken = [test_id for test_id in ids if test_id.startswith('unittest.loader._Failed')]
    if broken:
        raise BuildError(f'{module} cannot be loaded: fix it, then build again.')
    return ids


def every_id(listed):
    """The test ids of a listing, public then private."""
    return [test_id for kind in listed.values() for ids in kind.values() for test_id in ids]


def manifest(public=points.PUBLIC_TESTS, private=()):
    """{'public': {module: [test ids]}, 'private': {...}}, every class checked against
    lab.points (BuildError naming the classes it lacks)."""
    listed = {kind: {module: test_ids(module) for module in modules}
              for kind, modules in (('public', public), ('private', private))}
    every = every_id(listed)
    unknown = sorted({test_id.rsplit('.', 1)[0] for test_id in every
                      if test_id.split('.')[-2] not in points.CLASSES})
    if unknown:
        raise BuildError(f"test classes missing from lab/points.py's CLASSES: "
                         f"{', '.join(unknown)}. Give each a section (or None for 0 points).")
    return listed


def _project_text(name):
    return (ROOT / name).read_text(encoding='utf-8')


def stub_passes(listed):
    """The tests of listed that the student release passes (lab.surface.strip on each of
    lab.surface.FILES), graded with lab.grade's engine on the bundle's data."""
    with tempfile.TemporaryDirectory(prefix='hw1-autograder-build-') as scratch:
        folder = Path(scratch) / 'submission'
        for name, text in surface.released(_project_text, grade.ALLOWED_IMPORTS).items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(text, encoding='utf-8')
        (folder / 'data').mkdir()
        os.symlink(ROOT / BUNDLE, folder / BUNDLE)
        add_tests(folder, listed, import_check=False)
        records, problems = grade.run_tests(folder, modules=[*listed['public'],
                                                             *listed['private']])
    stopped = [problem for check, problem in problems if check == 'tests']
    if stopped:
        raise BuildError('the student release cannot be graded to the end, so the tests it '
                         f"passes are unknown: {'; '.join(stopped)}")
    return sorted(record['test'] for record in records if record['outcome'] == 'pass')


def read_manifest(root=ROOT):
    """(listed, stub passes) as build() wrote them into the zip."""
    written = json.loads((root / MANIFEST).read_text())
    return written['modules'], written['stub_passes']


def setup_sh():
    """setup.sh's text, with the pins."""
    pins = ' '.join(f'{name}=={version}' for name, version in PINS.items())
    why = 'numpy, matplotlib, PyYAML: see PINS in lab/autograder.py for why these versions.'
    return SETUP_SH.replace('{pins}', pins).replace('{why}', why)


def _check_out(out_zip):
    out_zip = Path(out_zip)
    if out_zip.is_dir():
        raise BuildError(f'{out_zip} is a folder: give the zip file to write, e.g. '
                         f'{out_zip / "autograder.zip"}.')
    blocking = file_in_the_way(out_zip)
    if blocking is not None:
        raise BuildError(f'{blocking} is a file where a folder belongs: give another path.')
    if not out_zip.parent.is_dir():
        raise BuildError(f'the folder {out_zip.parent} does not exist: make it first '
                         f'(mkdir -p {out_zip.parent}), or give another path.')
    return out_zip


def _check_data():
    import utils
    from lab import data
    if not (ROOT / BUNDLE).is_file():
        raise BuildError(f"the project's data {ROOT / BUNDLE} is missing: restore it "
                         '(git checkout -- data/mnist.npz, or python data/download_mnist.py).')
    try:
        data.originals()      # the bundle must be MNIST to the last byte
    except utils.MnistDataError as err:
        raise BuildError(f"the project's data cannot go into the autograder: {err}") from None


def _add(zipped, name, content, executable=False):
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (0o100755 if executable else 0o100644) << 16
    zipped.writestr(info, content)


def build(out_zip):
    """Write the Gradescope autograder zip to out_zip (a Path); return a Built.
    Raises BuildError if out_zip is a folder or its folder is missing, the data is missing or
    damaged, a private test module or a test class is missing from lab.points."""
    out_zip = _check_out(out_zip)
    _check_data()
    present, missing = private_modules()
    if missing:
        raise BuildError(f"private test modules missing: {', '.join(missing)}; without them "
                         'the autograder would grade with the public tests alone. Restore '
                         'them (git checkout -- tests/private), or take them out of '
                         "lab/points.py's PRIVATE_TESTS.")
    listed = manifest(points.PUBLIC_TESTS, present)
    passes = stub_passes(listed)
    try:
        points.max_scores(every_id(listed), passes)
    except ValueError as err:
        raise BuildError(str(err)) from None
    modules = [*listed['public'], *listed['private']]
    files = [*ENGINE, 'tests/__init__.py', *(module_file(m) for m in modules)]
    files.append('tests/private/__init__.py')

    def write(out):
        with zipfile.ZipFile(out, 'w') as zipped:
            _add(zipped, 'setup.sh', setup_sh(), executable=True)
            _add(zipped, 'run_autograder', RUN_AUTOGRADER, executable=True)
            _add(zipped, MANIFEST, json.dumps({'modules': listed, 'stub_passes': passes},
                                              indent=1))
            for name in files:
                _add(zipped, name, (ROOT / name).read_bytes())
            # lab.data needs utils' names and loaders, not the solution: submitted code can
            # read any file of the image, so the zip holds utils.py as the release has it.
            _add(zipped, 'utils.py', surface.released(_project_text, ['utils.py'])['utils.py'])
            # Stored: the bundle is compressed already.
            zipped.write(ROOT / BUNDLE, BUNDLE, compress_type=zipfile.ZIP_STORED)
    write_atomically(out_zip, write)
    return Built(out_zip, len(every_id(listed)), modules)


# ---------------------------------------------------------------------------
# On Gradescope: the submission into a clean folder
# ---------------------------------------------------------------------------

@dataclass
class Copied:
    """What copy_submission() copied (POSIX names in the grading folder), what it left out,
    and the one folder the files sat in ('' if at the root)."""
    names: list
    ignored: list
    top: str = ''


def _submitted_files(submission):
    """[(POSIX path relative to submission, Path)] of its regular files, symbolic links and
    the operating systems' extras left out ([ignored names] second)."""
    found, ignored = [], []
    for directory, subdirs, files in os.walk(submission):
        subdirs.sort()
        for name in sorted(files):
            path = Path(directory) / name
            relative = path.relative_to(submission).as_posix()
            parts = PurePosixPath(relative).parts
            if path.is_symlink() or not path.is_file() or any(
                    found_(parts) for found_ in grade.OS_EXTRAS.values()):
                ignored.append(relative)
            else:
                found.append((relative, path))
        if len(found) > grade.MAX_MEMBERS:
            raise grade.GradeError(f'the submission holds over {grade.MAX_MEMBERS:,} files: '
                                   'submit the code only (15 files).')
    return found, ignored


def copy_submission(submission, folder):
    """Copy the submission folder's files into folder; return a Copied. Files inside one
    folder that holds the whole submission (hw1/utils.py, ...) move up to folder's root, as
    students upload the archive's files or its folder. The course's folders (data/, tests/)
    are the grader's: a submitted one is left out. Raises GradeError past lab.grade's size
    limits."""
    submission, folder = Path(submission), Path(folder)
    if not submission.is_dir():
        raise grade.GradeError(f'no submission folder at {submission}')
    found, ignored = _submitted_files(submission)
    total = 0
    for relative, path in found:
        size = path.stat().st_size
        if size > grade.MAX_MEMBER_BYTES:
            raise grade.GradeError(f'{relative} is {size:,} bytes, over the limit of '
                                   f'{grade.MAX_MEMBER_BYTES:,}: submit the code only.')
        total += size
    if total > grade.MAX_TOTAL_BYTES:
        raise grade.GradeError(f'the submission is {total:,} bytes, over the limit of '
                               f'{grade.MAX_TOTAL_BYTES:,}: submit the code only (about 100 KB).')
    top = grade.one_folder_top([relative for relative, _ in found]) or ''
    names = []
    for relative, path in found:
        name = relative.split('/', 1)[1] if top else relative
        if name.split('/')[0] in grade.GRADER_FOLDERS:
            ignored.append(relative)
            continue
        target = folder.joinpath(*name.split('/'))
        if file_in_the_way(target) is not None or target.is_dir():
            ignored.append(relative)     # a file where a folder of the submission belongs
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        names.append(name)
    return Copied(sorted(names), sorted(ignored), top)


def add_tests(folder, listed, import_check=True):
    """Copy the test modules of listed, and the import check, into folder/tests."""
    grade.add_tests(folder, [*listed['public'], *listed['private']])
    if import_check:
        shutil.copyfile(ROOT / 'lab/import_check.py', folder / module_file(IMPORT_CHECK))


# ---------------------------------------------------------------------------
# On Gradescope: the grade and results.json
# ---------------------------------------------------------------------------

def _link_or_copy(source, target):
    """A hard link (the CSVs are 130 MB: no copy per grade), or a copy across file systems."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


@dataclass
class Outcome:
    """What one grade found: the engine's rows and problems, the missing files, the copy."""
    records: list
    problems: list
    missing: list
    copied: Copied
    seconds: float = 0.0


def missing_code(names):
    """The graded Python files not among names. A missing config is not one: the configs
    rule names it (check_configs), worth what RULE_PENALTIES says, and the code still runs."""
    return [name for name in grade.ALLOWED_IMPORTS if name not in names]


def run(submission, module_seconds=None, grade_seconds=GRADE_SECONDS, python=sys.executable):
    """Grade the submission folder with lab.grade's engine; return an Outcome."""
    started, clock = time.perf_counter(), time.monotonic()
    listed, _ = read_manifest()
    with tempfile.TemporaryDirectory(prefix='hw1-autograder-') as scratch:
        folder = Path(scratch) / 'submission'
        folder.mkdir()
        copied = copy_submission(submission, folder)
        missing = missing_code(copied.names)
        problems = [('imports', problem) for problem in grade.check_imports(folder, copied.names)]
        problems += [('configs', problem) for problem in grade.check_configs(folder)]
        shutil.copytree(COURSE_DATA / 'data', folder / 'data', copy_function=_link_or_copy)
        add_tests(folder, listed)
        modules = [IMPORT_CHECK, *listed['public'], *listed['private']]
        records, found = grade.run_tests(folder, python, module_seconds, grade_seconds,
                                         started=clock, modules=modules)
    return Outcome(records, problems + found, missing, copied,
                   time.perf_counter() - started)


def _clip(text):
    text = text.rstrip()
    return text if len(text) <= OUTPUT_CHARS else '\u2026' + text[-OUTPUT_CHARS:]


def _unfinished(record):
    """The module of an engine row standing for a module that did not finish, stopped or was
    not run ('tests.test_loss.(did not finish)'), else None."""
    module, _, outcome = record['test'].rpartition('.(')
    return module if outcome.endswith(')') and record['outcome'] == 'ERROR' else None


def _rule(name, broken, kept, penalty=0):
    """A rule's row: visible, 0 points, or -penalty when broken."""
    output = ('Broken:\n' + '\n'.join(f'- {line}' for line in broken)) if broken else kept
    if broken and penalty:
        output += f'\n\nThis costs {penalty:g} points (lab/points.py, RULE_PENALTIES).'
    return {'name': name, 'score': -penalty if broken else 0.0, 'max_score': 0.0,
            'output': _clip(output), 'visibility': 'visible'}


def _last_line(record):
    """The last line of an engine row's traceback (the error), or its outcome."""
    lines = record['detail'].strip().splitlines()
    return lines[-1] if lines else record['outcome']


def _for_students(problem):
    """problem as a visible row may show it: a private test's name becomes 'a private test',
    and what a private module wrote to stderr when it stopped (its traceback, private test
    code) is left out; the private tests' own rows, shown when grades are published, keep it."""
    if 'tests.private.' not in problem:
        return problem
    problem = re.sub(r'\(exit code (-?\d+)\):.*', r'(exit code \1).', problem, flags=re.S)
    return re.sub(r'tests\.private\.[\w.]+', 'a private test', problem)


def rule_rows(outcome):
    """The handout's rules as rows, and whether a zero-score rule is broken."""
    by_check = {}
    for check, problem in outcome.problems:
        by_check.setdefault(check, []).append(problem)
    runs = [f'{name} is missing' for name in outcome.missing]
    runs += [f"{record['test'].rsplit('.', 1)[1].replace('_', ' ')} failed: {_last_line(record)}"
             for record in outcome.records
             if record['test'].startswith(IMPORT_CHECK) and record['outcome'] != 'pass'
             and not _unfinished(record)]
    runs += [_for_students(problem) for problem in by_check.get('tests', [])]
    rows = [
        _rule('Rule: your code runs in the test environment (else the score is 0)', runs,
              'Kept: every required file is there, the graded files import, and every test '
              'module ran to the end within its time limit.'),
        _rule('Rule: your code prints nothing that was not asked (else the score is 0)',
              [_for_students(problem) for problem in by_check.get('printing', [])],
              'Kept: nothing was printed.'),
        _rule('Rule: the graded files import only what the skeleton imports',
              by_check.get('imports', []), 'Kept: no added imports.',
              points.RULE_PENALTIES.get('imports', 0)),
        _rule("Rule: the default configs keep the course's values",
              by_check.get('configs', []), 'Kept: the default configs are unchanged.',
              points.RULE_PENALTIES.get('configs', 0)),
    ]
    return rows, bool(runs or by_check.get('printing'))


def _not_run(module, outcome):
    """Why the tests of module have no row of their own."""
    why = [problem for check, problem in outcome.problems
           if check == 'tests' and problem.startswith(module)]
    failed = [record['detail'] for record in outcome.records
              if record['test'].startswith('unittest.loader._FailedTest.' + module)]
    if failed:
        return f'Not run: {module} could not be imported:\n{failed[0]}'
    return f"Not run: {why[0] if why else module + ' did not run'}."


def _set_up_errors(records):
    """{class or module id: its record} for the setUpClass and setUpModule errors among
    records (unittest names them 'setUpClass (tests.test_x.TestY)'), taken out of records."""
    found = {}
    for test_id in list(records):
        kind, _, rest = test_id.partition(' (')
        if kind in ('setUpClass', 'setUpModule') and rest.endswith(')'):
            found[rest[:-1]] = records.pop(test_id)
    return found


def test_rows(listed, passes, outcome, zeroed):
    """A row per test of the manifest, then a row per engine row it does not list."""
    kinds = {module: kind for kind, modules in listed.items() for module in modules}
    ids = every_id(listed)
    most = points.max_scores(ids, passes)
    records = {record['test']: record for record in outcome.records}
    set_up = _set_up_errors(records)
    rows = []
    for test_id in ids:
        module = test_id.rsplit('.', 2)[0]
        record = records.pop(test_id, None)
        passed = record is not None and record['outcome'] == 'pass'
        failed_set_up = set_up.get(test_id.rsplit('.', 1)[0]) or set_up.get(module)
        if record is None and failed_set_up is not None:
            output = (f"{failed_set_up['test'].split(' ')[0]} failed, so this test could not "
                      f"run:\n{failed_set_up['detail']}")
        elif record is None:
            output = _not_run(module, outcome)
        elif passed:
            output = 'Passed.' + (' It scores 0: a rule above sets the total to 0.'
                                  if zeroed and most[test_id] else '')
        else:
            output = f"{record['outcome']}:\n{record['detail']}"
        if test_id in passes and points.section_of(test_id):
            output = "Worth 0 points: the skeleton's stubs pass this test too.\n" + output
        rows.append({'name': test_id.split('.', 1)[1], 'score': most[test_id]
                     if passed and not zeroed else 0.0, 'max_score': most[test_id],
                     'output': _clip(output), 'visibility': VISIBILITY[kinds[module]]})
    for test_id, record in records.items():
        if test_id.startswith(IMPORT_CHECK) or _unfinished(record):
            continue
        private = any(module in test_id for module in listed['private'])
        rows.append({'name': test_id, 'score': 0.0, 'max_score': 0.0,
                     'output': _clip(f"{record['outcome']}:\n{record['detail']}"),
                     'visibility': VISIBILITY['private' if private else 'public']})
    return rows


def summary(listed, rows, rules, zeroed, total, copied):
    """The results' top output: the score (the total only where it tells nothing of the
    private tests), the public points per section, the rules."""
    public = [test_id for ids in listed['public'].values() for test_id in ids]
    scores = {row['name']: row for row in rows}
    if zeroed:
        lines = ['Score: 0 (a rule of the handout sets it to 0: see the rules below)']
    elif listed['private']:
        lines = ['Private tests score too: your total shows when grades are published.']
    else:
        lines = [f'Total: {total:g} / {sum(points.SECTIONS.values())} points']
    lines.append('Public tests, per section:')
    for section in points.SECTIONS:
        mine = [scores[test_id.split('.', 1)[1]] for test_id in public
                if points.section_of(test_id) == section]
        lines.append(f"  {section}: {sum(row['score'] for row in mine):g} / "
                     f"{sum(row['max_score'] for row in mine):g}")
    broken = [rule['name'] for rule in rules if rule['output'].startswith('Broken')]
    lines.append('Rules: ' + ('all kept.' if not broken else 'broken: ' + '; '.join(broken)))
    if copied is not None and copied.top:
        lines.append(f'Your files sat in the folder {copied.top}/: graded from there.')
    if copied is not None and copied.ignored:
        lines.append(f"Left out: {', '.join(copied.ignored[:10])}"
                     + (' ...' if len(copied.ignored) > 10 else ''))
    return '\n'.join(lines)


def results(listed, outcome, passes=()):
    """results.json's content (Gradescope's specification) for a grade's Outcome; listed,
    passes: the manifest's test ids and those the student release passes."""
    rules, zeroed = rule_rows(outcome)
    rows = test_rows(listed, passes, outcome, zeroed)
    every = rules + rows
    total = 0.0 if zeroed else max(0.0, round(sum(row['score'] for row in every),
                                              points.DECIMALS))
    return {'score': total, 'execution_time': round(outcome.seconds),
            'output': summary(listed, rows, rules, zeroed, total, outcome.copied),
            'stdout_visibility': 'hidden', 'tests': every}


def failure(message):
    """results.json's content when the submission cannot be graded at all."""
    return {'score': 0.0, 'output': message, 'tests': [
        {'name': 'Grading', 'score': 0.0, 'max_score': 0.0,
         'output': message, 'visibility': 'visible'}]}


def write_results(root, content):
    """Write root/results/results.json; return its path."""
    folder = Path(root) / 'results'
    folder.mkdir(parents=True, exist_ok=True)
    return write_atomically(folder / 'results.json', json.dumps(content, indent=1))


def grade_main(root, module_seconds, grade_seconds):
    """Grade root/submission into root/results/results.json, whatever happens; 0 always
    (Gradescope reads results.json, not the exit code)."""
    write_results(root, failure('The autograder did not finish (it was stopped, or ran out of '
                                "Gradescope's time): your submission was not graded. Tell "
                                'the course staff.'))
    try:
        listed, passes = read_manifest()
        outcome = run(Path(root) / 'submission', module_seconds, grade_seconds)
        content = results(listed, outcome, passes)
    except grade.GradeError as err:
        content = failure(f"Your submission cannot be graded: {str(err).rstrip('.')}. "
                          'Score: 0.')
    except Exception:     # noqa: BLE001 -- whatever it is, the student must get a results.json
        print(traceback.format_exc(), file=sys.stderr)
        content = failure('The autograder hit an unexpected error, not caused by a rule of the '
                          'handout: your submission was not graded. Tell the course staff. '
                          f'({traceback.format_exc().strip().splitlines()[-1]})')
    write_results(root, content)
    print(json.dumps(content, indent=1)[:20000])    # for staff: Gradescope keeps stdout
    return 0


def write_data():
    """setup.sh's step: the course's CSVs under COURSE_DATA/data, from the bundle."""
    return grade.write_course_data(COURSE_DATA)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('step', nargs='?', choices=('grade', 'data'), default='grade',
                        help='grade (run_autograder, the default) or data (setup.sh)')
    parser.add_argument('--module-seconds', type=float, default=None,
                        help=f'time limit per test module (default {grade.MODULE_SECONDS})')
    parser.add_argument('--grade-seconds', type=float, default=GRADE_SECONDS,
                        help=f'time limit of the whole grade (default {GRADE_SECONDS})')
    args = parser.parse_args(argv)
    if args.step == 'data':
        print(f'wrote the course CSVs into {write_data()}')
        return 0
    return grade_main(os.environ.get('AUTOGRADER_ROOT', DEFAULT_ROOT), args.module_seconds,
                      args.grade_seconds)


if __name__ == '__main__':
    sys.exit(main())

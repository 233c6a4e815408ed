"""For the course staff: the student release and the Gradescope autograder, from one source.

    python -m lab.release student OUT_DIR      # the folder handed out to students
    python -m lab.release autograder OUT.zip   # Gradescope's autograder (lab.autograder.build)

student() takes the project as committed in git HEAD (or the folder, outside git), so that
no one's answers, outputs, edited configs or runs ship. It strips each body of
lab.surface.SURFACE to its TODO stub, clears both notebooks to the write-up template, and
keeps the course-named public tests, the data and the part of lab/ that the notebooks, the
tests and the pre-flight grader import (followed through their imports, so that the list
cannot drift). It writes a README made from SURFACE. Nothing staff-only ships (STAFF_ONLY).
"""
import argparse
import ast
import functools
import io
import subprocess
import sys
import tarfile
from pathlib import Path, PurePosixPath

import nbformat

from lab import ROOT, autograder, grade, surface, writeup
from lab.files import file_in_the_way

# What never ships: the staff's tools, which name or hold the solution.
STAFF_ONLY = ('lab.release', 'lab.surface', 'lab.autograder', 'lab.points', 'lab.import_check')
NOTEBOOKS = ('main.ipynb', 'collect_submission.ipynb')
# Shipped as committed. pyproject.toml is left out: it configures our style checker only.
AS_IS = ('data/mnist.npz', 'data/download_mnist.py', 'requirements.txt',
         'requirements-dev.txt', '.gitignore', 'tests/__init__.py')
AS_IS_FOLDERS = ('configs', 'jupyter')
# What the student runs as a command, besides what the notebooks and the tests import.
COMMANDS = ('lab.grade',)
# A run's traces in a notebook's metadata (Jupyter's timings, papermill's records).
RUN_METADATA = ('execution', 'papermill', 'collapsed', 'scrolled')


class ReleaseError(Exception):
    """The release cannot be made as things are: the message says what and how to fix it."""


# ---------------------------------------------------------------------------
# The project's files: as committed, or as they are
# ---------------------------------------------------------------------------

def _git(root, *args):
    """git's output for args in root, or None if git is missing or fails."""
    try:
        done = subprocess.run(['git', *args], cwd=root, capture_output=True)
    except OSError:
        return None
    return done.stdout if done.returncode == 0 else None


class Source:
    """The project's files by POSIX name: as committed in git HEAD when root is the top of
    a git checkout, else the files in root."""

    def __init__(self, root=ROOT):
        self.root = Path(root).resolve()
        top = _git(self.root, 'rev-parse', '--show-toplevel')
        self.commit, self.files = None, None
        if top is not None and Path(top.decode().strip()).resolve() == self.root:
            commit = _git(self.root, 'rev-parse', '--short', 'HEAD')
            tar = _git(self.root, 'archive', '--format=tar', 'HEAD')
            if commit is not None and tar is not None:
                self.commit, self.files = commit.decode().strip(), _untar(tar)

    def names(self, folder):
        """The names of the files under folder ('lab', 'configs'), sorted."""
        if self.files is not None:
            return sorted(name for name in self.files if name.startswith(folder + '/'))
        return sorted(path.relative_to(self.root).as_posix()
                      for path in (self.root / folder).rglob('*') if path.is_file()
                      and '__pycache__' not in path.parts and path.suffix != '.pyc')

    def read(self, name):
        """The bytes of the file name; ReleaseError if it is missing."""
        if self.files is not None:
            if name not in self.files:
                raise ReleaseError(f'{name} is not committed in {self.root} (git HEAD '
                                   f'{self.commit}): commit it, then make the release again.')
            return self.files[name]
        try:
            return (self.root / name).read_bytes()
        except OSError as err:
            raise ReleaseError(f'cannot read {self.root / name} ({err.strerror}).') from None

    def text(self, name):
        return self.read(name).decode('utf-8')

    def uncommitted(self, names):
        """Which of names differ in the folder from the commit (none outside git)."""
        if self.files is None:
            return []
        changed = _git(self.root, 'status', '--porcelain', '-z', '--', *names) or b''
        return sorted(entry[3:].decode() for entry in changed.split(b'\0') if entry[3:])

    def origin(self):
        return (f'git HEAD {self.commit} of {self.root}' if self.files is not None
                else f'the folder {self.root} (not a git checkout)')


def _untar(data):
    """{name: bytes} of the regular files in a tar archive's bytes."""
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return {member.name: tar.extractfile(member).read() for member in tar.getmembers()
                if member.isfile()}


# ---------------------------------------------------------------------------
# What the release holds
# ---------------------------------------------------------------------------

def graded_files(source):
    """{name: text} of the graded Python files: the surface's files stripped to their
    stubs, the others (models/__init__.py, optimizer/__init__.py) as they are."""
    return surface.released(source.text, grade.ALLOWED_IMPORTS)


def template_notebook(raw, name):
    """The notebook's text with no outputs, execution counts or run traces; ReleaseError if
    its name block or write-up answers are filled in (or main.ipynb has no write-up)."""
    nb = writeup.without_banners(nbformat.reads(raw.decode('utf-8'), as_version=4))
    for cell in nb.cells:
        if cell.cell_type == 'code':
            cell.outputs, cell.execution_count = [], None
        for key in RUN_METADATA:
            cell.metadata.pop(key, None)
    nb.metadata.pop('papermill', None)
    filled = [label for label in writeup.IDENTITY if label not in writeup.missing_identity(nb)]
    questions = [writeup.QUESTION_HEADING.match(writeup.heading(nb.cells[k])).group(1)
                 for k in writeup.questions_of(nb)]
    answered = [q for q in questions if q not in writeup.unanswered_questions(nb)]
    if name == writeup.MAIN and writeup.write_up_start(nb) is None:
        raise ReleaseError(f'{name} has no write-up template ("# Write-up" and its '
                           'questions): restore it, commit, and make the release again.')
    if filled or answered:
        what = ', '.join([*filled, *(f'the answer to {q}' for q in answered)])
        raise ReleaseError(f'{name} is not the template: {what} filled in. A release ships '
                           f"no one's answers: empty them (answers read "
                           f"'{writeup.ANSWER_TEMPLATE}'), commit, and make the release again.")
    return nbformat.writes(nb) + '\n'


def _module_file(module, source):
    """lab.x -> 'lab/x.py' (lab -> 'lab/__init__.py'), or None if source has no such file."""
    parts = module.split('.')
    for name in ('/'.join(parts) + '.py', '/'.join(parts) + '/__init__.py'):
        if name in source.names(parts[0]):
            return name
    return None


@functools.lru_cache(maxsize=None)
def _nodes(code):
    """Every node of Python code's syntax tree (parsed once per text: kept_lab asks twice)."""
    return list(ast.walk(ast.parse(code)))


def lab_imports(code, source, package=None):
    """The lab modules ('lab', 'lab.runs', ...) that Python code imports, wherever in it
    (functions too). package: the importing lab module's package (None outside lab/),
    for relative imports."""
    found = set()
    for node in _nodes(code):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ''
            if node.level and package is None:    # outside lab/: a package of its own
                continue
            if node.level:      # from . import x, inside package: relative to it
                anchor = package.split('.')[:len(package.split('.')) - node.level + 1]
                base = '.'.join(anchor + ([base] if base else []))
            names = [base] + [f'{base}.{alias.name}' for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split('.')
            if parts[0] == 'lab':
                found.update('.'.join(parts[:end]) for end in range(1, len(parts) + 1)
                             if _module_file('.'.join(parts[:end]), source))
    return found


def notebook_code(raw):
    """The Python of a notebook's code cells, IPython's %magics and !commands left out."""
    nb = nbformat.reads(raw.decode('utf-8'), as_version=4)
    return '\n'.join(line for cell in nb.cells if cell.cell_type == 'code'
                     for line in cell.source.splitlines()
                     if not line.lstrip().startswith(('%', '!')))


def kept_lab(source, roots):
    """{name: bytes} of lab/'s files the release needs: the modules roots (Python code)
    import, followed through theirs, and the other files of lab/ they name (grade_runner.py,
    the PDF's template). ReleaseError if a staff-only module is reached."""
    modules, todo = set(COMMANDS), set(COMMANDS)
    for code in roots:
        todo |= lab_imports(code, source)
    while todo:
        module = todo.pop()
        modules.add(module)
        if module in STAFF_ONLY:
            raise ReleaseError(f'the student release would need {module}, which is for staff '
                               'only (it names or holds the solution): the notebooks, tests '
                               'and lab.grade must not import it.')
        name = _module_file(module, source)
        if name is None:      # only a command can be missing: imports are of files found
            raise ReleaseError(f'{module} is missing from {source.origin()}: restore it.')
        package = module if name.endswith('__init__.py') else module.rpartition('.')[0]
        todo |= lab_imports(source.text(name), source, package) - modules
    kept = {_module_file(module, source) for module in modules}
    named = {node.value for name in kept for node in _nodes(source.text(name))
             if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    staff = {_module_file(module, source) for module in STAFF_ONLY}
    kept |= {name for name in source.names('lab')
             if PurePosixPath(name).name in named and name not in staff}
    return {name: source.read(name) for name in sorted(kept)}


def release_files(source):
    """{name: bytes} of the whole student release."""
    files = {name: text.encode() for name, text in graded_files(source).items()}
    files.update({name: source.read(name) for name in AS_IS})
    files.update({name: source.read(name) for folder in AS_IS_FOLDERS
                  for name in source.names(folder)})
    files.update({grade.module_file(module): source.read(grade.module_file(module))
                  for module in grade.COURSE_TESTS})
    files.update({name: template_notebook(source.read(name), name).encode()
                  for name in NOTEBOOKS})
    roots = [notebook_code(source.read(name)) for name in NOTEBOOKS]
    roots += [files[name].decode() for name in files if name.endswith('.py')]
    files.update(kept_lab(source, roots))
    files['README.md'] = student_readme(source).encode()
    return files


# ---------------------------------------------------------------------------
# The students' README, made from SURFACE
# ---------------------------------------------------------------------------

def _test_line(module, source):
    """'- `python -m unittest tests.test_x`: its docstring's first paragraph'."""
    code = source.text(grade.module_file(module))
    summary = ' '.join((ast.get_docstring(ast.parse(code)) or '').split('\n\n')[0].split())
    return f'- `python -m unittest {module}`: {summary}'


def student_readme(source):
    """The students' README: what the folder holds, the TODOs with their handout sections
    (from SURFACE), and how to test, run, pre-flight grade and submit."""
    todos = [f'| `{part.file}` | `{part.function}` | {part.section} | {part.task} |'
             for part in surface.SURFACE]
    return '\n'.join([
        '# HW1: softmax regression and a two-layer network on MNIST', '',
        "The assignment's code, with the parts you write left as TODOs. Everything else is",
        'complete: loading the CSVs, the weight initialisation, `train` and `evaluate`, the',
        'notebook that trains and compares the models, and a pre-flight grader.', '',
        '## What is here', '',
        '| path | what it holds |', '|---|---|',
        '| `utils.py`, `models/`, `optimizer/` | the code you complete and submit |',
        '| `configs/` | the configs the notebook trains; do not change the two course '
        'defaults, `config_exp.yaml` is yours to tune |',
        '| `main.ipynb` | the notebook: training, experiments, and the write-up with your '
        'name and answers |',
        '| `collect_submission.ipynb` | builds `hw1_code_submission.zip`, grades it, and '
        'makes the PDF of `main.ipynb` |',
        '| `tests/` | the public unit tests |',
        '| `data/` | MNIST (`mnist.npz`) and `download_mnist.py`, which fetches it again |',
        '| `lab/` | what the notebooks call: training runs, plots, the archive, the '
        'pre-flight grader, the PDF; not part of your submission |',
        '| `jupyter/` | the kernel for headless runs (`JUPYTER_PATH=jupyter`) |',
        '| `requirements.txt`, `requirements-dev.txt` | what the notebook needs; what '
        'headless runs, the PDF and the tests add |', '',
        '## What to write', '',
        'Each function below holds a TODO saying what to write; replace the TODO and the',
        'placeholder `return` with your code. Keep the signatures, the imports of each file',
        '(adding one costs the whole score), and print nothing beyond the progress lines',
        'of `train` and `evaluate`.', '',
        '| file | function | handout | what to write |', '|---|---|---|---|', *todos, '',
        '## Testing your code', '',
        'Install what the tests and the notebook need, once (Python 3.8 or newer):', '',
        '```bash', 'python3 -m venv .venv && .venv/bin/pip install -r requirements-dev.txt',
        '```', '',
        'Then run one test module at a time as you write each part, from this folder:', '',
        *[_test_line(module, source) for module in grade.COURSE_TESTS], '',
        '(`.venv/bin/python -m unittest ...` if the virtual environment is not active.)', '',
        '## Running the notebook', '',
        '- **Jupyter:** `JUPYTER_PATH=jupyter .venv/bin/jupyter notebook main.ipynb`, then run '
        'all cells.',
        '- **Headless:** `mkdir -p runs && JUPYTER_PATH=jupyter .venv/bin/python -m papermill '
        'main.ipynb runs/main.ipynb`; add `-p QUICK True` (and write to '
        '`runs/main_quick.ipynb`) for a one-epoch check of every cell.',
        '- **Colab:** upload this folder to your Google Drive (for example as `My Drive/hw1`),',
        "  open `main.ipynb` with Colab, set `FOLDER` in cell 1 to the folder's path",
        "  (`'MyDrive/hw1'`) and run all cells. Nothing needs installing.", '',
        'Write your name, student ID and collaborators in the first cell, and your answers to',
        '5(a), 5(b) and 5(c) at the end, in place of *(your answer)*. Save the notebook.', '',
        '## Pre-flight grade and submission', '',
        'Run `collect_submission.ipynb` (in Jupyter or Colab, or headless: `JUPYTER_PATH=jupyter',
        '.venv/bin/python -m papermill collect_submission.ipynb runs/collect_submission.ipynb`).',
        'It builds `hw1_code_submission.zip` (`configs/`, `models/`, `optimizer/`, `utils.py`),',
        'grades it as the course would, and makes `main.pdf`, which needs pandoc and XeLaTeX.',
        'In a terminal, the archive and its grade alone:', '',
        '```bash',
        '.venv/bin/python -c "from lab.archive import make_archive; make_archive()"',
        '.venv/bin/python -m lab.grade hw1_code_submission.zip', '```', '',
        "The grade runs the public tests on the archive alone, with the course's data, and",
        'checks the rules that cost the whole score: an added import, printing, a changed',
        'default config. The course grades with further, private tests: a full score here is',
        'necessary, not sufficient.', '',
        'Upload `hw1_code_submission.zip` to "HW1 Coding" and `main.pdf` to "HW1 Code PDF",',
        "and tag each question's pages.", ''])


# ---------------------------------------------------------------------------
# Writing it
# ---------------------------------------------------------------------------

def _check_out_dir(out_dir, root):
    """ReleaseError unless out_dir can take the release: a new or empty folder outside
    the project."""
    out_dir = Path(out_dir).resolve()
    if out_dir == root or root in out_dir.parents:
        raise ReleaseError(f'{out_dir} is inside the project ({root}): give a folder '
                           'outside it, so that the release never mixes with the solution.')
    if out_dir.exists() and not out_dir.is_dir():
        raise ReleaseError(f'{out_dir} is a file, not a folder: give a new or empty folder.')
    if out_dir.is_dir() and any(out_dir.iterdir()):
        raise ReleaseError(f'{out_dir} is not empty: give a new or empty folder (the '
                           'release writes over nothing).')
    file = file_in_the_way(out_dir)
    if file is not None:
        raise ReleaseError(f'{out_dir}: {file} is a file where a folder belongs; move or '
                           'rename that file, or give another folder.')
    return out_dir


def student(out_dir, root=ROOT):
    """Write the student release of the project in root into out_dir (a new or empty
    folder outside the project; ReleaseError otherwise). Everything is checked before
    anything is written. Returns (the Source it was made from, the names written)."""
    out_dir = _check_out_dir(out_dir, Path(root).resolve())
    source = Source(root)
    files = release_files(source)
    for name, content in files.items():
        path = out_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return source, sorted(files)


def _student_command(out_dir):
    source, names = student(out_dir)
    size = sum((Path(out_dir) / name).stat().st_size for name in names)
    print(f'Student release in {out_dir}: {len(names)} files, {size / 1e6:.1f} MB, from '
          f'{source.origin()}.')
    changed = source.uncommitted(sorted({*names, *surface.FILES}))
    if changed:
        print(f"Not in it: the uncommitted changes to {', '.join(changed)} (the release "
              'takes the commit).')


def _autograder_command(out_zip):
    try:
        built = autograder.build(Path(out_zip))
    except autograder.BuildError as err:
        raise ReleaseError(str(err)) from None
    print(f'Wrote the Gradescope autograder {built.summary()}.')
    # The zip is built from the working tree, the student release from the commit.
    changed = Source().uncommitted([*surface.FILES, 'tests', 'lab', 'data'])
    if changed:
        print(f"Built with the uncommitted changes to {', '.join(changed)}: a student release "
              'takes the commit, so commit them for the two to match.')


class _Parser(argparse.ArgumentParser):
    """argparse with its usage errors as one line on stderr, exit status 2."""

    def error(self, message):
        self.exit(2, f'{self.prog}: error: {message} (usage: python -m lab.release student '
                     'OUT_DIR | autograder OUT.zip)\n')


def main(argv=None):
    parser = _Parser(prog='python -m lab.release', description=__doc__.split('\n')[0])
    commands = parser.add_subparsers(dest='command', metavar='COMMAND', parser_class=_Parser)
    commands.required = True
    student_parser = commands.add_parser('student', help='write the student release')
    student_parser.add_argument('out', metavar='OUT_DIR', help='a new or empty folder')
    autograder_parser = commands.add_parser('autograder', help="write Gradescope's autograder")
    autograder_parser.add_argument('out', metavar='OUT_ZIP', help='the zip file to write')
    args = parser.parse_args(argv)
    try:
        if args.command == 'student':
            _student_command(args.out)
        else:
            _autograder_command(args.out)
    except (ReleaseError, OSError) as err:
        print(f'{parser.prog}: error: {err}', file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main())

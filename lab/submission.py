"""What collect_submission.ipynb calls: the code archive, and the write-up as a PDF.

The archive (make_archive) holds exactly the graded code: configs/, models/,
optimizer/ and utils.py. It is refused when a required file is missing, a
Python file does not compile, a file is a symbolic link leading out of the
project, or its own name would overwrite something that is not an archive.

The write-up (write_up, then pdf_notebook and export_pdf) is main.ipynb as
the student left it, with the outputs of the run:

  * main.ipynb itself when it holds outputs (run and saved in Jupyter or Colab);
  * else main.ipynb's text with the outputs of the headless run
    runs/main.ipynb, code cells matched in order by their source (a cell that
    differs is named, and nothing is made);
  * runs/main.ipynb as it is when only it holds answers. When both hold
    answers and they differ, main.ipynb's text wins if it was saved last;
    if runs/main.ipynb was changed after it, nothing is made. papermill's red
    error banners are no one's text: they are dropped on reading.

The notebook whose outputs go into the PDF must come from the full run of the
assignment (check_run): one made with QUICK or an EPOCHS override, one that
stopped with an error or did not finish, is refused, saying what it is and how
to make the full run, unless PARTIAL_RUN (partial_run) accepts it; the PDF then
says so under the name block. papermill records what a run was made with
(metadata.papermill.parameters) and how each cell ended (its status); SEED,
WORKERS, UNIT_TESTS and the configs (SWEEP_CONFIG, TUNING_CONFIG: the student's
own choice) do not make a run partial. Quick checks belong in runs/main_quick.ipynb
(QUICK_RUN), which collect reads only when NOTEBOOK names it.

The PDF is made from a copy that keeps plots, text and answers and leaves out
the text outputs (the handout asks for "all outputs of cells except for
plots" to be removed), with each write-up question on a new page. It goes
through nbconvert's LaTeX and XeLaTeX, with fonts that have Greek letters and
mathematical symbols (matplotlib's STIX and DejaVu Sans Mono), so that an
answer that writes "η" or "λ" prints them.

Collection runs the steps in order, records what each wrote and what went
wrong, and ends by raising CollectError listing every problem, so that a
headless run exits non-zero only after writing all it could.
"""
import ast
import copy
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from lab.grade import REQUIRED
from lab.parameters import flag

ARCHIVE_NAME = 'hw1_code_submission.zip'
# Folder -> the file types that belong to the submission from it.
FOLDERS = {'configs': ('.yaml', '.yml'), 'models': ('.py',), 'optimizer': ('.py',)}
TEX_PACKAGES = ['pandoc', 'texlive-xetex', 'texlive-fonts-recommended', 'texlive-plain-generic']
# Works as root (where there may be no sudo) and as a user with sudo.
TEX_INSTALL = ('$(command -v sudo) apt-get update && $(command -v sudo) apt-get install -y '
               '--no-install-recommends ' + ' '.join(TEX_PACKAGES))
TEMPLATE = Path(__file__).with_name('pdf.tex.j2')
MAIN = 'main.ipynb'
HEADLESS = 'runs/main.ipynb'
QUICK_RUN = 'runs/main_quick.ipynb'
HEADLESS_COMMAND = 'JUPYTER_PATH=jupyter .venv/bin/python -m papermill main.ipynb runs/main.ipynb'
QUICK_COMMAND = (f'JUPYTER_PATH=jupyter .venv/bin/python -m papermill main.ipynb {QUICK_RUN} '
                 '-p QUICK True')
# The tag of the markdown cells papermill adds when a cell fails ("An Exception was
# encountered at 'In [3]'", and the anchor above the failing cell).
PAPERMILL_BANNER = 'papermill-error-cell-tag'

# The write-up's template, as main.ipynb holds it: a "# Write-up" heading, one
# "## ..." heading per question, and below each an answer cell holding only
# ANSWER_TEMPLATE; the name block is a list of "**Name:**"-style labels.
WRITE_UP_HEADING = re.compile(r'^#\s+Write-?up\b', re.IGNORECASE)
QUESTION_HEADING = re.compile(r'^##\s+(\S.*?)\s*$')
ANSWER_LABEL = '**Answer:**'
ANSWER_PLACEHOLDER = '*(your answer)*'
ANSWER_TEMPLATE = f'{ANSWER_LABEL} {ANSWER_PLACEHOLDER}'
IDENTITY = {'Name': r'name', 'Student ID': r'student\s*id'}
COLAB_OMIT_OUTPUTS = ("in Colab, untick Edit > Notebook settings > 'Omit code cell output when "
                      "saving this notebook'")


class SubmissionError(Exception):
    """The submission cannot be made as things are: the message says what is wrong and
    how to fix it."""


class CollectError(Exception):
    """Collecting finished with problems; the message lists each of them."""


# ---------------------------------------------------------------------------
# The archive
# ---------------------------------------------------------------------------

def _inside(path, folder):
    """True if path (resolved, links followed) lies inside folder (resolved)."""
    try:
        Path(os.path.realpath(path)).relative_to(os.path.realpath(folder))
        return True
    except ValueError:
        return False


def _refuse_outside_link(root, path):
    if not _inside(path, root):
        relative = Path(path).relative_to(root).as_posix()
        raise SubmissionError(
            f'cannot build the submission: {relative} is a symbolic link to '
            f'{os.path.realpath(path)}, outside the project, so the archive would carry that '
            f'file instead of yours. Replace the link with the file itself: copy '
            f'{os.path.realpath(path)} over it, after deleting the link.')


def _walk(root, folder):
    """The files under root/folder as POSIX paths relative to root, following symbolic
    links that stay inside root and refusing (SubmissionError) any that leave it."""
    found, seen = [], set()
    start = root / folder
    for directory, subdirs, files in os.walk(start, followlinks=True):
        _refuse_outside_link(root, directory)
        real = os.path.realpath(directory)
        if real in seen:          # a link back to a folder already walked
            subdirs[:] = []
            continue
        seen.add(real)
        subdirs[:] = sorted(d for d in subdirs if not d.startswith('.') and d != '__pycache__')
        for name in sorted(files):
            path = Path(directory) / name
            if name.startswith('.') or not path.is_file():
                continue
            _refuse_outside_link(root, path)
            found.append(path.relative_to(root).as_posix())
    return found


def submission_files(root='.'):
    """The files that go into the archive, as sorted POSIX paths relative to root.

    Every .py file under models/ and optimizer/ and every .yaml under configs/
    (at any depth, skipping caches and hidden folders such as
    .ipynb_checkpoints), plus utils.py. Raises SubmissionError naming each
    required file that is missing, or a symbolic link that leads out of root.
    """
    root = Path(root)
    missing = [name for name in REQUIRED if not (root / name).is_file()]
    if missing:
        raise SubmissionError(
            'cannot build the submission: missing ' + ', '.join(missing)
            + f' (looked in {root.resolve()}). Restore them (e.g. `git checkout -- <file>`) '
            'and run this again.')
    _refuse_outside_link(root, root / 'utils.py')
    found = {'utils.py'}
    for folder, suffixes in FOLDERS.items():
        found.update(name for name in _walk(root, folder) if Path(name).suffix in suffixes)
    return sorted(found)


def _check_compiles(root, names):
    """Raise SubmissionError if a Python file has a syntax error (an autograder
    would score it 0)."""
    for name in names:
        if name.endswith('.py'):
            source = (Path(root) / name).read_text(encoding='utf-8', errors='replace')
            try:
                compile(source, name, 'exec')
            except SyntaxError as err:
                raise SubmissionError(f'cannot build the submission: {name} line {err.lineno} '
                                      f'has a syntax error ({err.msg}). Fix it first.') from None


def _archive_target(root, out, names):
    """Where the archive goes, checked: a .zip name that overwrites nothing but an
    earlier archive, is none of the inputs, and stays in root unless given as an
    absolute path."""
    given = str(out)
    if not given.lower().endswith('.zip'):
        raise SubmissionError(
            f"the archive's name must end in .zip, got {given!r}: Gradescope takes a zip, and "
            'any other name could be one of your files. Pass e.g. '
            f"'{ARCHIVE_NAME}'.")
    out = Path(out)
    target = out if out.is_absolute() else root / out
    if not out.is_absolute() and not _inside(target.parent, root):
        raise SubmissionError(
            f'{given!r} lies outside the project folder {root.resolve()}; give an absolute path '
            'if you mean to write the archive there.')
    if target.is_symlink():
        raise SubmissionError(f'{given!r} is a symbolic link: give the archive a name of its own.')
    if target.is_dir():
        raise SubmissionError(f'{given!r} is a folder: give the archive a file name.')
    inputs = {os.path.realpath(root / name) for name in names}
    if os.path.realpath(target) in inputs:
        raise SubmissionError(f'{given!r} is one of the files the archive holds.')
    if target.exists() and not zipfile.is_zipfile(target):
        raise SubmissionError(
            f'{given!r} exists and is not a zip archive: refusing to overwrite it. Move it away '
            'or choose another name.')
    return target


def make_archive(root='.', out=ARCHIVE_NAME, verbose=True):
    """Zip the graded code under root into out (relative to root unless absolute).

    Returns the list of paths inside the archive. With verbose, prints them
    with their sizes. Nothing is written if a check fails (SubmissionError).
    """
    root = Path(root)
    names = submission_files(root)
    _check_compiles(root, names)
    target = _archive_target(root, out, names)
    # Written beside the target, then moved into place: an interrupted build leaves no half
    # archive. (Not tempfile.mkstemp: its files are private, 0600, whatever the umask.)
    partial = target.with_name(target.name + '.part')
    try:
        with zipfile.ZipFile(partial, 'w', compression=zipfile.ZIP_DEFLATED) as archive:
            for name in names:
                archive.write(root / name, arcname=name)
        os.replace(partial, target)
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    if verbose:
        print(f'{target.name}: {len(names)} files')
        for name in names:
            print(f'  {name:<32} {(root / name).stat().st_size:>7,} bytes')
    return names


def archive_contents(path):
    """The file names inside a zip archive, sorted."""
    with zipfile.ZipFile(path) as archive:
        return sorted(archive.namelist())


# ---------------------------------------------------------------------------
# Which notebook becomes the PDF
# ---------------------------------------------------------------------------

def read_notebook(path):
    """A notebook file as nbformat v4, without papermill's error banners (see
    without_banners); SubmissionError if it is not one."""
    path = Path(path)
    if not path.is_file():
        raise SubmissionError(f'{path} does not exist.')
    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception as err:   # nbformat raises JSON, validation and reader errors alike
        raise SubmissionError(f'{path} cannot be read as a notebook ({type(err).__name__}: '
                              f'{err}). Restore it from a saved copy.') from None
    return without_banners(nb)


def _tags(cell):
    return cell.get('metadata', {}).get('tags', [])


def without_banners(nb):
    """nb without the markdown cells papermill adds when a cell fails (tagged
    PAPERMILL_BANNER): they are no one's answer, and no text of the write-up. Changes nb
    in place."""
    nb.cells = [cell for cell in nb.cells if PAPERMILL_BANNER not in _tags(cell)]
    return nb


def has_outputs(notebook):
    """True if any code cell of the notebook (a file, or one already read) holds an output."""
    nb = notebook if isinstance(notebook, nbformat.NotebookNode) else read_notebook(notebook)
    return any(cell.get('outputs') for cell in nb.cells if cell.cell_type == 'code')


def _injected(cell):
    return 'injected-parameters' in _tags(cell)


def _parameters(cell):
    return 'parameters' in _tags(cell)


def _same_code(a, b):
    """Sources equal up to trailing spaces and blank lines at either end."""
    def norm(source):
        return '\n'.join(line.rstrip() for line in source.strip('\n').splitlines())
    return norm(a) == norm(b)


def _first_line(source):
    lines = [line for line in source.splitlines() if line.strip()]
    return repr(lines[0][:70]) if lines else '(empty)'


def merge_outputs(base, executed, base_name=MAIN, executed_name=HEADLESS):
    """base's cells, each code cell with the outputs of executed's code cell of the same
    source, matched in order; papermill's injected-parameters cell is not matched but
    kept, after base's parameters cell. Returns (a new notebook, number of code cells).

    Raises SubmissionError naming the first code cell that differs.
    """
    merged = copy.deepcopy(base)
    ran = [cell for cell in executed.cells if cell.cell_type == 'code' and not _injected(cell)]
    mine = [cell for cell in merged.cells if cell.cell_type == 'code']
    for number, cell in enumerate(mine, 1):
        if number > len(ran) or not _same_code(cell.source, ran[number - 1].source):
            theirs = (_first_line(ran[number - 1].source) if number <= len(ran)
                      else '(no such cell)')
            raise SubmissionError(
                f"cannot combine {base_name}'s text with {executed_name}'s outputs: code cell "
                f'{number} differs.\n  {base_name}: {_first_line(cell.source)}\n  '
                f'{executed_name}: {theirs}\nThe code changed after the run. Run it again '
                f'(`{HEADLESS_COMMAND}`), then collect; the answers in {base_name} are kept. '
                f'Or set NOTEBOOK to the notebook to export as it is.')
        cell.outputs = copy.deepcopy(ran[number - 1].get('outputs', []))
        cell.execution_count = ran[number - 1].get('execution_count')
    if len(ran) > len(mine):
        raise SubmissionError(
            f"cannot combine {base_name}'s text with {executed_name}'s outputs: {executed_name} "
            f'has {len(ran) - len(mine)} code cell(s) more, from '
            f'{_first_line(ran[len(mine)].source)} on. Run {base_name} again '
            f'(`{HEADLESS_COMMAND}`), then collect.')
    injected = [cell for cell in executed.cells if _injected(cell)]
    settings = next((k for k, cell in enumerate(merged.cells) if _parameters(cell)), None)
    if injected and settings is not None:
        cell = copy.deepcopy(injected[0])
        if merged.nbformat_minor < 5:
            cell.pop('id', None)          # cell ids came with nbformat 4.5
        merged.cells.insert(settings + 1, cell)
    return merged, len(mine)


def _markdown(nb):
    return [cell.source for cell in nb.cells if cell.cell_type == 'markdown']


def _untouched(nb):
    """True if the notebook's write-up is the template: no answer, no name."""
    questions = questions_of(nb)
    return (len(unanswered_questions(nb)) == len(questions)
            and len(missing_identity(nb)) == len(IDENTITY))


def _literals(source):
    """The `NAME = literal` assignments of a cell's source, as a dict; other lines, and a
    source that is no Python, give nothing."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    found = {}
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)):
            try:
                found[node.targets[0].id] = ast.literal_eval(node.value)
            except (ValueError, TypeError, SyntaxError):
                pass
    return found


def run_parameters(nb):
    """What a run was given on papermill's command line (-p NAME VALUE), as a dict:
    papermill's record (metadata.papermill.parameters), else the literals of its
    injected-parameters cell; {} for none."""
    recorded = nb.metadata.get('papermill', {}).get('parameters')
    if isinstance(recorded, dict):
        return dict(recorded)
    found = {}
    for cell in nb.cells:
        if cell.cell_type == 'code' and _injected(cell):
            found.update(_literals(cell.source))
    return found


def run_settings(nb):
    """The settings a run had: its settings cell's (tagged parameters), then what the
    command line gave (run_parameters)."""
    settings = {}
    cell = next((c for c in nb.cells if c.cell_type == 'code' and _parameters(c)), None)
    if cell is not None:
        settings.update(_literals(cell.source))
    settings.update(run_parameters(nb))
    return settings


def _shortened(settings):
    """What in the settings shortens training ([] for none): EPOCHS (which beats QUICK),
    else QUICK, read as the notebook reads it. A QUICK that is neither True nor False is
    not taken for either: cell 1 refuses it, and the run ends in that error."""
    epochs = settings.get('EPOCHS')
    if epochs is not None:
        return [f'a shortened run (EPOCHS={epochs!r}: every training ran {epochs} epochs)']
    try:
        quick = flag('QUICK', settings.get('QUICK', False))
    except ValueError:
        quick = False
    if quick:
        return [f"a quick run (QUICK={settings['QUICK']!r}: every training ran one epoch)"]
    return []


def _cell_name(cell):
    count = cell.get('execution_count')
    return f'the cell starting {_first_line(cell.source)}' + (f' (In [{count}])' if count else '')


def _how_it_ended(nb):
    """Why the run did not finish ([] if it did): the cell that ended in an error, or, for
    a papermill run, the cell it was stopped in (interrupted, killed or still running)."""
    code = [cell for cell in nb.cells if cell.cell_type == 'code']
    for cell in code:
        errors = [out for out in cell.get('outputs', []) if out.get('output_type') == 'error']
        if errors or cell.metadata.get('papermill', {}).get('status') == 'failed':
            error = (f"{errors[0].get('ename', 'error')}: {errors[0].get('evalue', '')[:120]}"
                     if errors else 'an error')
            return [f'a run that stopped with an error ({error}) in {_cell_name(cell)}: the '
                    'cells after it have no outputs']
    record = nb.metadata.get('papermill')
    if not isinstance(record, dict):
        return []     # saved from Jupyter or Colab: no record of how each cell ended
    for cell in code:
        if cell.metadata.get('papermill', {}).get('status') == 'running':
            return [f'a run that did not finish: it was stopped in {_cell_name(cell)}']
    if record.get('exception'):
        return ['a run that stopped with an error (papermill records one)']
    if record.get('end_time') is None:
        pending = next((c for c in code if c.metadata.get('papermill', {}).get('status')
                        == 'pending'), None)
        where = f' before {_cell_name(pending)}' if pending is not None else ''
        return [f'a run that did not finish: it stopped{where} (still running, or killed)']
    return []


@dataclass
class RunCheck:
    """What the outputs of a notebook come from: the run's command-line parameters, and
    what makes it less than the full run of the assignment (nothing for the full run)."""
    name: str             # the notebook, as the user knows it
    parameters: dict      # papermill's -p values, {} for none
    partial: list         # e.g. 'a quick run (QUICK=True: every training ran one epoch)'

    @property
    def full(self):
        return not self.partial

    def made_with(self):
        if not self.parameters:
            return 'no command-line parameters'
        return 'the parameters ' + ', '.join(f'{k}={v!r}' for k, v in self.parameters.items())

    def what(self):
        return ' and '.join(self.partial)


def check_run(nb, name):
    """The RunCheck of the notebook nb (its outputs and papermill's records), called name."""
    return RunCheck(name, run_parameters(nb), _shortened(run_settings(nb)) + _how_it_ended(nb))


def _accepted(check, partial_run):
    """check, if it is the full run or partial_run accepts it; else SubmissionError saying
    what the run is and how to make the full one."""
    if check.full or partial_run:
        return check
    failed = any('error' in reason or 'did not finish' in reason for reason in check.partial)
    raise SubmissionError(
        f'{check.name} is not the full run of the assignment: it is {check.what()}. It was '
        f'made with {check.made_with()}. {"Fix what stopped it, then make" if failed else "Make"}'
        f' the full run with `{HEADLESS_COMMAND}` (no -p QUICK or -p EPOCHS; or run every cell '
        f'of {MAIN} in Jupyter and save it), then collect again. Quick checks belong in their '
        f'own file: `{QUICK_COMMAND}`. Or set PARTIAL_RUN = True to make the PDF from this run '
        'anyway: its first page then says what it comes from.')


def partial_note(check):
    """The markdown that tells a reader of the PDF that it does not come from the full run."""
    return (f'> **Note:** This PDF comes from {check.what()}, {check.name}, not from the full '
            'run of the assignment: it was collected with PARTIAL_RUN = True.')


def _add_partial_note(nb, check):
    """Put partial_note(check) right under the title and name block (the first cell, when it
    is markdown), on the first page. Changes nb in place."""
    at = 1 if nb.cells and nb.cells[0].cell_type == 'markdown' else 0
    cell = nbformat.v4.new_markdown_cell(partial_note(check))
    if nb.nbformat_minor < 5:
        cell.pop('id', None)          # cell ids came with nbformat 4.5
    nb.cells.insert(at, cell)


@dataclass
class WriteUp:
    """The notebook to export, and what was done to get it."""
    nb: nbformat.NotebookNode
    name: str                 # the PDF's name without .pdf
    how: str                  # one or two sentences for the user
    folder: Path              # where relative paths in its markdown point
    run: RunCheck             # what its outputs come from


def write_up(root='.', notebook=None, partial_run=False):
    """The write-up to export: see the module's docstring. notebook: a path (relative to
    root) to export as it is instead. Raises SubmissionError when main.ipynb and
    runs/main.ipynb cannot be combined without losing answers or outputs, or when the
    outputs do not come from the full run and partial_run is false. With partial_run, a
    partial run's write-up carries partial_note under its name block."""
    root = Path(root)
    if notebook is not None:
        path = root / notebook
        nb = read_notebook(path)
        check = _accepted(check_run(nb, str(notebook)), partial_run)
        chosen = WriteUp(nb, path.stem, f'{notebook}, as it is (NOTEBOOK).', path.parent, check)
    else:
        chosen = _main_write_up(root, partial_run)
    if not chosen.run.full:
        _add_partial_note(chosen.nb, chosen.run)
        chosen.how += (f' It comes from {chosen.run.what()}: PARTIAL_RUN = True accepts it, and '
                       'the PDF says so under the name block.')
    return chosen


def _main_write_up(root, partial_run):
    main_path, run_path = root / MAIN, root / HEADLESS
    main = read_notebook(main_path)
    if has_outputs(main):
        check = _accepted(check_run(main, MAIN), partial_run)
        note = (f' ({HEADLESS} is not used: {MAIN} holds outputs of its own.)'
                if run_path.is_file() else '')
        return WriteUp(main, 'main', f'{MAIN}, run and saved with its outputs.{note}', root,
                       check)
    if not (run_path.is_file() and has_outputs(read_notebook(run_path))):
        quick = (f' ({QUICK_RUN} is a quick check: collect does not use it unless NOTEBOOK '
                 'names it.)' if (root / QUICK_RUN).is_file() else '')
        raise SubmissionError(
            f'{MAIN} holds no outputs, so its PDF would have no plots, and there is no headless '
            f'run ({HEADLESS}) to take them from.{quick} Run {MAIN} to the end and save it (' +
            COLAB_OMIT_OUTPUTS + f'), or run it headless with `{HEADLESS_COMMAND}`; then '
            'collect again.')
    run = read_notebook(run_path)
    check = _accepted(check_run(run, HEADLESS), partial_run)
    older_answers = ''
    if _markdown(main) != _markdown(run) and not _untouched(run):
        if _untouched(main):
            return WriteUp(run, 'main', f'{HEADLESS}, as it is: it holds your answers and the '
                                        f'outputs, while {MAIN} holds neither.', root, check)
        if run_path.stat().st_mtime > main_path.stat().st_mtime:
            raise SubmissionError(
                f'{MAIN} and {HEADLESS} hold different answers, and {HEADLESS} was changed '
                f'last: collecting either could lose what you wrote in the other. Keep your '
                f'answers in {MAIN} (copy over what you wrote in {HEADLESS}), then collect '
                'again; or set NOTEBOOK to the one to export as it is.')
        # The usual path: answers written, the notebook run headless (which copies them),
        # then the answers edited on in main.ipynb. Its text is the newer: it wins.
        older_answers = (f' {HEADLESS} holds older answers, from when it was run: they are '
                         'not used.')
    merged, matched = merge_outputs(main, run)
    added = len(merged.cells) - len(main.cells)
    injected = (f"; papermill's cell of parameters ({_parameter_text(merged)}) is kept after "
                'the settings cell' if added else '')
    return WriteUp(merged, 'main',
                   f'{MAIN} (its text and your answers, as you left them) with the outputs of '
                   f'{HEADLESS}, the headless run: {matched} code cells matched by their source, '
                   f'in order{injected}.{older_answers}', root, check)


def _parameter_text(nb):
    cell = next(cell for cell in nb.cells if _injected(cell))
    lines = [line for line in cell.source.splitlines() if line.strip() and
             not line.startswith('#')]
    return ', '.join(lines) or 'none'


# ---------------------------------------------------------------------------
# Is the write-up filled in?
# ---------------------------------------------------------------------------

def _heading(cell):
    """The first line of a markdown cell."""
    lines = cell.source.strip().splitlines()
    return lines[0] if lines else ''


def write_up_start(nb):
    """Index of the "# Write-up" markdown cell, or None."""
    return next((k for k, cell in enumerate(nb.cells) if cell.cell_type == 'markdown'
                 and WRITE_UP_HEADING.match(_heading(cell))), None)


def questions_of(nb):
    """Indexes of the write-up's question cells: markdown cells after "# Write-up" that
    start with a "## " heading."""
    start = write_up_start(nb)
    if start is None:
        return []
    return [k for k in range(start + 1, len(nb.cells)) if nb.cells[k].cell_type == 'markdown'
            and QUESTION_HEADING.match(_heading(nb.cells[k]))]


def unanswered_questions(nb):
    """The headings of the questions below which every markdown cell, up to the next
    question, holds nothing but the answer template."""
    questions = questions_of(nb)
    unanswered = []
    for k, start in enumerate(questions):
        end = questions[k + 1] if k + 1 < len(questions) else len(nb.cells)
        text = '\n'.join(cell.source for cell in nb.cells[start + 1:end]
                         if cell.cell_type == 'markdown')
        for template in (ANSWER_PLACEHOLDER, ANSWER_LABEL, 'Answer:'):
            text = text.replace(template, '')
        if not text.strip():
            unanswered.append(QUESTION_HEADING.match(_heading(nb.cells[start])).group(1))
    return unanswered


def _identity_value(nb, pattern):
    """The text after the first "Name:"-style label in the markdown, '' if empty, None if
    there is no such label."""
    label = re.compile(r'^[\s>*+-]*[*_]*\s*(?:' + pattern + r')\s*[*_]*\s*:\s*[*_]*(.*)$',
                       re.IGNORECASE)
    for cell in nb.cells:
        if cell.cell_type != 'markdown':
            continue
        for line in cell.source.splitlines():
            found = label.match(line)
            if found:
                return found.group(1).strip(' \t*_')
    return None


def missing_identity(nb):
    """The labels of the name block ('Name', 'Student ID') that are absent or empty."""
    return [label for label, pattern in IDENTITY.items() if not _identity_value(nb, pattern)]


def write_up_warnings(nb, name=MAIN):
    """What is still the template in the notebook, and cells that ended in an error, one
    sentence each ([] if nothing)."""
    warnings = [f'A cell of {name} ended in an error ({output.get("ename", "error")}: '
                f'{output.get("evalue", "")[:120]}), in the cell starting '
                f'{_first_line(cell.source)}; the PDF leaves errors out, and the cells after it '
                'may lack their plots. Fix it and run the notebook again.'
                for cell in nb.cells if cell.cell_type == 'code'
                for output in cell.get('outputs', []) if output.get('output_type') == 'error']
    missing = missing_identity(nb)
    if missing:
        warnings.append(
            f"The name block at the top of {name} is still empty ({', '.join(missing)} "
            "missing): the handout asks for your information on the first page. Fill in "
            "'**Name:**' and '**Student ID:**'.")
    if write_up_start(nb) is None:
        warnings.append(f'{name} has no write-up: no markdown cell starts with "# Write-up". '
                        'Restore it from the assignment and answer its questions.')
    unanswered = unanswered_questions(nb)
    if unanswered:
        warnings.append(
            f'Not answered yet (the cell below the question still holds only '
            f"'{ANSWER_TEMPLATE}'): " + '; '.join(unanswered) + '.')
    return warnings


# ---------------------------------------------------------------------------
# The PDF
# ---------------------------------------------------------------------------

PLOT_TYPES = ('image/png', 'image/jpeg', 'application/pdf')
# How lab/pdf.tex.j2 prints things: figures at FIGURE_SCALE of the size they were drawn
# at and at most FIGURE_WIDTH wide (0.9 of a letter page's 6.5 in text width), with
# FIGURE_GAP around each; a line of code takes CODE_LINE, a code cell's box CODE_BOX
# more, a heading HEADING, a paragraph a line (as high as one of code) per TEXT_LINE
# characters and PARAGRAPH_GAP; a page holds PAGE (all in inches).
FIGURE_SCALE, FIGURE_WIDTH, FIGURE_GAP = 0.8, 0.9 * 6.5, 0.2
CODE_LINE, CODE_BOX, HEADING, PAGE = 0.19, 0.35, 0.5, 9.0
TEXT_LINE, PARAGRAPH_GAP = 95, 0.15


def coalesce_streams(nb):
    """Merge each cell's consecutive outputs to the same stream into one, as
    Jupyter does when it saves (a headless run keeps one output per print,
    which the PDF would set apart as separate blocks). Changes nb in place."""
    for cell in nb.cells:
        merged = []
        for output in cell.get('outputs', []):
            previous = merged[-1] if merged else None
            if (output.output_type == 'stream' and previous is not None
                    and previous.output_type == 'stream' and previous.name == output.name):
                previous.text += output.text
            else:
                merged.append(output)
        if 'outputs' in cell:
            cell.outputs = merged
    return nb


def png_size(data):
    """(width, height) in inches of a base64 PNG, at the resolution its pHYs chunk
    gives (72 dpi without one, as XeLaTeX reads it); None if it is no PNG."""
    import base64
    import struct
    try:
        raw = base64.b64decode(data)
    except ValueError:
        return None
    if raw[:8] != b'\x89PNG\r\n\x1a\n' or len(raw) < 24:
        return None
    width, height = struct.unpack('>II', raw[16:24])
    dpi = 72.0
    at = raw.find(b'pHYs')
    if at > 0 and len(raw) >= at + 13 and raw[at + 12] == 1:     # unit: the metre
        dpi = struct.unpack('>I', raw[at + 4:at + 8])[0] * 0.0254 or dpi
    return width / dpi, height / dpi


def _printed_height(size):
    width, height = size
    return height * min(FIGURE_SCALE, FIGURE_WIDTH / width) + FIGURE_GAP


def _keep_code_with_plots(cells):
    """Mark the code of each plot cell (with the output-less code cells right before it,
    such as its training cell, and the markdown cell right before those if it fits too)
    with the height that they and the cell's plots need, up to a page, so that the PDF
    starts a new page rather than part them."""
    for k, cell in enumerate(cells):
        sizes = [png_size(output.data['image/png']) for output in cell.get('outputs', [])
                 if 'image/png' in output.get('data', {})]
        if cell.cell_type != 'code' or not sizes or None in sizes:
            continue
        start = k
        while (start > 0 and cells[start - 1].cell_type == 'code'
               and not cells[start - 1].outputs and k - start < 2):
            start -= 1
        need = sum(len(c.source.splitlines()) * CODE_LINE + CODE_BOX for c in cells[start:k + 1])
        for size in sizes:
            if need + _printed_height(size) > PAGE:
                break
            need += _printed_height(size)
        above = cells[start - 1] if start > 0 else None
        if (above is not None and above.cell_type == 'markdown'
                and need + _text_height(above.source) <= PAGE):
            start, need = start - 1, need + _text_height(above.source)
        cells[start].metadata.setdefault('hw1', {})['need_inches'] = round(need, 2)


def _text_height(markdown):
    """About how high a markdown cell prints, in inches: a heading HEADING, a paragraph
    its lines of TEXT_LINE characters plus a gap."""
    height = 0.0
    for paragraph in re.split(r'\n\s*\n', markdown.strip()):
        if paragraph.startswith('#'):
            height += HEADING
        else:
            height += (-(-len(paragraph) // TEXT_LINE)) * CODE_LINE + PARAGRAPH_GAP
    return height


@dataclass
class PdfCopy:
    """The notebook as it goes into the PDF, and what was done to it."""
    nb: nbformat.NotebookNode
    plots: int = 0
    left_out: int = 0
    new_pages: list = field(default_factory=list)   # headings that start a page


def pdf_notebook(nb, keep_outputs=False):
    """A copy of nb for the PDF (nb itself is not changed).

    Unless keep_outputs, each code cell keeps only its plots (PNG, JPEG or PDF
    images); printouts, tables, progress bars and errors are left out. The
    "# Write-up" cell and each question cell start a new page, except the first
    question when it directly follows the write-up's heading; the code of a plot
    starts one when what is left of the page cannot hold it with the plot.
    """
    out = PdfCopy(coalesce_streams(copy.deepcopy(nb)))
    for cell in out.nb.cells:
        if cell.cell_type != 'code':
            continue
        kept = []
        for output in cell.get('outputs', []):
            data = output.get('data', {})
            plots = {kind: value for kind, value in data.items() if kind in PLOT_TYPES}
            if plots:
                out.plots += 1
                if not keep_outputs:
                    output.data = plots
            if plots or keep_outputs:
                kept.append(output)
            else:
                out.left_out += 1
        cell.outputs = kept
    _keep_code_with_plots(out.nb.cells)
    start = write_up_start(out.nb)
    breaks = ([start] if start is not None else []) + [
        k for k in questions_of(out.nb) if k != start + 1]
    for k in breaks:
        out.nb.cells[k].metadata.setdefault('hw1', {})['new_page'] = True
        out.new_pages.append(_heading(out.nb.cells[k]).lstrip('# '))
    return out


def missing_tex_tools():
    """The programs the PDF needs (pandoc and XeLaTeX) that are not on PATH."""
    return [tool for tool in ('xelatex', 'pandoc') if shutil.which(tool) is None]


def install_tex():
    """Install pandoc and XeLaTeX with apt-get (for Colab, which runs as root).
    Prints only the outcome, not apt's thousands of lines."""
    for command in (['apt-get', 'update', '-qq'],
                    ['apt-get', 'install', '-y', '-qq', '--no-install-recommends', *TEX_PACKAGES]):
        done = subprocess.run(command, capture_output=True, text=True,
                              env={**os.environ, 'DEBIAN_FRONTEND': 'noninteractive'})
        if done.returncode != 0:
            print(f"`{' '.join(command)}` failed:\n" + done.stderr[-2000:])
            return False
    print('pandoc and XeLaTeX are installed.')
    return True


@dataclass
class Pdf:
    path: Path
    pages: int
    missing_glyphs: list     # characters the fonts lack, printed as blanks


def _tex_environment(folder):
    """XeLaTeX finds matplotlib's fonts by file name, and files that the markdown names
    relative to the notebook's folder."""
    import matplotlib
    fonts = Path(matplotlib.get_data_path()) / 'fonts' / 'ttf'
    env = dict(os.environ)
    env['TTFONTS'] = os.pathsep.join([str(fonts), env.get('TTFONTS', '')])
    env['TEXINPUTS'] = os.pathsep.join(['.', str(Path(folder).resolve()),
                                        env.get('TEXINPUTS', '')])
    return env


def export_pdf(nb, pdf_path, folder='.'):
    """Write the notebook nb as a PDF at pdf_path, through nbconvert's LaTeX (with
    lab/pdf.tex.j2) and XeLaTeX; return a Pdf. folder: where relative paths in the
    markdown point. Raises SubmissionError if a tool is missing or LaTeX fails, with
    the lines of its log that say why; an earlier PDF at pdf_path is then left as it was.
    """
    missing = missing_tex_tools()
    if missing:
        raise SubmissionError(
            f"cannot make the PDF: {' and '.join(missing)} not found. Install pandoc and "
            f'XeLaTeX with\n    {TEX_INSTALL}\n(in Colab the cell above does it), then collect '
            'again; or set ARCHIVE_ONLY = True to build the code archive alone.')
    from nbconvert import LatexExporter
    from nbconvert.writers import FilesWriter

    pdf_path = Path(pdf_path)
    exporter = LatexExporter(template_file=str(TEMPLATE), exclude_input_prompt=True,
                             exclude_output_prompt=True)
    resources = {'metadata': {'name': pdf_path.stem, 'path': str(folder)}}
    body, resources = exporter.from_notebook_node(nb, resources=resources)
    with tempfile.TemporaryDirectory(prefix='hw1-pdf-') as scratch:
        FilesWriter(build_directory=scratch).write(body, resources, notebook_name='write-up')
        env = _tex_environment(folder)
        for _ in range(2):     # the second pass settles the PDF's bookmarks
            done = subprocess.run(['xelatex', '-interaction=nonstopmode', '-halt-on-error',
                                   'write-up.tex'], cwd=scratch, env=env, capture_output=True,
                                  text=True, errors='replace', stdin=subprocess.DEVNULL)
            log_path = Path(scratch) / 'write-up.log'
            log = log_path.read_text(errors='replace') if log_path.is_file() else done.stdout
            if done.returncode != 0:
                raise SubmissionError('LaTeX could not make the PDF. What its log says:\n'
                                      + _latex_errors(log))
        pages = re.search(r'Output written on \S+ \((\d+) pages?', log)
        glyphs = sorted(set(re.findall(r'Missing character: There is no (.+?) \(', log)))
        partial = pdf_path.with_name(pdf_path.name + '.part')
        shutil.copyfile(Path(scratch) / 'write-up.pdf', partial)
        os.replace(partial, pdf_path)
    return Pdf(pdf_path, int(pages.group(1)) if pages else 0, glyphs)


def _latex_errors(log, context=4):
    """The error lines of a LaTeX log ("! ..."), each with the lines after it."""
    lines = log.splitlines()
    found = []
    for k, line in enumerate(lines):
        if line.startswith('!'):
            found += lines[k:k + context] + ['']
    return '\n'.join(found[:40]) if found else '\n'.join(lines[-25:])


# ---------------------------------------------------------------------------
# Collecting: every step, its outcome, and one failure at the end
# ---------------------------------------------------------------------------

class Collection:
    """The submission, collected step by step as collect_submission.ipynb does it.

    Each step prints what it did. A step that fails records the problem and
    returns, so that the later steps still run; finish() then lists what was
    written and raises CollectError listing the problems.
    """

    def __init__(self, archive=ARCHIVE_NAME, notebook=None, keep_outputs=False,
                 archive_only=False, root='.', partial_run=False):
        if not isinstance(archive, (str, os.PathLike)):
            raise SubmissionError(f'ARCHIVE must be a file name such as {ARCHIVE_NAME!r}, '
                                  f'got {archive!r}.')
        if notebook is not None and not isinstance(notebook, (str, os.PathLike)):
            raise SubmissionError(f'NOTEBOOK must be None or a notebook path such as '
                                  f"'runs/main.ipynb', got {notebook!r}.")
        self.root = Path(root)
        self.archive = self.root / archive if not Path(archive).is_absolute() else Path(archive)
        self.archive_name = str(archive)
        self.notebook = notebook
        self.keep_outputs = flag('KEEP_OUTPUTS', keep_outputs)
        self.archive_only = flag('ARCHIVE_ONLY', archive_only)
        self.partial_run = flag('PARTIAL_RUN', partial_run)
        self.written = []      # one line per file written
        self.problems = []     # one line per thing that went wrong
        self.warnings = []     # answers still the template, missing glyphs, a partial run
        self.built = False

    def _problem(self, text):
        self.problems.append(text)
        print(f'PROBLEM: {text}')

    def build_archive(self):
        """The code archive (the "HW1 Coding" assignment)."""
        try:
            names = make_archive(self.root, self.archive_name)
        except SubmissionError as err:
            self._problem(f'no code archive: {err}')
            return
        self.built = True
        self.written.append(f'{self.archive_name}: the code archive, {len(names)} files')

    def grade(self):
        """The pre-flight grade of the archive; a failure is a problem."""
        from lab import grade
        if not self.built:
            self._problem('the archive was not graded: it could not be built (see above).')
            return
        try:
            report = grade.grade(self.archive)
        except grade.GradeError as err:
            self._problem(f'the archive could not be graded: {err}')
            return
        print(report.table())
        if not report.ok:
            self._problem(f'the pre-flight grade failed ({report.passed}/{len(report.tests)} '
                          f'tests passed, {len(report.problems)} problem(s)): see its table. '
                          'Fix this before submitting.')

    def needs_tex(self):
        return not self.archive_only and bool(missing_tex_tools())

    def write_pdf(self):
        """The write-up as a PDF (the "HW1 Code PDF" assignment), unless archive_only."""
        if self.archive_only:
            print('ARCHIVE_ONLY = True: no PDF is made.')
            return
        try:
            chosen = write_up(self.root, self.notebook, self.partial_run)
        except SubmissionError as err:
            self._problem(f'no PDF: {err}')
            return
        print(f'The write-up is made from {chosen.how}')
        found = write_up_warnings(chosen.nb)
        for warning in found:
            print(f'WARNING: {warning}')
        if not chosen.run.full:     # asked for: said once here, and again by finish()
            found.append(f'the PDF comes from {chosen.run.what()} ({chosen.run.name}), not '
                         'from the full run; its first page says so (PARTIAL_RUN = True).')
        self.warnings += found
        prepared = pdf_notebook(chosen.nb, self.keep_outputs)
        if self.keep_outputs:
            print(f'KEEP_OUTPUTS = True: every output is kept ({prepared.plots} plots).')
        else:
            print(f'Kept: {prepared.plots} plots. Left out, as the handout asks: '
                  f'{prepared.left_out} text outputs (printouts, tables, progress bars); '
                  'KEEP_OUTPUTS = True keeps them.')
        if prepared.new_pages:
            print('Starting a new page: ' + '; '.join(prepared.new_pages) + '.')
        pdf_path = self.root / f'{chosen.name}.pdf'
        try:
            pdf = export_pdf(prepared.nb, pdf_path, chosen.folder)
        except SubmissionError as err:
            self._problem(f'no PDF: {err}')
            return
        if pdf.missing_glyphs:
            warning = ("the PDF's fonts have no glyph for " + ' '.join(pdf.missing_glyphs)
                       + ': they print as blanks. Write them as LaTeX maths ($\\alpha$) instead.')
            self.warnings.append(warning)
            print(f'WARNING: {warning}')
        self.written.append(f'{pdf_path.name}: the write-up, {pdf.pages} pages')
        print(f'Wrote {pdf_path.name}: {pdf.pages} pages.')

    def finish(self):
        """Say what was written and what is still wrong; raise CollectError on problems."""
        print('Written:' + ''.join(f'\n  {line}' for line in self.written or ['nothing']))
        if self.warnings:
            print('Check before submitting:' + ''.join(f'\n  - {w}' for w in self.warnings))
        if self.problems:
            raise CollectError('collecting the submission failed:\n'
                               + '\n'.join(f'  - {problem}' for problem in self.problems))
        print('Done: submit the archive to "HW1 Coding" and the PDF to "HW1 Code PDF", and '
              'tag the pages of each question (each starts on a new page).'
              if not self.archive_only else 'Done: submit the archive to "HW1 Coding".')

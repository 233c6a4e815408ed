"""The write-up: which notebook becomes the PDF, from which run, and whether it is filled in.

    chosen = write_up(root, notebook=None, partial_run=False)   # a WriteUp
    warnings = write_up_warnings(chosen.nb)                      # what is still the template

write_up takes main.ipynb when it holds outputs; else main.ipynb's text with the outputs of
the headless run runs/main.ipynb, code cells matched in order by their source (merge_outputs);
or runs/main.ipynb as it is when only it holds answers. The README's "Collecting the
submission" says how conflicts are settled. check_run says what a run is: the full run, or a
quick, shortened or failed one, which write_up refuses unless partial_run. Problems raise
WriteUpError, saying what is wrong and how to fix it.
"""
import ast
import copy
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from lab.parameters import flag

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
CANNOT_COMBINE = f"cannot combine {MAIN}'s text with {HEADLESS}'s outputs: "


class WriteUpError(Exception):
    """No write-up can be made as things are: the message says what is wrong and how to
    fix it."""


# -- Reading notebooks ---------------------------------------------------------

def read_notebook(path):
    """A notebook file as nbformat v4, without papermill's error banners (see
    without_banners); WriteUpError if it is not one."""
    path = Path(path)
    if not path.is_file():
        raise WriteUpError(f'{path} does not exist.')
    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception as err:   # nbformat raises JSON, validation and reader errors alike
        raise WriteUpError(f'{path} cannot be read as a notebook ({type(err).__name__}: '
                           f'{err}). Restore it from a saved copy.') from None
    return without_banners(nb)


def _tags(cell):
    return cell.get('metadata', {}).get('tags', [])


def _is_injected(cell):
    return 'injected-parameters' in _tags(cell)


def _is_settings(cell):
    return 'parameters' in _tags(cell)


def without_banners(nb):
    """nb without the markdown cells papermill adds when a cell fails (tagged
    PAPERMILL_BANNER): they are no one's answer, and no text of the write-up. Changes nb
    in place."""
    nb.cells = [cell for cell in nb.cells if PAPERMILL_BANNER not in _tags(cell)]
    return nb


def has_outputs(nb):
    """True if any code cell of the notebook nb holds an output."""
    return any(cell.get('outputs') for cell in nb.cells if cell.cell_type == 'code')


def heading(cell):
    """The first line of a markdown cell."""
    lines = cell.source.strip().splitlines()
    return lines[0] if lines else ''


def _first_line(source):
    lines = [line for line in source.splitlines() if line.strip()]
    return repr(lines[0][:70]) if lines else '(empty)'


def _insert(nb, at, cell):
    """Insert a copy of cell into nb at index at, without the cell id nb's format lacks."""
    cell = copy.deepcopy(cell)
    if nb.nbformat_minor < 5:
        cell.pop('id', None)          # cell ids came with nbformat 4.5
    nb.cells.insert(at, cell)


# -- Choosing the notebook and combining text with outputs ------------------------

@dataclass
class WriteUp:
    """The notebook to export, and what was done to get it."""
    nb: nbformat.NotebookNode
    name: str                 # the PDF's name without .pdf
    how: str                  # one or two sentences for the user
    folder: Path              # where relative paths in its markdown point
    run: 'RunCheck'           # what its outputs come from


def write_up(root='.', notebook=None, partial_run=False):
    """The write-up to export (see the module's docstring). notebook: a path (relative to
    root) to export as it is instead. Raises WriteUpError when main.ipynb and
    runs/main.ipynb cannot be combined without losing answers or outputs, or when the
    outputs do not come from the full run and partial_run is false. With partial_run, a
    partial run's write-up carries partial_note under its name block."""
    root = Path(root)
    if notebook is not None:
        nb = read_notebook(root / notebook)
        run = _accepted(check_run(nb, str(notebook)), partial_run)
        chosen = WriteUp(nb, Path(notebook).stem, f'{notebook}, as it is (NOTEBOOK).',
                         (root / notebook).parent, run)
    else:
        main = read_notebook(root / MAIN)
        if has_outputs(main):
            run = _accepted(check_run(main, MAIN), partial_run)
            unused = (f' ({HEADLESS} is not used: {MAIN} holds outputs of its own.)'
                      if (root / HEADLESS).is_file() else '')
            how = f'{MAIN}, run and saved with its outputs.{unused}'
            nb = main
        else:
            headless = _headless_run(root)
            run = _accepted(check_run(headless, HEADLESS), partial_run)
            nb, how = _combine(main, headless, run_saved_last=(
                (root / HEADLESS).stat().st_mtime > (root / MAIN).stat().st_mtime))
        chosen = WriteUp(nb, 'main', how, root, run)
    if not run.full:
        at = 1 if chosen.nb.cells and chosen.nb.cells[0].cell_type == 'markdown' else 0
        _insert(chosen.nb, at, nbformat.v4.new_markdown_cell(partial_note(run)))
        chosen.how += (f' It comes from {run.what()}: PARTIAL_RUN = True accepts it, and '
                       'the PDF says so under the name block.')
    return chosen


def _headless_run(root):
    """runs/main.ipynb under root, read, if it holds outputs; else WriteUpError saying how
    to make them."""
    path = root / HEADLESS
    run = read_notebook(path) if path.is_file() else None
    if run is not None and has_outputs(run):
        return run
    quick = (f' ({QUICK_RUN} is a quick check: collect does not use it unless NOTEBOOK '
             'names it.)' if (root / QUICK_RUN).is_file() else '')
    raise WriteUpError(
        f'{MAIN} holds no outputs, so its PDF would have no plots, and there is no headless '
        f'run ({HEADLESS}) to take them from.{quick} Run {MAIN} to the end and save it ('
        f'{COLAB_OMIT_OUTPUTS}), or run it headless with `{HEADLESS_COMMAND}`; then collect '
        'again.')


def _combine(main, run, run_saved_last):
    """main.ipynb's text with the outputs of the headless run (or the run as it is, when it
    alone holds answers): (the notebook, a sentence saying how)."""
    older_answers = ''
    if _markdown(main) != _markdown(run) and not _untouched(run):
        if _untouched(main):
            return run, (f'{HEADLESS}, as it is: it holds your answers and the outputs, while '
                         f'{MAIN} holds neither.')
        if run_saved_last:
            raise WriteUpError(
                f'{MAIN} and {HEADLESS} hold different answers, and {HEADLESS} was changed '
                f'last: collecting either could lose what you wrote in the other. Keep your '
                f'answers in {MAIN} (copy over what you wrote in {HEADLESS}), then collect '
                'again; or set NOTEBOOK to the one to export as it is.')
        # The usual path: answers written, the notebook run headless (which copies them),
        # then the answers edited on in main.ipynb. Its text is the newer: it wins.
        older_answers = (f' {HEADLESS} holds older answers, from when it was run: they are '
                         'not used.')
    merged, matched = merge_outputs(main, run)
    kept = ''
    if len(merged.cells) > len(main.cells):      # papermill's cell of parameters, added
        injected = next(cell for cell in merged.cells if _is_injected(cell))
        lines = [line for line in injected.source.splitlines()
                 if line.strip() and not line.startswith('#')]
        kept = (f"; papermill's cell of parameters ({', '.join(lines) or 'none'}) is kept "
                'after the settings cell')
    return merged, (f'{MAIN} (its text and your answers, as you left them) with the outputs '
                    f'of {HEADLESS}, the headless run: {matched} code cells matched by their '
                    f'source, in order{kept}.{older_answers}')


def _same_code(a, b):
    """Sources equal up to trailing spaces and blank lines at either end."""
    def norm(source):
        return '\n'.join(line.rstrip() for line in source.strip('\n').splitlines())
    return norm(a) == norm(b)


def merge_outputs(base, executed):
    """base's cells, each code cell with the outputs of executed's code cell of the same
    source, matched in order; papermill's injected-parameters cell is not matched but
    kept, after base's settings cell. Returns (a new notebook, number of code cells).

    Raises WriteUpError naming the first code cell that differs.
    """
    merged = copy.deepcopy(base)
    ran = [cell for cell in executed.cells if cell.cell_type == 'code' and not _is_injected(cell)]
    mine = [cell for cell in merged.cells if cell.cell_type == 'code']
    for number, cell in enumerate(mine, 1):
        if number > len(ran) or not _same_code(cell.source, ran[number - 1].source):
            theirs = (_first_line(ran[number - 1].source) if number <= len(ran)
                      else '(no such cell)')
            raise WriteUpError(
                f'{CANNOT_COMBINE}code cell {number} differs.\n  {MAIN}: '
                f'{_first_line(cell.source)}\n  {HEADLESS}: {theirs}\nThe code changed after '
                f'the run. Run it again (`{HEADLESS_COMMAND}`), then collect; the answers in '
                f'{MAIN} are kept. Or set NOTEBOOK to the notebook to export as it is.')
        cell.outputs = copy.deepcopy(ran[number - 1].get('outputs', []))
        cell.execution_count = ran[number - 1].get('execution_count')
    if len(ran) > len(mine):
        raise WriteUpError(
            f'{CANNOT_COMBINE}{HEADLESS} has {len(ran) - len(mine)} code cell(s) more, from '
            f'{_first_line(ran[len(mine)].source)} on. Run {MAIN} again '
            f'(`{HEADLESS_COMMAND}`), then collect.')
    injected = next((cell for cell in executed.cells if _is_injected(cell)), None)
    settings = next((k for k, cell in enumerate(merged.cells) if _is_settings(cell)), None)
    if injected is not None and settings is not None:
        _insert(merged, settings + 1, injected)
    return merged, len(mine)


def _markdown(nb):
    return [cell.source for cell in nb.cells if cell.cell_type == 'markdown']


def _untouched(nb):
    """True if the notebook's write-up is the template: no answer, no name."""
    return (len(unanswered_questions(nb)) == len(questions_of(nb))
            and len(missing_identity(nb)) == len(IDENTITY))


# -- Checking the run -----------------------------------------------------------

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
    """The RunCheck of the notebook nb (its outputs and papermill's records), called name.
    papermill records what a run was given (metadata.papermill.parameters) and how each
    cell ended (its status)."""
    given = _given(nb)
    settings = next((_literals(c.source) for c in nb.cells
                     if c.cell_type == 'code' and _is_settings(c)), {})
    return RunCheck(name, given, _shortened({**settings, **given}) + _how_it_ended(nb))


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


def _given(nb):
    """What a run was given on papermill's command line (-p NAME VALUE), as a dict:
    papermill's record, else the literals of its injected-parameters cell; {} for none."""
    recorded = nb.metadata.get('papermill', {}).get('parameters')
    if isinstance(recorded, dict):
        return dict(recorded)
    found = {}
    for cell in nb.cells:
        if cell.cell_type == 'code' and _is_injected(cell):
            found.update(_literals(cell.source))
    return found


def _shortened(settings):
    """What in the settings shortens training ([] for none): EPOCHS (which beats QUICK),
    else QUICK, read as the notebook reads it. A QUICK that is neither True nor False is
    not taken for either: the notebook's set-up refuses it, and the run ends in that
    error. SEED, WORKERS, UNIT_TESTS and the configs do not make a run partial."""
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


def _accepted(check, partial_run):
    """check, if it is the full run or partial_run accepts it; else WriteUpError saying
    what the run is and how to make the full one."""
    if check.full or partial_run:
        return check
    failed = any('error' in reason or 'did not finish' in reason for reason in check.partial)
    raise WriteUpError(
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


# -- Is the write-up filled in? ---------------------------------------------------

def write_up_start(nb):
    """Index of the "# Write-up" markdown cell, or None."""
    return next((k for k, cell in enumerate(nb.cells) if cell.cell_type == 'markdown'
                 and WRITE_UP_HEADING.match(heading(cell))), None)


def questions_of(nb):
    """Indexes of the write-up's question cells: markdown cells after "# Write-up" that
    start with a "## " heading."""
    start = write_up_start(nb)
    if start is None:
        return []
    return [k for k in range(start + 1, len(nb.cells)) if nb.cells[k].cell_type == 'markdown'
            and QUESTION_HEADING.match(heading(nb.cells[k]))]


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
            unanswered.append(QUESTION_HEADING.match(heading(nb.cells[start])).group(1))
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

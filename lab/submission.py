"""What collect_submission.ipynb calls: the code archive and the PDF write-up.

make_archive zips exactly the graded code (configs/, models/, optimizer/,
utils.py), refusing to build an archive that lacks a required file or holds a
Python file that does not compile. export_pdf turns the executed main.ipynb
into a PDF through nbconvert's LaTeX route, which works offline but needs
pandoc and XeLaTeX; without them it says how to install them.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import nbformat

ARCHIVE_NAME = 'hw1_code_submission.zip'
REQUIRED = [
    'configs/config_best.yaml', 'configs/config_exp.yaml', 'configs/config_softmax.yaml',
    'configs/config_twolayer.yaml',
    'models/__init__.py', 'models/_base_network.py', 'models/softmax_regression.py',
    'models/two_layer_nn.py',
    'optimizer/__init__.py', 'optimizer/_base_optimizer.py', 'optimizer/sgd.py',
    'utils.py',
]
# Folder -> the file types that belong to the submission from it.
FOLDERS = {'configs': ('.yaml', '.yml'), 'models': ('.py',), 'optimizer': ('.py',)}
TEX_PACKAGES = ['pandoc', 'texlive-xetex', 'texlive-fonts-recommended', 'texlive-plain-generic']
TEX_INSTALL = 'apt-get install -y ' + ' '.join(TEX_PACKAGES)


class SubmissionError(Exception):
    """The code cannot be packaged as it is: a required file is missing or broken."""


def submission_files(root='.'):
    """The files that go into the archive, as sorted POSIX paths relative to root.

    Every .py file under models/ and optimizer/ and every .yaml under configs/
    (at any depth, skipping caches and hidden folders such as
    .ipynb_checkpoints), plus utils.py. Raises SubmissionError naming each
    required file that is missing.
    """
    root = Path(root)
    missing = [name for name in REQUIRED if not (root / name).is_file()]
    if missing:
        raise SubmissionError(
            'cannot build the submission: missing ' + ', '.join(missing)
            + f' (looked in {root.resolve()}). Restore them (e.g. `git checkout -- <file>`) '
            'and run this again.')
    found = {'utils.py'}
    for folder, suffixes in FOLDERS.items():
        for path in (root / folder).rglob('*'):
            parts = path.relative_to(root).parts
            skipped = any(p.startswith('.') or p == '__pycache__' for p in parts)
            if path.is_file() and path.suffix in suffixes and not skipped:
                found.add('/'.join(parts))
    return sorted(found)


def _check_compiles(root, names):
    """Raise SubmissionError if a Python file has a syntax error (an autograder
    would score it 0)."""
    for name in names:
        if name.endswith('.py'):
            source = (Path(root) / name).read_text()
            try:
                compile(source, name, 'exec')
            except SyntaxError as err:
                raise SubmissionError(f'cannot build the submission: {name} line {err.lineno} '
                                      f'has a syntax error ({err.msg}). Fix it first.') from None


def make_archive(root='.', out=ARCHIVE_NAME, verbose=True):
    """Zip the graded code under root into out (relative to root unless absolute).

    Returns the list of paths inside the archive. With verbose, prints them
    with their sizes. Nothing is written if a required file is missing.
    """
    root = Path(root)
    names = submission_files(root)
    _check_compiles(root, names)
    out = Path(out) if Path(out).is_absolute() else root / out
    partial = out.with_name(out.name + '.part')
    with zipfile.ZipFile(partial, 'w', compression=zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            archive.write(root / name, arcname=name)
    partial.replace(out)
    if verbose:
        print(f'{out.name}: {len(names)} files')
        for name in names:
            print(f'  {name:<32} {(root / name).stat().st_size:>7,} bytes')
    return names


def archive_contents(path):
    """The file names inside a zip archive, sorted."""
    with zipfile.ZipFile(path) as archive:
        return sorted(archive.namelist())


# ---------------------------------------------------------------------------
# The PDF
# ---------------------------------------------------------------------------

def has_outputs(notebook):
    """True if any code cell of the notebook (a file, or one already read) holds an output."""
    nb = notebook if isinstance(notebook, nbformat.NotebookNode) else nbformat.read(
        str(notebook), as_version=4)
    return any(cell.get('outputs') for cell in nb.cells if cell.cell_type == 'code')


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


def notebook_to_export(root='.'):
    """The executed main notebook: main.ipynb if it holds outputs (run and saved
    in Colab or Jupyter), else runs/main.ipynb (a headless papermill run), else
    main.ipynb as it is (its PDF will have no results)."""
    root = Path(root)
    main, headless = root / 'main.ipynb', root / 'runs' / 'main.ipynb'
    if main.is_file() and has_outputs(main):
        return main
    if headless.is_file():
        return headless
    return main


def missing_tex_tools():
    """The programs nbconvert's PDF route needs that are not on PATH."""
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


def export_pdf(notebook=None, root='.', out_dir=None):
    """Export a notebook to PDF with `python -m nbconvert --to pdf`.

    notebook: default notebook_to_export(root). The PDF is written to out_dir
    (default root) as <notebook name>.pdf. Returns its path, or None after
    printing what went wrong and how to fix it (missing TeX, a LaTeX error).
    """
    root = Path(root)
    notebook = Path(notebook) if notebook is not None else notebook_to_export(root)
    out_dir = Path(out_dir) if out_dir is not None else root
    if not notebook.is_file():
        print(f'{notebook} does not exist: nothing to export.')
        return None
    missing = missing_tex_tools()
    if missing:
        print(f"Cannot make the PDF: {' and '.join(missing)} not found. nbconvert needs pandoc "
              f"and XeLaTeX. Install them with\n    sudo {TEX_INSTALL}\n"
              "(in Colab: run the install cell above), then run this cell again.")
        return None
    nb = nbformat.read(str(notebook), as_version=4)
    if not has_outputs(nb):
        print(f'Note: {notebook} holds no outputs, so the PDF will show no results or plots. '
              'Run main.ipynb and save it first.')
    pdf = out_dir / (notebook.stem + '.pdf')
    with tempfile.TemporaryDirectory() as scratch:
        tidy = Path(scratch) / notebook.name
        nbformat.write(coalesce_streams(nb), str(tidy))
        # --no-prompt: the cells carry their handout numbers; execution counts would confuse.
        command = [sys.executable, '-m', 'nbconvert', '--to', 'pdf', '--no-prompt', str(tidy),
                   '--output-dir', str(out_dir.resolve()), '--output', notebook.stem]
        done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0 or not pdf.is_file():
        print(f'nbconvert could not make the PDF (exit code {done.returncode}). '
              'The end of its report:\n' + '\n'.join(done.stderr.splitlines()[-25:]))
        return None
    print(f'Wrote {pdf} from {notebook}.')
    return pdf

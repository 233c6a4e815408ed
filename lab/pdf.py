"""The PDF of the write-up: a copy of the notebook for print, then nbconvert's LaTeX and XeLaTeX.

    copy = pdf_notebook(nb)                        # plots only; new pages marked
    pdf = export_pdf(copy.nb, 'main.pdf', folder)  # a Pdf: its path, pages, missing glyphs

pdf_notebook keeps plots, text and answers and leaves out text outputs (the handout asks for
"all outputs of cells except for plots" to be removed); each write-up question starts a new
page, and the code of a plot one when the page cannot hold it with the plot (an estimate of
printed heights). export_pdf uses lab/pdf.tex.j2, with fonts that print Greek letters and
mathematical symbols. The TeX it needs is listed once, in lab/tex-packages.txt (also read by
.ci/run); missing_tex_tools and install_tex check and install it. Failures raise PdfError.
"""
import base64
import copy
import os
import re
import shutil
import struct
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from lab.files import write_atomically
from lab.writeup import heading, questions_of, write_up_start

TEMPLATE = Path(__file__).with_name('pdf.tex.j2')
TEX_PACKAGES = Path(__file__).with_name('tex-packages.txt').read_text().split()
# Works as root (where there may be no sudo) and as a user with sudo.
TEX_INSTALL = ('$(command -v sudo) apt-get update && $(command -v sudo) apt-get install -y '
               '--no-install-recommends ' + ' '.join(TEX_PACKAGES))
PLOT_TYPES = ('image/png', 'image/jpeg', 'application/pdf')
# How lab/pdf.tex.j2 prints things: figures at FIGURE_SCALE of the size they were drawn
# at and at most FIGURE_WIDTH wide (0.9 of a letter page's 6.5 in text width), with
# FIGURE_GAP around each; a line of code takes CODE_LINE, a code cell's box CODE_BOX
# more, a heading HEADING, a paragraph a line (as high as one of code) per TEXT_LINE
# characters and PARAGRAPH_GAP; a page holds PAGE (all in inches).
FIGURE_SCALE, FIGURE_WIDTH, FIGURE_GAP = 0.8, 0.9 * 6.5, 0.2
CODE_LINE, CODE_BOX, HEADING, PAGE = 0.19, 0.35, 0.5, 9.0
TEXT_LINE, PARAGRAPH_GAP = 95, 0.15


class PdfError(Exception):
    """The PDF cannot be made: the message says why (and how to fix it)."""


# -- The copy that goes into the PDF -------------------------------------------

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
        out.new_pages.append(heading(out.nb.cells[k]).lstrip('# '))
    return out


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


# -- How high things print --------------------------------------------------------

def png_size(data):
    """(width, height) in inches of a base64 PNG, at the resolution its pHYs chunk
    gives (72 dpi without one, as XeLaTeX reads it); None if it is no PNG."""
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


# -- TeX and the export -------------------------------------------------------------

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
    markdown point. Raises PdfError if a tool is missing or LaTeX fails, with the lines
    of its log that say why; an earlier PDF at pdf_path is then left as it was.
    """
    missing = missing_tex_tools()
    if missing:
        raise PdfError(
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
                raise PdfError('LaTeX could not make the PDF. What its log says:\n'
                               + _latex_errors(log))
        pages = re.search(r'Output written on \S+ \((\d+) pages?', log)
        glyphs = sorted(set(re.findall(r'Missing character: There is no (.+?) \(', log)))
        write_atomically(pdf_path, (Path(scratch) / 'write-up.pdf').read_bytes())
    return Pdf(pdf_path, int(pages.group(1)) if pages else 0, glyphs)


def _latex_errors(log, context=4):
    """The error lines of a LaTeX log ("! ..."), each with the lines after it."""
    lines = log.splitlines()
    found = []
    for k, line in enumerate(lines):
        if line.startswith('!'):
            found += lines[k:k + context] + ['']
    return '\n'.join(found[:40]) if found else '\n'.join(lines[-25:])

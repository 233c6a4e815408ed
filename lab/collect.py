"""What collect_submission.ipynb runs: its steps, each a call into lab.archive, lab.grade,
lab.writeup or lab.pdf.

    collect = Collection(ARCHIVE, NOTEBOOK, KEEP_OUTPUTS, ARCHIVE_ONLY, partial_run=PARTIAL_RUN)
    collect.build_archive(); collect.grade(); collect.install_tex(); collect.write_pdf()
    collect.finish()        # lists what was written; CollectError if anything went wrong

Each step prints what it did. A step that fails records the problem and returns, so that
the later steps still run; finish() raises CollectError listing every problem, so that a
headless run exits non-zero only after writing all it could.
"""
import os
from pathlib import Path

from lab import grade
from lab.archive import ARCHIVE_NAME, ArchiveError, make_archive
from lab.parameters import flag, shown
from lab.pdf import PdfError, export_pdf, install_tex, missing_tex_tools, pdf_notebook
from lab.writeup import WriteUpError, write_up, write_up_warnings


class CollectError(Exception):
    """Collecting finished with problems; the message lists each of them."""


def _path(value):
    """True if value can name a file: a path, or a text that is not blank."""
    return isinstance(value, os.PathLike) or isinstance(value, str) and bool(value.strip())


class Collection:
    """The submission, collected step by step as collect_submission.ipynb does it: the
    settings are the notebook's, checked here (ValueError naming the one that is wrong)."""

    def __init__(self, archive=ARCHIVE_NAME, notebook=None, keep_outputs=False,
                 archive_only=False, root='.', partial_run=False):
        if not _path(archive):
            raise ValueError(f'ARCHIVE must be a file name such as {ARCHIVE_NAME!r}, '
                             f'got {shown(archive)}.')
        if notebook is not None and not _path(notebook):
            raise ValueError(f'NOTEBOOK must be None or a notebook path such as '
                             f"'runs/main.ipynb', got {shown(notebook)}.")
        self.root = Path(root)
        self.archive = self.root / archive     # an absolute archive stays as it is
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

    def _warn(self, text):
        self.warnings.append(text)
        print(f'WARNING: {text}')

    def build_archive(self):
        """The code archive (the "HW1 Coding" assignment)."""
        try:
            names = make_archive(self.root, self.archive_name)
        except ArchiveError as err:
            self._problem(f'no code archive: {err}')
            return
        self.built = True
        self.written.append(f'{self.archive_name}: the code archive, {len(names)} files')

    def grade(self):
        """The pre-flight grade of the archive; a failure is a problem."""
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

    def install_tex(self):
        """Install pandoc and XeLaTeX if the PDF needs them and they are missing (Colab)."""
        if not self.archive_only and missing_tex_tools():
            install_tex()

    def write_pdf(self):
        """The write-up as a PDF (the "HW1 Code PDF" assignment), unless archive_only."""
        if self.archive_only:
            print('ARCHIVE_ONLY = True: no PDF is made.')
            return
        try:
            chosen = write_up(self.root, self.notebook, self.partial_run)
        except WriteUpError as err:
            self._problem(f'no PDF: {err}')
            return
        print(f'The write-up is made from {chosen.how}')
        for warning in write_up_warnings(chosen.nb):
            self._warn(warning)
        if not chosen.run.full:     # asked for: said here, and again by finish()
            self.warnings.append(f'the PDF comes from {chosen.run.what()} ({chosen.run.name}), '
                                 'not from the full run; its first page says so '
                                 '(PARTIAL_RUN = True).')
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
        except PdfError as err:
            self._problem(f'no PDF: {err}')
            return
        if pdf.missing_glyphs:
            self._warn("the PDF's fonts have no glyph for " + ' '.join(pdf.missing_glyphs)
                       + ': they print as blanks. Write them as LaTeX maths ($\\alpha$) instead.')
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

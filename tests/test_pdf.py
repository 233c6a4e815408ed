"""lab/pdf.py: the copy of the notebook that goes into the PDF (plots only, new pages,
plots kept with their code), and the PDF itself through the real LaTeX route.

The PDF tests need pandoc and XeLaTeX; without them they are skipped, unless
HW1_REQUIRE_TEX=1 (as in CI) makes their absence a failure.
"""
import copy
import io
import os
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

import nbformat

from lab import pdf as pdfs
from lab import writeup
from tests import TempDirTestCase, full_only
from tests.test_writeup import NotebookTestCase, answered, executed, template

TEX_REQUIRED = os.environ.get('HW1_REQUIRE_TEX') == '1'


class TestPdfCopy(unittest.TestCase):

    def test_only_plots_are_kept_and_the_notebook_is_not_changed(self):
        nb = executed(answered(template()))
        before = copy.deepcopy(nb)
        prepared = pdfs.pdf_notebook(nb)
        self.assertEqual(nb, before)
        code = [c for c in prepared.nb.cells if c.cell_type == 'code'
                and not {'parameters', 'injected-parameters'} & set(c.metadata.get('tags', []))]
        self.assertTrue(all([o.output_type for o in c.outputs] == ['display_data'] for c in code))
        self.assertTrue(all(list(c.outputs[0].data) == ['image/png'] for c in code))
        self.assertEqual(prepared.plots, len(code))
        self.assertEqual(prepared.left_out, len(code))
        markdown = [c.source for c in prepared.nb.cells if c.cell_type == 'markdown']
        self.assertEqual(markdown, [c.source for c in nb.cells if c.cell_type == 'markdown'])

    def test_keep_outputs_keeps_every_output(self):
        nb = executed(template())
        prepared = pdfs.pdf_notebook(nb, keep_outputs=True)
        code = [c for c in prepared.nb.cells if c.cell_type == 'code'
                and not {'parameters', 'injected-parameters'} & set(c.metadata.get('tags', []))]
        self.assertTrue(all(len(c.outputs) == 2 for c in code))
        self.assertEqual(prepared.left_out, 0)

    def test_the_write_up_and_each_later_question_start_a_page(self):
        prepared = pdfs.pdf_notebook(answered(template()))
        starting = [c.source.splitlines()[0] for c in prepared.nb.cells
                    if c.metadata.get('hw1', {}).get('new_page')]
        self.assertEqual(starting, ['# Write-up', '## 5(b) Regularization [2 points]',
                                    '## 5(c) Hyper-parameter tuning [2 points]'])

    def test_consecutive_prints_become_one_block_for_the_pdf(self):
        new_output = nbformat.v4.new_output
        cell = nbformat.v4.new_code_cell('')
        cell.outputs = [new_output('stream', name='stdout', text='a\n'),
                        new_output('stream', name='stdout', text='b\n'),
                        new_output('stream', name='stderr', text='c\n'),
                        new_output('display_data', data={'text/plain': 'bar'}),
                        new_output('stream', name='stdout', text='d\n')]
        nb = pdfs.coalesce_streams(nbformat.v4.new_notebook(cells=[cell]))
        merged = nb.cells[0].outputs
        self.assertEqual([o.get('text') for o in merged], ['a\nb\n', 'c\n', None, 'd\n'])


def png(width_in, height_in, dpi=100):
    """A base64 PNG of a matplotlib figure of that size, as a notebook output holds it."""
    import base64

    import matplotlib.pyplot as plt
    fig = plt.figure(figsize=(width_in, height_in), dpi=dpi)
    fig.add_subplot().plot([0, 1], [1, 0])
    buffer = io.BytesIO()
    fig.savefig(buffer, format='png', dpi=dpi)
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


def plot_cell(source, *sizes):
    cell = nbformat.v4.new_code_cell(source)
    cell.outputs = [nbformat.v4.new_output('display_data', data={'image/png': png(*size)})
                    for size in sizes]
    return cell


class TestKeepingPlotsWithTheirCode(unittest.TestCase):

    def test_a_pngs_size_is_read_at_its_resolution(self):
        width, height = pdfs.png_size(png(6, 4))
        self.assertAlmostEqual(width, 6.0, places=4)      # PNG stores dots per metre
        self.assertAlmostEqual(height, 4.0, places=4)
        self.assertIsNone(pdfs.png_size('aGVsbG8='))

    def test_code_and_plots_are_measured_with_the_training_cell_and_heading_above(self):
        cells = [nbformat.v4.new_markdown_cell('### Learning rate 1'),
                 nbformat.v4.new_code_cell('run = train(1.0)'),
                 plot_cell('plot(run)', (6, 4), (6, 4))]
        nb = pdfs.pdf_notebook(nbformat.v4.new_notebook(cells=cells)).nb
        needs = [cell.metadata.get('hw1', {}).get('need_inches') for cell in nb.cells]
        printed = 4 * pdfs.FIGURE_SCALE + pdfs.FIGURE_GAP
        code = 2 * (pdfs.CODE_LINE + pdfs.CODE_BOX)
        self.assertEqual(needs, [round(pdfs.HEADING + code + 2 * printed, 2), None, None])

    def test_plots_beyond_a_page_are_not_asked_for(self):
        nb = nbformat.v4.new_notebook(cells=[plot_cell('plot()', (6, 4), (6, 4), (6, 4))])
        need = pdfs.pdf_notebook(nb).nb.cells[0].metadata['hw1']['need_inches']
        self.assertLessEqual(need, pdfs.PAGE)


def tex_missing():
    missing = pdfs.missing_tex_tools()
    return bool(missing) and not TEX_REQUIRED


_shared = []    # the PDF of SHARED, once made


# One small write-up for the tests that only read its PDF: Greek and mathematical symbols,
# a character the fonts lack, and two questions after the write-up's heading.
SHARED = ('# Title', 'Text.', 'The rate η = 0.1, λ = 1e-3, ε → 0, |a − n| ≤ 1e-8, ∇θ J(θ).',
          'A digit in Chinese: 七', '# Write-up', '## 5(a) One', 'Answer one.', '## 5(b) Two',
          'Answer two.')


def shared_pdf(test):
    """The PDF of SHARED (a pdfs.Pdf), made on first use in a folder removed after the
    module's tests."""
    if not _shared:
        folder = Path(tempfile.mkdtemp(prefix='hw1-test-pdf-'))
        unittest.addModuleCleanup(shutil.rmtree, folder, ignore_errors=True)
        unittest.addModuleCleanup(_shared.clear)
        _shared.append(test.export(*SHARED, folder=folder))
    return _shared[0]


@unittest.skipIf(tex_missing(), 'pandoc or XeLaTeX is not installed: cannot make a PDF')
class TestPdf(TempDirTestCase):
    """Small notebooks through the real LaTeX route."""

    def export(self, *markdown, folder=None):
        """The PDF of markdown cells, made in folder (default: the test's own)."""
        folder = folder or self.tmp
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(text)
                                             for text in markdown])
        return pdfs.export_pdf(pdfs.pdf_notebook(nb).nb, folder / 'w.pdf', folder)

    def page_texts(self, pdf):
        text = subprocess.run(['pdftotext', '-layout', str(pdf.path), '-'], capture_output=True,
                              text=True, check=True).stdout
        return text.split('\f')[:pdf.pages]

    def test_greek_and_mathematical_symbols_print(self):
        pdf = shared_pdf(self)
        self.assertEqual(pdf.missing_glyphs, ['七'])    # the one glyph the fonts lack
        if shutil.which('pdftotext') or TEX_REQUIRED:
            self.assertIn('η = 0.1, λ = 1e-3, ε → 0', self.page_texts(pdf)[0])

    def test_a_character_the_fonts_lack_is_reported(self):
        self.assertEqual(shared_pdf(self).missing_glyphs, ['七'])

    def test_each_question_starts_a_page_and_headings_are_not_numbered(self):
        pdf = shared_pdf(self)
        self.assertEqual(pdf.pages, 3)
        if not (shutil.which('pdftotext') or TEX_REQUIRED):
            return
        pages = [[line.strip() for line in page.splitlines() if line.strip()]
                 for page in self.page_texts(pdf)]
        self.assertEqual(pages[0][:2], ['Title', 'Text.'])
        self.assertEqual(pages[1][:3], ['Write-up', '5(a) One', 'Answer one.'])
        self.assertEqual(pages[2][:2], ['5(b) Two', 'Answer two.'])

    def test_a_plot_stays_with_its_code_and_heading(self):
        filler = ' '.join(['A paragraph that fills most of the first page.'] * 80)
        nb = nbformat.v4.new_notebook(cells=[
            nbformat.v4.new_markdown_cell(filler),
            nbformat.v4.new_markdown_cell('### Learning rate 1'),
            nbformat.v4.new_code_cell('run = train(1.0)'),
            plot_cell('plot(run)', (6, 4), (6, 4))])
        pdf = pdfs.export_pdf(pdfs.pdf_notebook(nb).nb, self.tmp / 'w.pdf', self.tmp)
        self.assertEqual(pdf.pages, 2)
        if not (shutil.which('pdfimages') or TEX_REQUIRED):
            return
        self.assertEqual(self.page_texts(pdf)[1].split()[:3], ['Learning', 'rate', '1'])
        listing = subprocess.run(['pdfimages', '-list', str(pdf.path)], capture_output=True,
                                 text=True, check=True).stdout.splitlines()[2:]
        self.assertEqual([row.split()[0] for row in listing if row.split()[2] == 'image'],
                         ['2', '2'])

    # The default line covers this in parts and end to end: the note in the notebook the PDF
    # is made from (tests.test_writeup), and on the first page of a quick run's PDF
    # (tests.test_notebooks: test_collect_merges_answers_written_after_the_headless_run).
    @full_only("a shortened run's PDF through LaTeX, its note on the first page")
    def test_a_partial_runs_pdf_says_so_on_its_first_page(self):
        write = NotebookTestCase.write
        write(self, answered(template()), 'main.ipynb')
        write(self, executed(template(), {'EPOCHS': 2}), 'runs/main.ipynb')
        chosen = writeup.write_up(self.tmp, partial_run=True)
        for cell in chosen.nb.cells:
            if cell.cell_type == 'code':
                cell.outputs = []          # executed()'s stand-in PNG is no picture to print
        pdf = pdfs.export_pdf(pdfs.pdf_notebook(chosen.nb).nb, self.tmp / 'w.pdf',
                                    self.tmp)
        if not (shutil.which('pdftotext') or TEX_REQUIRED):
            return
        first = ' '.join(self.page_texts(pdf)[0].split())
        self.assertIn('Name: Ada Lovelace', first)
        self.assertIn('Note: This PDF comes from a shortened run (EPOCHS=2: every training ran '
                      '2 epochs), runs/main.ipynb, not from the full run of the assignment', first)

    def test_a_latex_error_is_shown_and_no_pdf_written(self):
        with self.assertRaises(pdfs.PdfError) as caught:
            self.export('An answer with $\\undefinedmacro$ in it.')
        self.assertIn('Undefined control sequence', str(caught.exception))
        self.assertFalse((self.tmp / 'w.pdf').exists())


if __name__ == '__main__':
    unittest.main()

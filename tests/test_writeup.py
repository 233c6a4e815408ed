"""lab/writeup.py: which notebook becomes the PDF (and how answers and outputs are
combined), which runs are refused as partial, and the checks of the write-up.

The notebook helpers here (template, executed, answered) stand in for main.ipynb as handed
out, as a student leaves it, and as a headless run leaves it; the other collect tests use
them too.
"""
import contextlib
import copy
import os
import unittest
import warnings
from pathlib import Path

import nbformat

from lab import writeup
from tests import TempDirTestCase

FIXTURES = Path(__file__).resolve().parent / 'fixtures'
TEMPLATE = FIXTURES / 'collect' / 'template.ipynb'
COURSE_TEMPLATE = FIXTURES / 'main.ipynb'     # the course's main.ipynb, as handed out


def template():
    """A small stand-in for the course's main.ipynb, as handed out: the same name block,
    settings cell, write-up headings and answer cells, and a few quick code cells (tests
    never read main.ipynb itself: a student's copy holds their answers)."""
    return nbformat.read(str(TEMPLATE), as_version=4)


BANNER = ('<span style="color:red; font-family:Helvetica Neue, Helvetica, Arial, sans-serif; '
          'font-size:2em;">An Exception was encountered at \'<a href="#papermill-error-cell">'
          "In [{}]</a>'.</span>")
ANCHOR = ('<span id="papermill-error-cell" style="color:red; font-family:Helvetica Neue, '
          'Helvetica, Arial, sans-serif; font-size:2em;">Execution using papermill encountered '
          'an exception here and stopped:</span>')
WHEN = '2025-01-01T00:00:00+00:00'


def executed(nb, parameters=None, failed=None, stopped=None):
    """nb as papermill 2 leaves it (see test_papermill_records_what_these_tests_rely_on):
    run with `-p NAME VALUE` for each of parameters (then with the injected-parameters
    cell after the settings cell), every code cell with an output (a print and a plot),
    papermill's record of the run and each cell's status.

    failed: the start of the code cell that raised: it holds the error, the cells after it
    stay pending, and papermill's two banners are added (one on top, one above the cell).
    stopped: the start of the code cell the run was killed in (no end time).
    """
    nb = copy.deepcopy(nb)
    new_output = nbformat.v4.new_output
    if parameters:
        settings = next(k for k, c in enumerate(nb.cells) if 'parameters' in c.metadata.get(
            'tags', []))
        injected = nbformat.v4.new_code_cell('# Parameters\n' + ''.join(
            f'{name} = {value!r}\n' for name, value in parameters.items()))
        injected.metadata['tags'] = ['injected-parameters']
        nb.cells.insert(settings + 1, injected)
    upcoming, count, failing = 'completed', 0, None    # the status of the cells to come
    for cell in nb.cells:
        status = upcoming
        if cell.cell_type == 'code' and upcoming == 'completed':
            count += 1
            cell.execution_count = count
            tags = cell.metadata.get('tags', [])
            if failed and cell.source.startswith(failed):
                status, failing = 'failed', cell
                cell.outputs = [new_output('error', ename='ValueError', evalue='QUICK must be '
                                           "True or False, got 'maybe'.", traceback=[])]
            elif stopped and cell.source.startswith(stopped):
                status = 'running'
                cell.outputs = [new_output('stream', name='stdout', text='epoch 1\n')]
            elif 'parameters' not in tags and 'injected-parameters' not in tags:
                cell.outputs = [
                    new_output('stream', name='stdout', text=f'output of cell {count}\n'),
                    new_output('display_data', data={'image/png': 'iVBORw0KGgo=',
                                                     'text/plain': '<Figure>'})]
        cell.metadata['papermill'] = {'status': status, 'exception': status == 'failed'}
        if status in ('failed', 'running'):
            upcoming = 'pending'
    nb.metadata['papermill'] = {'parameters': dict(parameters or {}),
                                'exception': True if failed else None,
                                'end_time': None if stopped else WHEN}
    if failing is not None:
        banners = [nbformat.v4.new_markdown_cell(text) for text in
                   (BANNER.format(failing.execution_count), ANCHOR)]
        for banner in banners:
            banner.metadata['tags'] = [writeup.PAPERMILL_BANNER]
        nb.cells.insert(nb.cells.index(failing), banners[1])
        nb.cells.insert(0, banners[0])
    return nb


def cell_after(nb, heading):
    """Index of the cell after the markdown cell whose first line is heading."""
    return next(k for k, c in enumerate(nb.cells)
                if c.cell_type == 'markdown' and c.source.startswith(heading)) + 1


def answered(nb, added_cell=True):
    """nb with the name block and every question filled in; the answer to 5(a) in an added
    cell after the template's (the handout allows more cells right after the given one)."""
    nb = copy.deepcopy(nb)
    nb.cells[0].source = nb.cells[0].source.replace('**Name:**', '**Name:** Ada Lovelace')
    nb.cells[0].source = nb.cells[0].source.replace('**Student ID:**', '**Student ID:** 90312')
    for heading, text in (('## 5(b)', 'L2 shrinks the weights.'),
                          ('## 5(c)', 'I chose 256 hidden units because they fit.')):
        nb.cells[cell_after(nb, heading)].source = f'**Answer:** {text}'
    if added_cell:
        k = cell_after(nb, '## 5(a)')
        nb.cells.insert(k + 1, nbformat.v4.new_markdown_cell('A rate of 1 converges fastest.'))
    else:
        nb.cells[cell_after(nb, '## 5(a)')].source = '**Answer:** A rate of 1 ...'
    return nb


def without_ids(nb):
    """nb as an nbformat 4.4 notebook (Colab and older Jupyter): no cell ids."""
    nb = copy.deepcopy(nb)
    nb.nbformat_minor = 4
    for cell in nb.cells:
        cell.pop('id', None)
    return nb


class NotebookTestCase(TempDirTestCase):
    def write(self, nb, name):
        path = self.tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, str(path))
        return path


class TestWriteUpChecks(unittest.TestCase):

    def test_the_template_warns_of_the_empty_name_block_and_every_question(self):
        found = writeup.write_up_warnings(template())
        self.assertEqual(len(found), 2, found)
        self.assertIn('Name, Student ID', found[0])
        self.assertIn('5(a) Learning rate [2 points]; 5(b) Regularization [2 points]; '
                      '5(c) Hyper-parameter tuning [2 points]', found[1])

    @unittest.skipUnless(COURSE_TEMPLATE.is_file(), 'no copy of the course template in '
                         'tests/fixtures/main.ipynb')
    def test_the_course_templates_write_up_and_name_block_are_recognised(self):
        course = nbformat.read(str(COURSE_TEMPLATE), as_version=4)
        found = writeup.write_up_warnings(course)
        self.assertEqual(len(found), 2, found)
        self.assertIn('Name, Student ID', found[0])
        self.assertIn('5(a) Learning rate [2 points]; 5(b) Regularization [2 points]; '
                      '5(c) Hyper-parameter tuning [2 points]', found[1])
        self.assertEqual(writeup.write_up_warnings(answered(course)), [])

    def test_a_filled_in_write_up_gives_no_warning(self):
        self.assertEqual(writeup.write_up_warnings(answered(template())), [])
        self.assertEqual(writeup.write_up_warnings(answered(template(), False)), [])

    def test_an_answer_in_an_added_cell_counts(self):
        nb = answered(template())
        nb.cells[cell_after(nb, '## 5(b)')].source = writeup.ANSWER_TEMPLATE
        self.assertEqual(writeup.unanswered_questions(nb), ['5(b) Regularization [2 points]'])

    def test_a_name_without_a_student_id_is_named(self):
        nb = template()
        nb.cells[0].source = nb.cells[0].source.replace('**Name:**', '**Name:** Ada')
        self.assertEqual(writeup.missing_identity(nb), ['Student ID'])

    def test_labels_written_other_ways_are_found(self):
        nb = template()
        nb.cells[0].source = '# HW1\n\nName: Ada Lovelace\n\n**Student ID**: 903\n'
        self.assertEqual(writeup.missing_identity(nb), [])

    def test_a_cell_that_ended_in_an_error_is_named(self):
        nb = executed(answered(template()))
        cell = next(c for c in nb.cells if c.source.startswith('# Cell 6:'))
        cell.outputs.append(nbformat.v4.new_output('error', ename='ConfigError',
                                                   evalue='configs/x.yaml: no such file',
                                                   traceback=[]))
        found = writeup.write_up_warnings(nb)
        self.assertEqual(len(found), 1, found)
        self.assertIn("ended in an error (ConfigError: configs/x.yaml: no such file), in the "
                      "cell starting '# Cell 6: train softmax regression", found[0])

    def test_a_deleted_write_up_is_said(self):
        nb = template()
        nb.cells = nb.cells[:writeup.write_up_start(nb)]
        self.assertIn('no write-up', ' '.join(writeup.write_up_warnings(nb)))


class TestWhichNotebook(NotebookTestCase):

    def test_main_run_and_saved_is_exported_as_it_is(self):
        self.write(executed(answered(template())), 'main.ipynb')
        self.write(executed(template()), 'runs/main.ipynb')
        chosen = writeup.write_up(self.tmp)
        self.assertIn('main.ipynb, run and saved', chosen.how)
        self.assertIn('runs/main.ipynb is not used', chosen.how)
        self.assertEqual(writeup.write_up_warnings(chosen.nb), [])

    def test_answers_in_main_get_the_headless_runs_outputs(self):
        self.write(answered(template()), 'main.ipynb')
        run = executed(template(), {'SEED': 0})
        self.write(run, 'runs/main.ipynb')
        chosen = writeup.write_up(self.tmp)
        self.assertIn('with the outputs of runs/main.ipynb', chosen.how)
        self.assertIn('code cells matched', chosen.how)
        self.assertIn('(SEED = 0)', chosen.how)
        # every markdown cell as the student left it, the added answer cell included
        mine = [c.source for c in answered(template()).cells if c.cell_type == 'markdown']
        self.assertEqual([c.source for c in chosen.nb.cells if c.cell_type == 'markdown'], mine)
        self.assertEqual(writeup.write_up_warnings(chosen.nb), [])
        # every code cell with the outputs of the run's cell of the same source
        ran = [c for c in run.cells if c.cell_type == 'code']
        merged = [c for c in chosen.nb.cells if c.cell_type == 'code']
        self.assertEqual([c.source for c in merged], [c.source for c in ran])
        self.assertEqual([c.outputs for c in merged], [c.outputs for c in ran])
        # the injected parameters, after the settings cell
        settings = next(k for k, c in enumerate(chosen.nb.cells)
                        if 'parameters' in c.metadata.get('tags', []))
        self.assertIn('injected-parameters', chosen.nb.cells[settings + 1].metadata.tags)

    def test_notebooks_without_cell_ids_are_combined(self):
        self.write(without_ids(answered(template())), 'main.ipynb')
        self.write(without_ids(executed(template())), 'runs/main.ipynb')
        with warnings.catch_warnings():
            warnings.simplefilter('error')
            chosen = writeup.write_up(self.tmp)
            nbformat.validate(chosen.nb)
        self.assertEqual(writeup.write_up_warnings(chosen.nb), [])
        self.assertTrue(writeup.has_outputs(chosen.nb))

    def test_a_code_cell_changed_after_the_run_is_named_and_nothing_combined(self):
        main = answered(template())
        cell = next(c for c in main.cells if c.source.startswith('# Cell 6:'))
        cell.source += "\nprint('changed')"
        self.write(main, 'main.ipynb')
        self.write(executed(template()), 'runs/main.ipynb')
        with self.assertRaises(writeup.WriteUpError) as caught:
            writeup.write_up(self.tmp)
        message = str(caught.exception)
        self.assertIn('differs', message)
        self.assertIn("'# Cell 6: train softmax regression", message)
        self.assertIn('python -m papermill main.ipynb runs/main.ipynb', message)

    def test_a_code_cell_added_to_main_is_named(self):
        main = answered(template())
        main.cells.append(nbformat.v4.new_code_cell('print("mine")'))
        self.write(main, 'main.ipynb')
        self.write(executed(template()), 'runs/main.ipynb')
        with self.assertRaises(writeup.WriteUpError) as caught:
            writeup.write_up(self.tmp)
        self.assertIn("""main.ipynb: 'print("mine")\'""", str(caught.exception))
        self.assertIn('runs/main.ipynb: (no such cell)', str(caught.exception))

    def test_answers_written_in_the_headless_run_are_exported_from_it(self):
        self.write(template(), 'main.ipynb')
        self.write(executed(answered(template())), 'runs/main.ipynb')
        chosen = writeup.write_up(self.tmp)
        self.assertIn('runs/main.ipynb, as it is', chosen.how)
        self.assertEqual(writeup.write_up_warnings(chosen.nb), [])

    def test_answers_edited_in_main_after_the_run_win_over_the_runs_older_ones(self):
        # Answers written, the notebook run headless (papermill copies them), then edited on.
        self.write(executed(answered(template(), added_cell=False)), 'runs/main.ipynb')
        self.write(answered(template()), 'main.ipynb')
        self.age('runs/main.ipynb')
        chosen = writeup.write_up(self.tmp)
        mine = [c.source for c in answered(template()).cells if c.cell_type == 'markdown']
        self.assertEqual([c.source for c in chosen.nb.cells if c.cell_type == 'markdown'], mine)
        self.assertIn('holds older answers', chosen.how)
        self.assertTrue(writeup.has_outputs(chosen.nb))

    def test_answers_changed_in_the_run_after_main_are_refused(self):
        self.write(answered(template()), 'main.ipynb')
        self.write(executed(answered(template(), added_cell=False)), 'runs/main.ipynb')
        self.age('main.ipynb')
        with self.assertRaises(writeup.WriteUpError) as caught:
            writeup.write_up(self.tmp)
        self.assertIn('hold different answers', str(caught.exception))
        self.assertIn('was changed last', str(caught.exception))

    def age(self, name, seconds=60):
        """Make a file look written `seconds` before now."""
        path = self.tmp / name
        when = path.stat().st_mtime - seconds
        os.utime(path, (when, when))

    def test_no_outputs_anywhere_says_what_to_do(self):
        self.write(answered(template()), 'main.ipynb')
        with self.assertRaises(writeup.WriteUpError) as caught:
            writeup.write_up(self.tmp)
        self.assertIn('Omit code cell output when saving', str(caught.exception))
        self.assertIn('python -m papermill main.ipynb runs/main.ipynb', str(caught.exception))

    def test_a_notebook_named_is_exported_as_it_is(self):
        self.write(executed(template()), 'runs/other.ipynb')
        chosen = writeup.write_up(self.tmp, 'runs/other.ipynb')
        self.assertEqual(chosen.name, 'other')
        self.assertIn('as it is (NOTEBOOK)', chosen.how)

    def test_a_file_that_is_no_notebook_is_said(self):
        (self.tmp / 'main.ipynb').write_text('{"cells": [')
        with self.assertRaises(writeup.WriteUpError) as caught:
            writeup.write_up(self.tmp)
        self.assertIn('cannot be read as a notebook', str(caught.exception))


def papermill_run(source, output, failing='# Cell 1:', **parameters):
    """papermill's run of the notebook file source into output, with parameters, by an
    engine that starts no kernel: each code cell runs without output (its execution count
    set, as a kernel does) but the one starting with failing, which raises. Everything else
    (the injected parameters, the records of the run and of each cell, the banners, saving)
    is papermill's own, as in a real run.
    Returns the notebook papermill wrote, as the file holds it."""
    import papermill
    from papermill.engines import Engine, papermill_engines

    class ScriptedEngine(Engine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
            count = 0
            for index, cell in enumerate(nb_man.nb.cells):
                nb_man.cell_start(cell, index)
                try:
                    if cell.cell_type == 'code':
                        count += 1
                        cell.execution_count = count
                    if cell.cell_type == 'code' and cell.source.startswith(failing):
                        cell.outputs = [nbformat.v4.new_output(
                            'error', ename='ValueError', evalue='boom', traceback=[])]
                        nb_man.cell_exception(cell, index)
                        break
                finally:
                    nb_man.cell_complete(cell, index)

    papermill_engines.register('hw1-scripted', ScriptedEngine)
    with contextlib.suppress(papermill.PapermillExecutionError):
        papermill.execute_notebook(str(source), str(output), parameters=parameters,
                                   engine_name='hw1-scripted', progress_bar=False)
    return nbformat.read(str(output), as_version=4)


def shape(nb):
    """What collect relies on in a run: each cell's type, tags and papermill status, and the
    run's parameters, exception and whether it has an end time."""
    record = nb.metadata.papermill
    return ([(c.cell_type, c.metadata.get('tags', []), c.metadata.get('papermill', {}).get(
        'status')) for c in nb.cells],
        record['parameters'], record['exception'], record['end_time'] is not None)


class TestWhichRun(NotebookTestCase):
    """Only the full run becomes the PDF, unless PARTIAL_RUN asks for another."""

    def setUp(self):
        super().setUp()
        self.main = answered(template())
        self.write(self.main, 'main.ipynb')

    def refusal(self, run, name='runs/main.ipynb', **kwargs):
        self.write(run, name)
        with self.assertRaises(writeup.WriteUpError) as caught:
            writeup.write_up(self.tmp, **kwargs)
        return str(caught.exception)

    def assert_says_how_to_make_the_full_run(self, message):
        self.assertIn('`JUPYTER_PATH=jupyter .venv/bin/python -m papermill main.ipynb '
                      'runs/main.ipynb`', message)
        self.assertIn('runs/main_quick.ipynb -p QUICK True', message)
        self.assertIn('set PARTIAL_RUN = True', message)

    def test_papermill_records_what_these_tests_rely_on(self):
        # papermill's own code (without a kernel) fails cell 1 as executed() builds it.
        source = self.write(template(), 'template.ipynb')
        real = papermill_run(source, self.tmp / 'out.ipynb', QUICK=True)
        built = executed(template(), {'QUICK': True}, failed='# Cell 1:')
        self.assertEqual(shape(built), shape(real))
        self.assertEqual([c.source for c in built.cells], [c.source for c in real.cells])

    def test_a_quick_run_is_refused_saying_what_it_is_and_how_to_make_the_full_one(self):
        message = self.refusal(executed(template(), {'QUICK': True, 'SEED': 0}))
        self.assertIn('runs/main.ipynb is not the full run of the assignment: it is a quick run '
                      '(QUICK=True: every training ran one epoch). It was made with the '
                      'parameters QUICK=True, SEED=0.', message)
        self.assert_says_how_to_make_the_full_run(message)

    def test_quick_given_as_text_counts_as_papermill_passes_it(self):
        with self.subTest('true'):
            self.assertIn("a quick run (QUICK='true'",
                          self.refusal(executed(template(), {'QUICK': 'true'})))
        with self.subTest('false'):
            self.write(executed(template(), {'QUICK': 'false'}), 'runs/main.ipynb')
            self.assertTrue(writeup.write_up(self.tmp).run.full)

    def test_an_epochs_override_is_refused(self):
        message = self.refusal(executed(template(), {'EPOCHS': 3}))
        self.assertIn('it is a shortened run (EPOCHS=3: every training ran 3 epochs)', message)
        self.assert_says_how_to_make_the_full_run(message)

    def test_quick_set_in_the_settings_cell_is_refused(self):
        main = answered(template())
        settings = next(c for c in main.cells if 'parameters' in c.metadata.get('tags', []))
        settings.source = settings.source.replace('QUICK = False', 'QUICK = True')
        self.write(main, 'main.ipynb')
        message = self.refusal(executed(main))
        self.assertIn('it is a quick run (QUICK=True', message)
        self.assertIn('made with no command-line parameters', message)

    def test_seeds_workers_tests_and_configs_make_no_partial_run(self):
        self.write(executed(template(), {
            'SEED': 0, 'WORKERS': 1, 'UNIT_TESTS': 'tests.test_network', 'EPOCHS': None,
            'QUICK': False, 'TUNING_CONFIG': 'configs/config_exp.yaml',
            'SWEEP_CONFIG': 'configs/mine.yaml'}), 'runs/main.ipynb')
        chosen = writeup.write_up(self.tmp)
        self.assertTrue(chosen.run.full)
        self.assertNotIn('PARTIAL_RUN', ' '.join(c.source for c in chosen.nb.cells))

    def test_a_run_that_failed_in_cell_1_is_refused_naming_the_cell_not_different_answers(self):
        # The student answered in main.ipynb, then ran it headless (papermill copies the
        # answers and adds its banners); cell 1 failed. The run is the newer file.
        source = self.write(self.main, 'source.ipynb')
        (self.tmp / 'runs').mkdir()
        papermill_run(source, self.tmp / 'runs' / 'main.ipynb', QUICK='maybe')
        when = (self.tmp / 'runs' / 'main.ipynb').stat().st_mtime - 60
        os.utime(self.tmp / 'main.ipynb', (when, when))
        with self.assertRaises(writeup.WriteUpError) as caught:
            writeup.write_up(self.tmp)
        message = str(caught.exception)
        self.assertNotIn('different answers', message)
        self.assertIn("it is a run that stopped with an error (ValueError: boom) in the cell "
                      "starting '# Cell 1: set-up. Every parameter checked before any "
                      "training.' (In [3])", message)
        self.assertIn('Fix what stopped it, then make the full run', message)
        self.assert_says_how_to_make_the_full_run(message)
        chosen = writeup.write_up(self.tmp, partial_run=True)      # asked for: merged
        self.assertIn('with the outputs of runs/main.ipynb', chosen.how)

    def test_a_killed_run_is_refused_naming_the_cell_it_stopped_in(self):
        message = self.refusal(executed(template(), stopped='# Cell 6:'))
        self.assertIn("a run that did not finish: it was stopped in the cell starting "
                      "'# Cell 6: train softmax regression", message)

    def test_papermills_banners_are_never_answers(self):
        # A code cell of the student's own under 5(c) failed: papermill's anchor banner lands
        # in 5(c)'s answer.
        nb = template()
        nb.cells.insert(cell_after(nb, '## 5(c)'), nbformat.v4.new_code_cell('# Cell 30: mine'))
        self.write(executed(nb, failed='# Cell 30'), 'runs/main.ipynb')
        self.write(nb, 'main.ipynb')
        run = writeup.read_notebook(self.tmp / 'runs' / 'main.ipynb')
        self.assertEqual(len(writeup.unanswered_questions(run)), 3)
        chosen = writeup.write_up(self.tmp, partial_run=True)
        self.assertNotIn('papermill', ' '.join(c.source for c in chosen.nb.cells
                                               if c.cell_type == 'markdown'))
        self.assertIn('Not answered yet', ' '.join(writeup.write_up_warnings(chosen.nb)))

    def test_partial_run_accepts_it_and_says_so_under_the_name_block(self):
        self.write(executed(template(), {'QUICK': True}), 'runs/main.ipynb')
        chosen = writeup.write_up(self.tmp, partial_run=True)
        self.assertIn('PARTIAL_RUN = True accepts it', chosen.how)
        cells = chosen.nb.cells
        self.assertIn('**Name:** Ada Lovelace', cells[0].source)
        self.assertEqual(cells[1].source,
                         '> **Note:** This PDF comes from a quick run (QUICK=True: every '
                         'training ran one epoch), runs/main.ipynb, not from the full run of '
                         'the assignment: it was collected with PARTIAL_RUN = True.')
        self.assertEqual(writeup.write_up_warnings(chosen.nb), [])

    def test_a_quick_check_in_its_own_file_is_never_read(self):
        (self.tmp / 'runs').mkdir()
        (self.tmp / writeup.QUICK_RUN).write_text('{"cells": [')      # no notebook at all
        message = self.refusal(answered(template()), name='main.ipynb')
        self.assertIn('there is no headless run (runs/main.ipynb)', message)
        self.assertIn('runs/main_quick.ipynb is a quick check: collect does not use it', message)
        self.write(executed(template()), 'runs/main.ipynb')
        self.assertTrue(writeup.write_up(self.tmp).run.full)

    def test_a_quick_run_named_by_notebook_is_refused_unless_partial_run(self):
        message = self.refusal(executed(self.main, {'QUICK': True}), writeup.QUICK_RUN,
                               notebook=writeup.QUICK_RUN)
        self.assertIn('runs/main_quick.ipynb is not the full run', message)
        chosen = writeup.write_up(self.tmp, writeup.QUICK_RUN, partial_run=True)
        self.assertIn('runs/main_quick.ipynb, not from the full run', chosen.nb.cells[1].source)

    def test_main_saved_with_outputs_is_checked_too(self):
        with self.subTest('saved in place by a quick papermill run'):
            self.assertIn('main.ipynb is not the full run of the assignment: it is a quick run',
                          self.refusal(executed(self.main, {'QUICK': True}), 'main.ipynb'))
        with self.subTest('saved from Jupyter with an error'):
            nb = executed(self.main, failed='# Cell 6:')
            del nb.metadata['papermill']
            nb = writeup.without_banners(nb)
            self.assertIn("it is a run that stopped with an error (ValueError: QUICK must be "
                          "True or False, got 'maybe'.) in the cell starting '# Cell 6",
                          self.refusal(nb, 'main.ipynb'))


if __name__ == '__main__':
    unittest.main()

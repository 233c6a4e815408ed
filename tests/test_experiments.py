"""What main.ipynb's cells call (lab.notebook, lab.training, lab.sweeps, lab.parallel). The
parameter, data and unit-test cells, the quick and epochs options, a run interrupted mid-way,
the notebook's planned runs trained in the background (bit for bit the sequential ones;
stopped cleanly by Ctrl-C; with HW1_FULL_TESTS=1 by a kernel interrupt too), and sweeps: a
sweep is run on the real data with a learning rate so large that the loss becomes nan, to
pin down that a diverging run is recorded and the sweep goes on."""
import contextlib
import io
import json
import multiprocessing
import os
import queue
import signal
import tempfile
import unittest
from pathlib import Path
from unittest import mock

from lab import display, notebook, parallel, sweeps, training
from lab.config import ConfigError, load_config
from lab.runs import RunResult
from tests import ROOT, TempDirTestCase, full_only, needs_mnist, write_course_configs
from tests.test_progress import epoch_stats

SWEEP = 'configs/config_twolayer.yaml'
TUNING = 'configs/config_exp.yaml'


def setUpModule():
    # The configs these tests name (configs/config_twolayer.yaml, ...) are the course's,
    # in a folder of their own: never the user's files, whatever they hold now.
    global _course_folder
    _course_folder = tempfile.TemporaryDirectory(prefix='hw1-course-')
    write_course_configs(_course_folder.name)
    unittest.addModuleCleanup(_course_folder.cleanup)
    unittest.addModuleCleanup(os.chdir, os.getcwd())     # cleanups run last-added first
    os.chdir(_course_folder.name)


class TestRun(unittest.TestCase):

    def test_an_interrupted_run_leaves_its_bar_saying_so(self):
        def interrupt(*args, **kwargs):
            kwargs['callback'](epoch_stats(0, 10))
            raise KeyboardInterrupt
        stream = io.StringIO()
        with mock.patch.object(training, 'train_model', interrupt), \
                mock.patch.object(training, 'Progress',
                                  lambda name, epochs: display.Progress(name, epochs, stream)):
            with self.assertRaises(KeyboardInterrupt):
                training.train('configs/config_twolayer.yaml', 'demo')
        final = stream.getvalue().rstrip('\n').split('\r')[-1]
        self.assertIn('1/10 epochs', final)
        self.assertIn('stopped by KeyboardInterrupt', final)

    def quietly(self, *args, **kwargs):
        """training.train, its bar in a text stream; returns (result, what it printed)."""
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed), mock.patch.object(
                training, 'Progress', lambda name, epochs: display.Progress(name, epochs,
                                                                                io.StringIO())):
            result = training.train(*args, **kwargs)
        return result, printed.getvalue()

    def test_a_pointless_setting_gets_a_note_before_training(self):
        with tempfile.TemporaryDirectory() as runs:
            _, printed = self.quietly('configs/config_softmax.yaml', 'one_step', runs_dir=runs,
                                      batch_size=48000, epochs=1)
        self.assertIn('Note: batch_size 48000', printed)

    def test_a_run_that_could_not_save_says_so_and_keeps_its_model(self):
        def unsaved(config, **kwargs):
            result = real_train_model(config, **kwargs)
            result.save_error = 'runs/x/results.json could not be written, as the disk is full'
            return result

        real_train_model = training.train_model
        with tempfile.TemporaryDirectory() as runs, \
                mock.patch.object(training, 'train_model', unsaved):
            result, printed = self.quietly('configs/config_softmax.yaml', 'unsaved',
                                           runs_dir=runs, epochs=1)
        self.assertIn('Not saved: runs/x/results.json could not be written', printed)
        self.assertIn('kept in memory', printed)
        self.assertNotIn('saved in', printed)
        self.assertIsNotNone(result.best_model)


class TestRunTrainedInTheBackground(TempDirTestCase):
    """A cell taking a run a worker trained shows that run's own time, not the moment its
    display took (which was 0 s for a run finished before its cell: '40/40 epochs 0s')."""

    def setUp(self):
        super().setUp()
        config = load_config(Path('configs') / 'config_softmax.yaml', epochs=2)
        self.result = RunResult(config=config, run_dir=self.tmp / 'softmax', seconds=73.6,
                                train_loss_history=[0.5, 0.4], train_acc_history=[0.8, 0.9],
                                valid_loss_history=[0.5, 0.4], valid_acc_history=[0.8, 0.9],
                                best_epoch=1, test_acc=0.9, seed=0)
        self.key = parallel._key(config, 0, 'softmax', self.tmp)
        self.addCleanup(parallel._finished.clear)
        self.addCleanup(parallel._started.clear)

    def final_bar(self):
        stream = io.StringIO()
        with mock.patch.object(training, 'Progress',
                               lambda name, epochs: display.Progress(name, epochs, stream)), \
                contextlib.redirect_stdout(io.StringIO()):
            taken = training.train('configs/config_softmax.yaml', 'softmax', runs_dir=self.tmp,
                                   seed=0, epochs=2)
        self.assertIs(taken, self.result)
        return stream.getvalue().rstrip('\n').split('\r')[-1]

    def test_a_run_finished_before_its_cell_shows_its_recorded_time(self):
        parallel._finished[self.key] = self.result
        self.assertIn('2/2 epochs 74s | test acc 0.9000', self.final_bar())

    def test_a_run_collected_from_a_worker_shows_its_recorded_time(self):
        def collect(key, future, show):
            for epoch in range(2):
                show(self.result.epoch_stats(epoch))
            return self.result

        parallel._started[self.key] = object()
        with mock.patch.object(parallel, '_pool', mock.Mock(collect=collect)):
            self.assertIn('2/2 epochs 74s | test acc 0.9000', self.final_bar())

    def test_a_worker_reports_the_runs_time_with_each_epoch(self):
        def train_model(config, callback, **options):
            callback(epoch_stats(0, 1))
            return 'done'

        messages = queue.Queue()
        with mock.patch.object(parallel, '_messages', messages), \
                mock.patch.object(parallel, '_stopped', [0]), \
                mock.patch('lab.runs.train_model', train_model):
            self.assertEqual(parallel._train(0, 'key', {}, 0, 'run', None), 'done')
        key, stats = messages.get_nowait()
        self.assertEqual(stats, dict(epoch_stats(0, 1), seconds=stats['seconds']))
        self.assertGreaterEqual(stats['seconds'], 0)


class TestOptions(unittest.TestCase):

    def test_full_runs_override_nothing(self):
        self.assertEqual(notebook.overrides(), {})

    def test_quick_mode_trains_one_epoch(self):
        self.assertEqual(notebook.overrides(quick=True), {'epochs': 1})

    def test_explicit_epochs_win_over_quick_mode(self):
        self.assertEqual(notebook.overrides(quick=True, epochs=3), {'epochs': 3})


class TestDataAndTestsCells(unittest.TestCase):

    def test_data_check_reports_the_three_splits(self):
        report = notebook.check_data()
        self.assertIn('48,000 training, 12,000 validation and 10,000 test', report)

    def test_failing_unit_tests_raise(self):
        with contextlib.redirect_stdout(io.StringIO()) as printed:
            with self.assertRaises(RuntimeError):
                notebook.check_code(['tests.no_such_module'])
        self.assertIn('no_such_module', printed.getvalue())


class TestSweep(unittest.TestCase):
    """One real sweep: a learning rate that diverges at once, then a sane one."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.runs = Path(cls.tmp.name)
        with contextlib.redirect_stdout(io.StringIO()) as printed:
            cls.sweep = sweeps.Sweep('configs/config_twolayer.yaml', 'learning_rate',
                                     runs_dir=cls.runs, seed=0, epochs=1)
            for value in (1e300, 0.5):
                cls.sweep.train(value)
            cls.sweep.summary(show=False)
        cls.printed = printed.getvalue()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_diverged_run_is_recorded_and_the_sweep_goes_on(self):
        (_, diverged), (_, sane) = self.sweep.results
        self.assertEqual(diverged.status, 'diverged')
        self.assertIn('nan', diverged.diverged)
        self.assertEqual(sane.status, 'finished')
        self.assertGreater(sane.test_acc, 0.8)
        self.assertIn('DIVERGED', self.printed)

    def test_table_marks_the_diverged_run(self):
        rows = self.sweep.table().splitlines()
        self.assertEqual(len(rows), 4)
        self.assertIn('diverged (epoch 1)', rows[2])
        self.assertTrue(rows[2].split('|')[3].strip() == '-', rows[2])
        self.assertIn('finished', rows[3])

    def test_outputs_land_in_one_sweep_folder(self):
        folder = self.runs / 'sweep_learning_rate'
        self.assertEqual(self.sweep.folder, folder)
        self.assertEqual(self.sweep.figure, folder / 'sweep_learning_rate.png')
        self.assertEqual(self.sweep.figure.read_bytes()[:8], b'\x89PNG\r\n\x1a\n')
        self.assertTrue((folder / 'learning_rate_0.5' / 'train.log').is_file())
        self.assertTrue((folder / 'learning_rate_1e+300' / 'results.json').is_file())
        self.assertIn('diverged', (folder / 'results.txt').read_text())

    def test_debug_lines_go_to_the_log_not_the_notebook(self):
        self.assertNotIn('Epoch 0, batch', self.printed)
        log = (self.sweep.folder / 'learning_rate_0.5' / 'train.log').read_text()
        self.assertIn('Epoch 0, batch 0:', log)


def made_up_run(folder, name, accuracies, config=None, diverged=None):
    """A RunResult with made-up histories, named name under folder: nothing trains."""
    config = config or load_config(Path('configs') / 'config_twolayer.yaml')
    losses = [1 - acc for acc in accuracies]
    return RunResult(config=config, run_dir=Path(folder) / name, diverged=diverged,
                     train_loss_history=losses, train_acc_history=accuracies,
                     valid_loss_history=losses, valid_acc_history=accuracies)


class TestSweepFigure(TempDirTestCase):
    """The overlay a grader reads at a glance: legend by value, colours along one colour map,
    accuracy from 0 to 1, titles in words."""

    def overlay(self, parameter, values):
        import matplotlib.pyplot as plt
        sweep = sweeps.Sweep(SWEEP, parameter, runs_dir=self.tmp)
        for value in values:        # in the handout's order, not sorted
            sweep.results.append((value, made_up_run(self.tmp, f'{parameter}_{value:g}',
                                                     [0.3 + value / 10, 0.35 + value / 10])))
        figure = sweep.overlay()
        self.addCleanup(plt.close, figure)
        return figure.axes

    def test_the_legend_lists_the_values_in_order_in_words(self):
        accuracy, loss = self.overlay('learning_rate', sweeps.SWEEPS['learning_rate'])
        for ax in (accuracy, loss):
            self.assertEqual([text.get_text() for text in ax.get_legend().get_texts()],
                             ['learning rate 0.01', 'learning rate 0.05', 'learning rate 0.1',
                              'learning rate 1'])

    def test_colours_follow_viridis_by_the_values_rank(self):
        import matplotlib.pyplot as plt
        import numpy as np
        accuracy, _ = self.overlay('reg', sweeps.SWEEPS['reg'])
        viridis = plt.get_cmap('viridis')
        positions = []
        for line in accuracy.get_lines():
            colour = np.array(line.get_color())[:3]
            distances = [np.abs(np.array(viridis(x))[:3] - colour).sum()
                         for x in np.linspace(0, 1, 256)]
            positions.append(int(np.argmin(distances)))
        self.assertEqual(positions, sorted(positions))
        self.assertEqual(len(set(positions)), len(positions))

    def test_the_accuracy_axis_runs_from_0_to_1_and_titles_are_in_words(self):
        accuracy, loss = self.overlay('reg', sweeps.SWEEPS['reg'])
        self.assertEqual(accuracy.get_ylim(), (0, 1))
        self.assertEqual(accuracy.get_title(), 'Validation accuracy per epoch, by regularization')
        self.assertEqual(loss.get_title(), 'Validation loss per epoch, by regularization')


class TestRunTitles(TempDirTestCase):
    """Per-run figures are titled with what the run is, in words, not its folder's name."""

    def test_a_sweeps_run_is_named_by_its_setting(self):
        self.assertEqual(training.in_words(made_up_run(self.tmp, 'learning_rate_0.1', [0.5])),
                         'learning rate 0.1')
        self.assertEqual(training.in_words(made_up_run(self.tmp, 'reg_0.001-2', [0.5])),
                         'regularization 0.001')

    def test_a_default_run_says_course_defaults(self):
        softmax = load_config(Path('configs') / 'config_softmax.yaml', epochs=1)
        self.assertEqual(training.in_words(made_up_run(self.tmp, 'softmax', [0.5], softmax)),
                         'softmax regression, course defaults')

    def test_a_tuned_run_names_what_differs_from_the_course(self):
        tuned = load_config(Path('configs') / 'config_twolayer.yaml', hidden_size=256,
                            batch_size=32, learning_rate=0.5, reg=1e-5, epochs=40)
        self.assertEqual(training.in_words(made_up_run(self.tmp, 'best', [0.5], tuned)),
                         'two-layer network, learning rate 0.5, regularization 1e-05, '
                         'batch size 32, 256 hidden units')

    def test_a_long_title_breaks_at_a_comma_to_fit_the_figure(self):
        text = ('two-layer network, learning rate 0.5, regularization 1e-05, batch size 32, '
                '256 hidden units')
        self.assertEqual(training._wrapped(text).split('\n'),
                         ['two-layer network, learning rate 0.5,',
                          'regularization 1e-05, batch size 32, 256 hidden units'])

    def test_plot_gives_plot_curves_the_title_in_words(self):
        with mock.patch.object(training.utils, 'plot_curves') as plot_curves:
            training.plot(made_up_run(self.tmp, 'reg_0.1', [0.1, 0.38]))
        self.assertEqual(plot_curves.call_args.kwargs['title'], 'regularization 0.1')
        self.assertEqual(plot_curves.call_args.kwargs['run_name'], 'reg_0.1')


class TestParameters(unittest.TestCase):
    # The course's default twice: the tests do not read the student's config_exp.yaml.
    CONFIGS = ('configs/config_twolayer.yaml', 'configs/config_twolayer.yaml')

    def check(self, quick=False, epochs=None, seed=None, unit_tests=None, workers=None,
              configs=CONFIGS):
        return notebook.check_parameters(quick, epochs, seed, unit_tests, workers, *configs)

    def test_papermill_texts_mean_what_they_say(self):
        self.assertEqual(self.check(quick='false')[0], False)
        self.assertEqual(self.check(quick='True')[0], True)
        self.assertEqual(self.check(epochs='3')[1], 3)
        self.assertEqual(self.check(epochs=3.0)[1], 3)
        self.assertEqual(self.check(unit_tests='tests.test_network')[3], ['tests.test_network'])
        self.assertEqual(self.check(unit_tests='tests.test_loss, tests.test_network')[3],
                         ['tests.test_loss', 'tests.test_network'])

    def test_workers_default_to_the_cores_available(self):
        self.assertEqual(self.check()[4], parallel.available_cores())
        self.assertEqual(self.check(workers=1)[4], 1)

    def test_bad_values_are_named_before_any_training(self):
        cases = [(dict(quick='maybe'), 'QUICK'), (dict(epochs=2.5), 'EPOCHS'),
                 (dict(epochs=0), 'EPOCHS'), (dict(seed=-1), 'SEED'),
                 (dict(workers=0), 'WORKERS'), (dict(workers=True), 'WORKERS'),
                 (dict(unit_tests='tests.test_nope'), 'UNIT_TESTS'),
                 (dict(unit_tests='os'), 'UNIT_TESTS')]
        for parameters, name in cases:
            with self.subTest(**parameters), \
                    self.assertRaises(notebook.NotebookStop) as caught:
                self.check(**parameters)
            self.assertIsInstance(caught.exception.problem, ValueError)
            self.assertIn(name, str(caught.exception))

    def test_a_misspelt_config_is_reported_at_once(self):
        with self.assertRaises(notebook.NotebookStop) as caught:
            self.check(configs=('configs/config_twolayer.yaml', 'configs/typo.yaml'))
        self.assertIsInstance(caught.exception.problem, ConfigError)
        self.assertIn('typo.yaml', str(caught.exception))


class TestCellOneStops(TempDirTestCase):
    """A config error stops cell 1 with one message naming the file, line and key, shown as
    IPython (Jupyter, papermill) shows it: that message, without a page of traceback."""

    def typo(self):
        """A copy of the course's two-layer config with the issue's typo on line 5."""
        path = self.tmp / 'config_exp.yaml'
        path.write_text("# The course's two-layer defaults, with the typo of the issue\n"
                        '# (a stray full stop) on line 5.\n'
                        'Train:\n  batch_size: 64\n  learning_rate: 0.1.\n  reg: 0.001\n'
                        '  epochs: 10\n  momentum: 0.9\n  debug: True\n\n'
                        'Model:\n  type: TwoLayerNet\n  hidden_size: 128\n')
        return path

    def shown_by_ipython(self, source, namespace):
        """What IPython prints when it runs source, and whether the cell failed."""
        from IPython.core.interactiveshell import InteractiveShell
        shell = InteractiveShell.instance()
        shell.user_ns.update(namespace)
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
            outcome = shell.run_cell(source)
        return printed.getvalue(), outcome.success

    def test_a_typo_in_the_tuning_config_stops_cell_1_with_one_clear_message(self):
        source = ('notebook.check_parameters(False, None, None, None, 1, '
                  f'"configs/config_twolayer.yaml", {str(self.typo())!r})')
        shown, success = self.shown_by_ipython(source, {'notebook': notebook})
        self.assertFalse(success)
        self.assertTrue(shown.startswith(f'Cell 1 stopped: {self.tmp / "config_exp.yaml"}, '
                                         'line 5: learning_rate must be a number'), shown)
        self.assertIn('Nothing has been trained', shown)
        self.assertNotIn('Traceback', shown)
        self.assertEqual(len(shown.splitlines()), 2, shown)

    def test_a_broken_playground_not_trained_in_this_run_gets_a_note(self):
        printed = io.StringIO()
        with mock.patch.object(notebook, 'PLAYGROUND', str(self.typo())), \
                contextlib.redirect_stdout(printed):
            notebook.check_parameters(False, None, None, None, 1, *TestParameters.CONFIGS)
        self.assertIn('Note: ', printed.getvalue())
        self.assertIn('line 5: learning_rate', printed.getvalue())
        self.assertIn('does not train', printed.getvalue())

    def test_a_sound_playground_gets_no_note(self):
        printed = io.StringIO()
        with mock.patch.object(notebook, 'PLAYGROUND', str(Path('configs') /
                                                             'config_softmax.yaml')), \
                contextlib.redirect_stdout(printed):
            notebook.check_parameters(False, None, None, None, 1, *TestParameters.CONFIGS)
        self.assertEqual(printed.getvalue(), '')

    def test_a_playground_trained_in_this_run_stops_it(self):
        typo = str(self.typo())
        with mock.patch.object(notebook, 'PLAYGROUND', typo), \
                self.assertRaises(notebook.NotebookStop):
            notebook.check_parameters(False, None, None, None, 1,
                                         'configs/config_twolayer.yaml', typo)


class TestQueueOrder(unittest.TestCase):
    def test_long_runs_go_first_longest_first_then_the_notebooks_order(self):
        runs = [(2, 'softmax'), (6, 'twolayer'), (6, 'lr_1'), (60, 'long'), (6, 'reg_1'),
                (90, 'longest')]
        order = [name for _, name in parallel.queue_order(runs, workers=2)]
        self.assertEqual(order, ['longest', 'long', 'softmax', 'twolayer', 'lr_1', 'reg_1'])

    def test_runs_of_similar_length_keep_the_notebooks_order(self):
        runs = [(2, 'softmax')] + [(6, f'run_{i}') for i in range(11)]
        self.assertEqual(parallel.queue_order(runs, workers=2), runs)


# The hidden layer of the two-layer configs the background-run tests train: the pool's
# behaviour does not depend on the width, and 16 units train an epoch four times faster
# than the course's 128 (all runs are still alike in length, so the queue keeps the
# notebook's order: see parallel.queue_order).
SMALL_HIDDEN = 16


# The runs of the tests that only compare runs (bit for bit, their seeds): both sweeps, one
# value each. The plan's other runs (softmax, twolayer, best) are all there.
FEW_SWEEPS = {'learning_rate': (0.05,), 'reg': (0.01,)}


def in_small_course_folder(test):
    """Work in test.tmp, which holds the course's configs (configs/config_softmax.yaml, ...)
    with the two-layer ones (config_twolayer.yaml, config_exp.yaml) narrowed to
    SMALL_HIDDEN units: the configs that Plan and the cells name are then never the user's
    files, and the notebook's every run trains in a fraction of a second. Skips without
    the MNIST data."""
    needs_mnist()
    configs = write_course_configs(test.tmp)
    for name in ('config_twolayer.yaml', 'config_exp.yaml'):
        path = configs / name
        path.write_text(path.read_text().replace('hidden_size: 128',
                                                 f'hidden_size: {SMALL_HIDDEN}'))
    test.addCleanup(os.chdir, os.getcwd())
    os.chdir(test.tmp)


def ctrl_c_at_first_epoch_of(target, before):
    """A stand-in for display.Progress (its bars written to a text stream). The bar of
    the run named target, once the run reports an epoch, calls before() and then raises
    KeyboardInterrupt, as Python's SIGINT handler does when Ctrl-C reaches a cell that
    waits: the interrupt follows an event, never a timer. (Raised directly, so that no
    signal handler another library installed can change what the test sees; the real
    signal, which the workers must ignore, is the kernel test's.)"""
    class CtrlC(display.Progress):
        def __call__(self, stats):
            super().__call__(stats)
            if self.name == target:
                before()
                raise KeyboardInterrupt

    return lambda name, epochs: CtrlC(name, epochs, io.StringIO())


class TestBackgroundRuns(TempDirTestCase):
    """Plan.start() trains the notebook's planned runs in worker processes; the cells take them."""

    def setUp(self):
        super().setUp()
        in_small_course_folder(self)
        self.addCleanup(parallel.stop)

    def notebook_runs(self, folder, workers, seed=0, epochs=1):
        """The notebook's training calls, as its training and sweep cells make them, with one
        value per sweep (FEW_SWEEPS): five runs, each as the pool and the cells treat all."""
        plan = notebook.Plan(SWEEP, TUNING, seed=seed, epochs=epochs, runs_dir=folder)
        with contextlib.redirect_stdout(io.StringIO()), \
                mock.patch.dict(sweeps.SWEEPS, FEW_SWEEPS, clear=True):
            plan.start(workers)
            results = {name: plan.train(name) for name in ('softmax', 'twolayer')}
            for parameter, values in sweeps.SWEEPS.items():
                sweep = plan.sweep(parameter)
                results.update({f'{parameter}_{value:g}': sweep.train(value) for value in values})
            results['best'] = plan.train('best')
        return results

    def test_parallel_runs_equal_sequential_ones_bit_for_bit(self):
        parallel_runs = self.notebook_runs(self.tmp / 'parallel', workers=2)
        self.assertEqual(parallel._started, {}, 'every started run was taken by its cell')
        sequential = self.notebook_runs(self.tmp / 'sequential', workers=1)
        self.assertEqual(set(parallel_runs), set(sequential))
        for name in parallel_runs:
            with self.subTest(run=name):
                self.assertEqual(parallel_runs[name].histories, sequential[name].histories)
                self.assertEqual(parallel_runs[name].test_acc, sequential[name].test_acc)
                self.assertEqual(parallel_runs[name].seed, 0)
                self.assertTrue(parallel_runs[name].run_dir.is_relative_to(self.tmp / 'parallel'))
        folders = sorted(path.name for path in (self.tmp / 'parallel').iterdir())
        self.assertIn('sweep_learning_rate', folders)
        self.assertNotIn('sweep_learning_rate-2', folders)   # the cells used the started folders

    def test_a_sweep_cell_run_again_takes_the_started_runs_from_the_same_folder(self):
        in_small_course_folder(self)
        plan = notebook.Plan(SWEEP, TUNING, seed=0, epochs=1, runs_dir=self.tmp / 'runs')
        with contextlib.redirect_stdout(io.StringIO()):
            plan.start(2)
            first, again = plan.sweep('learning_rate'), plan.sweep('learning_rate')
            self.assertEqual(again.folder, first.folder)
            started = len(parallel._started)
            result = again.train(0.1)      # started in the background: taken, not trained twice
        self.assertEqual(len(parallel._started), started - 1)
        self.assertEqual(result.run_dir, first.folder / 'learning_rate_0.1')

    def test_the_plan_names_every_run_the_pool_starts_and_refuses_others(self):
        plan = notebook.Plan(SWEEP, TUNING, seed=3)
        names = [name for *_, name, _ in plan.planned()]
        self.assertEqual(names[:2] + names[-1:], ['softmax', 'twolayer', 'best'])
        self.assertEqual(len(names), 3 + sum(len(values) for values in sweeps.SWEEPS.values()))
        self.assertIn('reg_0.0001', names)
        with self.assertRaises(ValueError) as caught:
            plan.train('softmx')
        self.assertIn("'softmax', 'twolayer', 'best'", str(caught.exception))

    def test_without_a_seed_each_run_draws_one_and_records_it(self):
        results = self.notebook_runs(self.tmp, workers=2, seed=None)
        seeds = [result.seed for name, result in results.items() if name != 'best']
        self.assertTrue(all(isinstance(seed, int) for seed in seeds), seeds)
        self.assertGreater(len(set(seeds)), 1)
        self.assertEqual(results['best'].seed, 0)

    def test_a_config_edited_after_the_start_is_trained_anew_from_the_file(self):
        config = self.tmp / 'exp.yaml'
        config.write_text((Path('configs') / 'config_twolayer.yaml').read_text())
        plan = notebook.Plan(SWEEP, str(config), seed=0, epochs=1, runs_dir=self.tmp / 'runs')
        with contextlib.redirect_stdout(io.StringIO()):
            plan.start(2)
            config.write_text(config.read_text().replace(f'hidden_size: {SMALL_HIDDEN}',
                                                         'hidden_size: 8'))
            best = plan.train('best')
        self.assertEqual(best.config['Model']['hidden_size'], 8)
        self.assertEqual(best.best_model.weights['W1'].shape, (784, 8))
        # The run started with the old config was still queued: cancelled, so the fresh one
        # has the folder's own name and nothing else was written under it.
        self.assertEqual(best.run_dir.name, 'best')
        self.assertEqual(sorted(path.name for path in (self.tmp / 'runs').glob('best*')),
                         ['best'])

    def test_a_dead_worker_leaves_the_runs_to_the_kernel_with_a_note(self):
        printed = io.StringIO()
        plan = notebook.Plan(SWEEP, TUNING, seed=0, epochs=1, runs_dir=self.tmp / 'runs')
        with contextlib.redirect_stdout(printed):
            plan.start(2)
            workers = multiprocessing.active_children()     # started as the runs were queued
            self.assertTrue(workers)
            os.kill(workers[0].pid, signal.SIGKILL)
            workers[0].join()       # dead before the cell asks for its run
            softmax = plan.train('softmax')
        self.assertIn('a worker process died', printed.getvalue())
        self.assertIn('train in this kernel', printed.getvalue())
        self.assertIsNone(parallel._pool)
        self.assertEqual(softmax.status, 'finished')

    def test_an_interrupt_stops_the_workers_and_finished_runs_keep_their_results(self):
        folder = self.tmp / 'runs'

        def twolayer_finished():
            next(future for key, future in parallel._started.items()
                 if key[0] == 'twolayer').result()

        plan = notebook.Plan(SWEEP, TUNING, seed=0, epochs=2, runs_dir=folder)
        with mock.patch.object(training, 'Progress',
                               ctrl_c_at_first_epoch_of('best', before=twolayer_finished)), \
                contextlib.redirect_stdout(io.StringIO()):
            plan.start(2)
            first = plan.train('softmax')
            # The runs are as long as each other, so they are queued in the notebook's order:
            # the tuned run is the last, and Ctrl-C arrives while its cell waits for it.
            with self.assertRaises(KeyboardInterrupt):
                plan.train('best')
        self.assertIsNone(parallel._pool)
        self.assertEqual(parallel._started, {})
        self.assertEqual(json.loads((first.run_dir / 'results.json').read_text())['status'],
                         'finished')
        statuses = [json.loads(path.read_text())['status']
                    for path in folder.rglob('results.json') if path.parent != first.run_dir]
        self.assertTrue(statuses)
        self.assertNotIn('running', statuses)   # each stopped run says it was interrupted
        # Runs that finished before the interrupt are kept for their cells, not trained again.
        kept = {key[0]: result for key, result in parallel._finished.items()}
        self.assertIn('twolayer', kept)
        with contextlib.redirect_stdout(io.StringIO()):
            twolayer = plan.train('twolayer')
        self.assertIs(twolayer, kept['twolayer'])
        self.assertEqual(twolayer.run_dir, folder / 'twolayer')


WAITING = 'the tuned run shows its first epoch: waiting for the interrupt'


def in_kernel(kernel, code='pass', on_output=lambda text: None):
    """Run code in the kernel (a BlockingKernelClient) and wait for its reply, calling
    on_output(text) with each stream output as it arrives. Returns ('ok', what it printed)
    or ('error', the exception's name). The ten-minute limit only guards against a hung
    kernel: nothing here waits for a time to pass."""
    printed = []

    def hook(message):
        if message['msg_type'] == 'stream':
            printed.append(message['content']['text'])
            on_output(message['content']['text'])

    reply = kernel.execute_interactive(code, output_hook=hook, timeout=600)['content']
    return reply['status'], reply.get('ename', ''.join(printed))


@full_only("a kernel interrupt end to end: TestBackgroundRuns's Ctrl-C test (test_an_"
           'interrupt_stops_the_workers_and_finished_runs_keep_their_results) covers it in '
           'this process')
class TestBackgroundRunsInAKernel(TempDirTestCase):
    """The same in a real Jupyter kernel, interrupted as Jupyter's stop button does it."""

    def test_a_kernel_interrupt_stops_the_workers_and_the_kernel_goes_on(self):
        from jupyter_client.manager import start_new_kernel
        in_small_course_folder(self)
        folder = self.tmp / 'runs'
        km, kernel = start_new_kernel(kernel_name='python3', cwd=str(self.tmp))
        self.addCleanup(km.shutdown_kernel, now=True)
        self.addCleanup(kernel.stop_channels)
        start = (
            f'import sys, threading\nsys.path.insert(0, {str(ROOT)!r})\n'
            'from pathlib import Path\nfrom unittest import mock\n'
            'from lab import display, notebook, parallel, training\n'
            # The tuned run's bar, at its first epoch, says so and waits for the interrupt.
            'class Waiting(display.Progress):\n'
            '    def __call__(self, stats):\n'
            '        super().__call__(stats)\n'
            '        if self.name == "best":\n'
            f'            print({WAITING!r}, flush=True)\n'
            '            threading.Event().wait()\n'
            'mock.patch.object(training, "Progress", Waiting).start()\n'
            f'plan = notebook.Plan({SWEEP!r}, {TUNING!r}, seed=0, epochs=2,\n'
            f'                     runs_dir=Path({str(folder)!r}))\n'
            'plan.start(2)\nfirst = plan.train("softmax")')
        self.assertEqual(in_kernel(kernel, start)[0], 'ok')
        # The tuned run is queued last: its cell waits for it, and Jupyter's stop button
        # interrupts the kernel once the cell has shown the run's first epoch.
        best = in_kernel(kernel, 'plan.train("best")',
                         on_output=lambda text: WAITING in text and km.interrupt_kernel())
        self.assertEqual(best, ('error', 'KeyboardInterrupt'))
        after = 'assert parallel._pool is None and not parallel._started\nprint(first.status)'
        self.assertEqual(in_kernel(kernel, after), ('ok', 'finished\n'))
        statuses = [json.loads(path.read_text())['status'] for path in folder.rglob('results.json')]
        self.assertIn('finished', statuses)
        self.assertNotIn('running', statuses)


if __name__ == '__main__':
    unittest.main()

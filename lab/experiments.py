"""What main.ipynb's cells call: the parameter check, the data check, the unit
tests, training runs with a progress display, their learning curves, and
hyper-parameter sweeps.

A run is lab.runs.train_model (the course's cell-5 routine) plus:
  * a progress bar and one summary line per epoch (lab.progress); the
    per-batch debug lines go to the run's train.log, not to the notebook;
  * its learning curves, shown inline and saved in the run's folder.

A sweep trains the same config for several values of one hyper-parameter,
carries on past a run that diverges, and ends with one overlay figure
(validation accuracy and loss per epoch, one line per value) and a table of
final accuracies, both saved in the sweep's folder.

With more than one worker (the WORKERS parameter; by default one per core),
start_runs() trains all the notebook's runs in the background as soon as
the data is checked (lab.parallel), long runs first, the rest in the cells'
order (queue_order); each training cell then takes its own run, shows its
progress live and returns it. A cell whose config, name, seed or overrides
differ from what was started (a config edited since, a re-run cell) trains
anew and stops the started one: a cell never gets a stale run.
"""
import contextlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np

import utils
from lab import ROOT, data
from lab.config import TRAIN_SIZE, ConfigError, advice, load_config
from lab.figures import in_kernel, show_png, show_saved
from lab.grade import COURSE_TESTS
from lab.parallel import RunPool, WorkersLost, available_cores, epoch_stats
from lab.parameters import flag, whole
from lab.progress import Progress
from lab.runs import RUNS_DIR, new_run_dir, train_model

# The handout's sweeps: cells 10-17 and 18-27.
LEARNING_RATES = (1.0, 0.1, 0.01, 0.05)
REGULARIZATIONS = (0.1, 0.01, 0.001, 0.0001, 1.0)
# The settings figures name, in words, and the course's values of them.
WORDS = {'learning_rate': 'learning rate', 'reg': 'regularization', 'batch_size': 'batch size',
         'hidden_size': 'hidden units', 'lr_decay': 'learning-rate decay'}
COURSE_VALUES = {'learning_rate': 0.1, 'reg': 0.001, 'batch_size': 64, 'hidden_size': 128,
                 'lr_decay': 1.0}


# ---------------------------------------------------------------------------
# Cells 1-3: the parameters, the data and the unit tests
# ---------------------------------------------------------------------------

def _test_modules(value):
    """UNIT_TESTS as a list of module names: None (the course's five), one name, a
    comma- or space-separated text of names, or a list of names; each must exist."""
    if value is None:
        return None
    names = re.split(r'[\s,]+', value.strip()) if isinstance(value, str) else list(value)
    for name in names:
        if not isinstance(name, str) or not re.fullmatch(r'tests\.test_\w+', name) \
                or not (ROOT / 'tests' / (name.split('.')[1] + '.py')).is_file():
            raise ValueError(f"UNIT_TESTS: {name!r} is not one of the project's test modules "
                             f"(e.g. 'tests.test_network'); None runs {', '.join(COURSE_TESTS)}.")
    return names


# The student's playground, and what cells 28-29 train by default.
PLAYGROUND = 'configs/config_exp.yaml'


class NotebookStop(Exception):
    """A notebook cell stops on bad input: `problem` (an exception) says what and where.

    IPython (Jupyter, Colab, papermill's kernel) shows an exception through its
    _render_traceback_() if it has one: here the message alone, without a page
    of traceback above it. The cell still fails, so Run All and papermill stop.
    """

    def __init__(self, cell, problem):
        self.cell, self.problem = cell, problem
        super().__init__(f'{cell} stopped: {problem}')

    def _render_traceback_(self):
        return [f'{self.cell} stopped: {self.problem}',
                'Nothing has been trained. Fix this, then run the notebook again from the top.']


def check_parameters(quick, epochs, seed, unit_tests, workers, sweep_config, tuning_config):
    """Check the notebook's parameters and every config it will train, before any training.

    Returns (QUICK, EPOCHS, SEED, UNIT_TESTS, WORKERS) as the cells use them: papermill's
    texts turned into what they mean, WORKERS None turned into the number of cores.
    A bad parameter (ValueError naming it) or config (lab.config.ConfigError naming the
    file, line and key) raises NotebookStop('Cell 1', that error). configs/config_exp.yaml,
    the student's playground, gets a note if it is broken but not trained in this run.
    """
    try:
        quick = flag('QUICK', quick)
        epochs = whole('EPOCHS', epochs, 1)
        seed = whole('SEED', seed, 0)
        unit_tests = _test_modules(unit_tests)
        workers = available_cores() if workers is None else whole('WORKERS', workers, 1)
        config_overrides = overrides(quick, epochs)
        trained = ('configs/config_softmax.yaml', 'configs/config_twolayer.yaml', sweep_config,
                   tuning_config)
        for config in trained:
            load_config(_resolve(config), **config_overrides)
    except ValueError as err:       # lab.config.ConfigError is one
        raise NotebookStop('Cell 1', err) from None
    _note_a_broken_playground(trained)
    return quick, epochs, seed, unit_tests, workers


def _note_a_broken_playground(trained):
    """Print a note if configs/config_exp.yaml is broken while this run does not train it."""
    playground = Path(_resolve(PLAYGROUND)).resolve()
    if any(isinstance(config, (str, Path)) and Path(_resolve(config)).resolve() == playground
           for config in trained):
        return
    try:
        load_config(playground)
    except ConfigError as err:
        print(f'Note: {err} This run does not train {PLAYGROUND} (TUNING_CONFIG is '
              f'{trained[-1]}), so it goes on.')


def check_data():
    """Load MNIST, verify it against the original files' SHA-256, and return a short report.

    Raises utils.MnistDataError, whose message says what is wrong and how to
    restore the data (`python data/download_mnist.py`, or `git checkout -- data/` in a clone).
    """
    # The verified bytes are all a check needs (and what train_model uses):
    # converting them to float arrays here would only cost time and memory.
    train_images, _, val_images, _, test_images, _ = data.splits()
    return (f'MNIST is present and intact (SHA-256 verified):\n{len(train_images):,} '
            f'training, {len(val_images):,} validation and {len(test_images):,} test images.')


def run_unit_tests(modules=None):
    """Run unittest on test modules in a fresh Python, from the repository root.

    modules: None for the course's five test modules (lab.grade.COURSE_TESTS),
    or one module name ('tests.test_network'), or a list of them. A separate
    process, so the tests see the code as it is on disk now (not what this
    kernel imported earlier). Prints the test report (on success without its
    line of dots); raises RuntimeError if any test fails.
    """
    if modules is None:
        modules = COURSE_TESTS
    elif isinstance(modules, str):
        modules = [modules]
    env = dict(os.environ, OPENBLAS_NUM_THREADS='1', MPLBACKEND='Agg')
    done = subprocess.run([sys.executable, '-m', 'unittest', *modules], cwd=ROOT,
                          env=env, capture_output=True, text=True)
    report = done.stdout + done.stderr
    if done.returncode == 0:
        # The line of one dot per passing test says nothing the count does not.
        report = re.sub(r'\A[.sx]+\n', '', report)
    print(report, end='')
    if done.returncode != 0:
        raise RuntimeError(f'unit tests failed (exit code {done.returncode}): '
                           'see the report above.')


# ---------------------------------------------------------------------------
# Training runs
# ---------------------------------------------------------------------------

def overrides(quick=False, epochs=None):
    """The config overrides the notebook's parameters ask for: quick mode trains
    every run for 1 epoch; `epochs` sets the number of epochs outright."""
    if epochs is not None:
        return {'epochs': epochs}
    return {'epochs': 1} if quick else {}


@contextlib.contextmanager
def _one_blas_thread():
    # At these matrix sizes (a batch of 32-64 rows times 784x128 weights) a second
    # BLAS thread helps little when the machine is idle, hurts small batches, and
    # makes training many times slower when the cores are busy with anything else.
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(1, user_api='blas'):
        yield


def run(config, name, runs_dir=None, seed=None, **config_overrides):
    """Train one model with a progress display; return lab.runs.train_model's RunResult.

    config:  a YAML path (relative to the repository root or the current
             folder) or a config dict. name: the run's folder name under runs_dir.
    seed:    None draws one, which the result records.
    config_overrides: e.g. learning_rate=1.0, epochs=1.
    If start_runs() started this very run (same config as on disk now, name,
    folder, seed and overrides), it is taken from the background workers;
    else it is trained now, and a started run of that name and folder, no
    longer wanted, is stopped. A diverging run stops, says so, and is
    returned with result.diverged set.
    """
    config = load_config(_resolve(config), **config_overrides)
    for line in advice(config):
        print(f'Note: {line}')
    runs_dir = RUNS_DIR if runs_dir is None else runs_dir
    key = _run_key(config, name, runs_dir, seed)
    finished, started = _finished.pop(key, None), _started.pop(key, None)
    if finished is None and started is None:
        _stop_stale(key)
    progress = Progress(name, config['Train']['epochs'])
    try:
        if finished is not None:
            for epoch in range(len(finished.train_loss_history)):
                progress(epoch_stats(finished, epoch))
            result = finished
        elif started is not None:
            try:
                result = _pool.collect(key, started, progress)
            except WorkersLost as err:
                stop_runs()
                print(f'{err}: the runs still to come train in this kernel, one after another.')
                started = None
        if finished is None and started is None:
            with _one_blas_thread():
                result = train_model(config, seed=seed, run_name=name, runs_dir=runs_dir,
                                     callback=progress)
    except BaseException as err:
        # Ctrl-C or an error: the bar says the run stopped rather than stay mid-way.
        progress.finish(f'stopped by {type(err).__name__}')
        if isinstance(err, KeyboardInterrupt) and _pool is not None:
            stop_runs()
            print('Training in the background stopped; finished runs are kept. Run cell 2 '
                  'again to train the others in the background, or just run their cells.')
        raise
    # The run's own time: a run trained in the background may have finished before its cell.
    if result.diverged:
        progress.finish('DIVERGED', seconds=result.seconds)
        print(result.diverged)
    else:
        progress.finish(f'test acc {result.test_acc:.4f}', seconds=result.seconds)
        print(f'test accuracy {result.test_acc:.4f} (best-validation model, epoch '
              f'{result.best_epoch + 1})')
    problems = [problem for problem in (result.save_error, result.log_error) if problem]
    for problem in problems:
        print(f'Not saved: {problem}')
    if problems:
        print('The trained model is kept in memory, in this result.')
    else:
        print(f'saved in {_shown(result.run_dir)}')
    return result


def describe(result):
    """One line on a run: its best validation and test accuracy, or why it has none."""
    if result.best_epoch is None:
        why = result.diverged or result.interrupted or 'it has not trained an epoch'
        return f'{result.run_dir.name}: no finished epoch, so no model to score ({why}).'
    return (f'best validation accuracy {result.valid_acc_history[result.best_epoch]:.4f} '
            f'(epoch {result.best_epoch + 1} of {len(result.valid_acc_history)}), '
            f'test accuracy {result.test_acc:.4f}, {result.seconds:.0f} s')


def in_words(result):
    """What a run is, in words, for its figures: 'learning rate 0.1' for a sweep's run, else
    the model and how its config differs from the course's ('softmax regression, course
    defaults'; the number of epochs shows on the figures' axis)."""
    base = re.sub(r'-\d+$', '', result.run_dir.name)     # runs/softmax-2 is a softmax run too
    for parameter in ('learning_rate', 'reg'):
        if base.startswith(f'{parameter}_'):
            return f'{WORDS[parameter]} {base[len(parameter) + 1:]}'
    model = result.config['Model']
    words = 'softmax regression' if model['type'] == 'SoftmaxRegression' else 'two-layer network'
    settings = {**result.config['Train'], **model}
    changed = [f'{settings[name]:g} {WORDS[name]}' if name == 'hidden_size'
               else f'{WORDS[name]} {settings[name]:g}'
               for name, value in COURSE_VALUES.items()
               if name in settings and settings[name] != value]
    return f"{words}, {', '.join(changed) if changed else 'course defaults'}"


def _wrapped(text, first=40, width=60):
    """text broken into lines at its commas: the first line at most `first` characters (the
    figure's title puts 'Accuracy per epoch, ' before it), the others `width`."""
    lines = ['']
    for part in text.split(', '):
        limit = first if len(lines) == 1 else width
        if lines[-1] and len(lines[-1]) + 2 + len(part) > limit:
            lines[-1] += ','
            lines.append(part)
        else:
            lines[-1] += (', ' if lines[-1] else '') + part
    return '\n'.join(lines)


def plot(result):
    """Show a run's learning curves, titled in_words(result), and save them as PNGs in its
    folder."""
    if not result.train_loss_history:
        print(f'{result.run_dir.name}: no finished epoch to plot ({result.diverged}).')
        return
    name, notebook = result.run_dir.name, in_kernel()
    utils.plot_curves(*result.histories, run_name=name, save_only=notebook,
                      out_dir=str(result.run_dir), title=_wrapped(in_words(result)))
    if notebook:
        for suffix in ('loss', 'accuracy'):
            show_png(result.run_dir / f'{name}_{suffix}.png')


# ---------------------------------------------------------------------------
# The notebook's runs in the background
# ---------------------------------------------------------------------------

_pool = None
_started = {}         # run key -> Future of a run start_runs() began, until its cell takes it
_finished = {}        # run key -> RunResult of a started run that finished before a stop
_sweep_folders = {}   # (config, parameter, runs_dir) -> the folder start_runs() made for it


def _run_key(config, name, runs_dir, seed):
    """What makes two runs the same run: the checked config, name, folder and asked-for seed."""
    return name, str(Path(runs_dir).resolve()), json.dumps(config, sort_keys=True), seed


def _cost(config):
    """Rough seconds of a run on one core: its epochs' matrix products and per-batch work."""
    train, model = config['Train'], config['Model']
    width = model.get('hidden_size', 0) + 10
    per_epoch = (TRAIN_SIZE * 784 * width * 6 / 40e9
                 + TRAIN_SIZE / train['batch_size'] * 60e-6)
    return train['epochs'] * per_epoch


def start_runs(sweep_config, tuning_config, workers, seed=None, **config_overrides):
    """Start the notebook's runs (cells 6, 8, 10-27, 28) in `workers` background processes.

    Each later cell takes its own run with run() or a Sweep. With workers <= 1
    nothing starts: each cell trains when it runs. The tuned run of cell 28
    uses seed 0 unless SEED is given, as cell 28 does. For the queue's order,
    see queue_order().
    """
    global _pool
    stop_runs()
    _finished.clear()      # a new start supersedes what an earlier one trained
    if workers <= 1:
        return
    plan = [('configs/config_softmax.yaml', 'softmax', RUNS_DIR, seed, {}),
            ('configs/config_twolayer.yaml', 'twolayer', RUNS_DIR, seed, {})]
    for parameter, values in (('learning_rate', LEARNING_RATES), ('reg', REGULARIZATIONS)):
        folder = new_run_dir(RUNS_DIR, f'sweep_{parameter}')
        _sweep_folders[str(_resolve(sweep_config)), parameter, str(RUNS_DIR)] = folder
        plan += [(sweep_config, f'{parameter}_{value:g}', folder, seed, {parameter: value})
                 for value in values]
    plan.append((tuning_config, 'best', RUNS_DIR, 0 if seed is None else seed, {}))
    runs = []
    for config, name, folder, asked_seed, setting in plan:
        checked = load_config(_resolve(config), **{**config_overrides, **setting})
        runs.append((_cost(checked), checked, name, folder, asked_seed))
    _pool = RunPool(workers)
    for _, checked, name, folder, asked_seed in queue_order(runs, workers):
        key = _run_key(checked, name, folder, asked_seed)
        _started[key] = _pool.submit(key, checked, asked_seed, name, folder)
    print(f"Training the notebook's {len(runs)} runs in the background, {workers} at a "
          'time; each training cell below shows its own run.')


def queue_order(runs, workers):
    """The runs (cost, ...) in the order to start them: the long ones, longest first, then
    the others in the notebook's order.

    A run is long when it takes more than a third of the training each worker
    has to do: started late, it would keep one worker busy while the others
    sit idle at the end (config_best.yaml's 40 epochs). The other runs follow
    in the order the cells ask for them, so each cell gets its run early and
    draws its figures while the workers train the next ones.
    """
    share = sum(cost for cost, *_ in runs) / workers
    long = sorted((run for run in runs if run[0] > share / 3), key=lambda run: -run[0])
    return long + [run for run in runs if run[0] <= share / 3]


def stop_runs():
    """Stop what start_runs() started: queued runs are cancelled, running ones stop after
    their epoch. Runs that finished are kept for their cells; later cells train anew."""
    global _pool
    if _pool is not None:
        _pool.stop()
    for key, future in _started.items():
        if future.done() and not future.cancelled() and future.exception() is None:
            _finished[key] = future.result()
    _pool = None
    _started.clear()


def _stop_stale(key):
    """Stop the started runs of key's name and folder: their cell trains anew instead."""
    name, folder = key[:2]
    for stale in [other for other in _started if other[:2] == (name, folder)]:
        _pool.stop_run(_started.pop(stale))


def _resolve(config):
    """A config path as given if it exists, else relative to the repository root."""
    if isinstance(config, (str, Path)) and not Path(config).exists():
        candidate = ROOT / config
        if candidate.exists():
            return candidate
    return config


def _shown(path):
    """A path relative to the current folder when it lies inside it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# ---------------------------------------------------------------------------
# Sweeps
# ---------------------------------------------------------------------------

class Sweep:
    """Runs of one config for several values of one hyper-parameter.

    Sweep('configs/config_exp.yaml', 'learning_rate', epochs=1) collects runs
    made by `sweep.run(value)` (one notebook cell each) in a folder
    runs/sweep_learning_rate/ (or -2, -3 ... if taken); `summary()` then
    shows and saves the overlay figure and the results table.
    """

    def __init__(self, config, parameter, runs_dir=None, seed=None, **config_overrides):
        self.config = _resolve(config)
        self.parameter = parameter
        self.runs_dir = Path(runs_dir) if runs_dir is not None else RUNS_DIR
        self.seed = seed
        self.config_overrides = config_overrides
        # The folder start_runs() made for this sweep, if it did, else one made at the first run.
        self.folder = _sweep_folders.pop((str(self.config), parameter, str(self.runs_dir)), None)
        self.figure = None
        self.results = []          # (value, RunResult), in the order run

    def run(self, value):
        """Train with parameter = value (a diverging run is recorded, not raised)."""
        if self.folder is None:
            self.folder = new_run_dir(self.runs_dir, f'sweep_{self.parameter}')
        settings = dict(self.config_overrides, **{self.parameter: value})
        result = run(self.config, f'{self.parameter}_{value:g}', runs_dir=self.folder,
                     seed=self.seed, **settings)
        self.results.append((value, result))
        return result

    def table(self):
        """Final train/validation accuracy and test accuracy per value, as text."""
        columns = f"{'train acc':>9} | {'val acc':>9} | {'test acc':>9}"
        header = f'{self.parameter:>14} | {columns} | status'
        rows = [header, '-' * len(header)]
        for value, result in self.results:
            train_acc = _last(result.train_acc_history)
            valid_acc = _last(result.valid_acc_history)
            test_acc = _figure(result.test_acc)
            status = result.status
            if result.diverged:
                status += f' (epoch {len(result.train_loss_history) + 1})'
            figures = f'{train_acc:>9} | {valid_acc:>9} | {test_acc:>9}'
            rows.append(f'{value:>14g} | {figures} | {status}')
        return '\n'.join(rows)

    def summary(self, show=True):
        """Overlay figure and table: shown, and saved in the sweep's folder as
        sweep_<parameter>.png (its path kept in self.figure) and results.txt / results.json."""
        import matplotlib.pyplot as plt

        fig = self.overlay()
        self.figure = self.folder / f'sweep_{self.parameter}.png'
        fig.savefig(self.figure, dpi=100)
        table = self.table()
        (self.folder / 'results.txt').write_text(table + '\n')
        records = [dict(result.summary(), value=value) for value, result in self.results]
        (self.folder / 'results.json').write_text(json.dumps(records, indent=2) + '\n')
        if show:
            show_saved(fig, self.figure)
            print(table)
            print('(train, val: last epoch; test: the best-validation model)\n'
                  f'saved in {_shown(self.folder)}')
        else:
            plt.close(fig)

    def overlay(self):
        """The figure of the runs' validation accuracy (axis 0 to 1) and loss per epoch, one
        line per value: in the legend by value, in colours along viridis by value's rank."""
        import matplotlib.pyplot as plt

        if not self.results:
            raise ValueError('this sweep has no runs yet: call sweep.run(value) first.')
        words = WORDS.get(self.parameter, self.parameter)
        # One panel above the other, so each keeps the page's full width in the PDF.
        fig, (acc_ax, loss_ax) = plt.subplots(2, 1, figsize=(8, 7.5), sharex=True)
        # By value, in colours along one colour map, so that neighbours look alike.
        ordered = sorted(self.results, key=lambda pair: pair[0])
        colours = plt.get_cmap('viridis')(np.linspace(0, 0.85, len(ordered)))
        for (value, result), colour in zip(ordered, colours):
            epochs = range(1, len(result.valid_acc_history) + 1)
            label = f'{words} {value:g}' + (' (diverged)' if result.diverged else '')
            acc_ax.plot(epochs, result.valid_acc_history, marker='o', color=colour, label=label)
            loss_ax.plot(epochs, result.valid_loss_history, marker='o', color=colour, label=label)
        acc_ax.set_ylim(0, 1)       # a run stuck at 0.3 must not look like one learning well
        for ax, what in [(acc_ax, 'validation accuracy'), (loss_ax, 'validation loss')]:
            ax.set_title(f'{what.capitalize()} per epoch, by {words}')
            ax.set_ylabel(what)
            ax.grid(alpha=0.3)
            ax.legend()
        loss_ax.locator_params(axis='x', integer=True)
        loss_ax.set_xlabel('epoch')
        fig.tight_layout()
        return fig


def sweep(config, parameter, values, show=True, **options):
    """Run a whole sweep in one go (each value, then the summary); return the Sweep."""
    runs = Sweep(config, parameter, **options)
    for value in values:
        runs.run(value)
    runs.summary(show=show)
    return runs


def _last(history):
    return _figure(history[-1] if history else None)


def _figure(value):
    return '-' if value is None else f'{value:.4f}'

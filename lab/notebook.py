"""What main.ipynb's cells call: the checks of the set-up cells, the notebook's runs
declared once (Plan), and each run's figures.

    QUICK, EPOCHS, SEED, UNIT_TESTS, WORKERS = notebook.check_parameters(...)
    print(notebook.check_data()); notebook.check_code(UNIT_TESTS)
    plan = notebook.Plan(SWEEP_CONFIG, TUNING_CONFIG, seed=SEED, quick=QUICK, epochs=EPOCHS)
    plan.start(WORKERS)                      # every planned run, in the background
    softmax = plan.train('softmax')          # a training cell takes its run by name
    lr_sweep = plan.sweep('learning_rate'); lr_1 = lr_sweep.train(1.0)
    notebook.plot(softmax); print(notebook.describe(softmax))
"""
import os
import re
import subprocess
import sys
from pathlib import Path

import utils
from lab import ROOT, data, parallel
from lab.config import ConfigError, find_config, load_config
from lab.grade import COURSE_TESTS
from lab.parameters import MAX_EPOCHS, MAX_SEED, flag, shown, whole
from lab.runs import RUNS_DIR, new_run_dir
from lab.sweeps import SWEEPS, Sweep
from lab.training import describe, plot, sweep_run_name, train

__all__ = ['NotebookStop', 'check_parameters', 'check_data', 'check_code', 'Plan', 'plot',
           'describe', 'overrides']

# The student's playground, and what the tuning cells train by default.
PLAYGROUND = 'configs/config_exp.yaml'


def _test_modules(value):
    """UNIT_TESTS as a list of module names: None (the course's five), one name, a
    comma- or space-separated text of names, or a list of names; each must exist.
    Nothing else: an empty list would make unittest run every test, notebooks included."""
    if value is None:
        return None
    if isinstance(value, str):
        names = [name for name in re.split(r'[\s,]+', value) if name]
    elif isinstance(value, (list, tuple)):
        names = list(value)
    else:
        raise ValueError(f"UNIT_TESTS must be None (the course's five test modules), a module "
                         f"name such as 'tests.test_network', or a list of them; got "
                         f"{shown(value)}.")
    if not names:
        raise ValueError(f'UNIT_TESTS {shown(value)} names no test module; give one or more, '
                         f"such as 'tests.test_network', or None for {', '.join(COURSE_TESTS)}.")
    for name in names:
        if not isinstance(name, str) or not re.fullmatch(r'tests\.test_\w+', name) \
                or not (ROOT / 'tests' / (name.split('.')[1] + '.py')).is_file():
            raise ValueError(f"UNIT_TESTS: {shown(name)} is not one of the project's test "
                             f"modules (e.g. 'tests.test_network'); None runs "
                             f"{', '.join(COURSE_TESTS)}.")
    return names


def _workers(value):
    """WORKERS as the number of processes to train in: None, one per core; a number is capped
    at the cores available and at the pool's limit (61 on Windows), with a line saying so."""
    most = parallel.max_workers()
    wanted = parallel.available_cores() if value is None else whole('WORKERS', value, 1)
    if wanted > most:
        reason = ('the cores available' if most == parallel.available_cores() else
                  'the most a process pool takes on Windows')
        asked = 'one per core' if value is None else f'{wanted:,}'
        print(f'WORKERS: training in {most} processes, {reason}, rather than {asked}.')
    return min(wanted, most)


def _config_path(name, value):
    """A notebook parameter naming a config: a path (or a dict config), not empty."""
    if isinstance(value, str) and not value.strip() or \
            not isinstance(value, (str, os.PathLike, dict)):
        raise ValueError(f"{name} must be a config file's path, such as {PLAYGROUND!r}; got "
                         f'{shown(value)}.')
    return value


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
    texts turned into what they mean, WORKERS None turned into the number of cores, and
    WORKERS capped at the cores (a line says so). EPOCHS and SEED are bounded by
    lab.parameters.MAX_EPOCHS and MAX_SEED.
    A bad parameter (ValueError naming it) or config (lab.config.ConfigError naming the
    file, line and key) raises NotebookStop('Cell 1', that error). configs/config_exp.yaml,
    the student's playground, gets a note if it is broken but not trained in this run.
    """
    try:
        quick = flag('QUICK', quick)
        epochs = whole('EPOCHS', epochs, 1, MAX_EPOCHS)
        seed = whole('SEED', seed, 0, MAX_SEED)
        unit_tests = _test_modules(unit_tests)
        workers = _workers(workers)
        _config_path('SWEEP_CONFIG', sweep_config)
        _config_path('TUNING_CONFIG', tuning_config)
        plan = Plan(sweep_config, tuning_config, seed=seed, quick=quick, epochs=epochs)
        for config, settings, _, _, _ in plan.planned():
            load_config(find_config(config), **settings)
    except ValueError as err:       # lab.config.ConfigError is one
        raise NotebookStop('Cell 1', err) from None
    _note_a_broken_playground(plan)
    return quick, epochs, seed, unit_tests, workers


def _note_a_broken_playground(plan):
    """Print a note if configs/config_exp.yaml is broken while this plan does not train it."""
    playground = Path(find_config(PLAYGROUND)).resolve()
    if any(isinstance(config, (str, Path)) and Path(find_config(config)).resolve() == playground
           for config, *_ in plan.planned()):
        return
    try:
        load_config(playground)
    except ConfigError as err:
        print(f'Note: {err} This run does not train {PLAYGROUND} (TUNING_CONFIG is '
              f'{plan.tuning_config}), so it goes on.')


def check_data():
    """Load MNIST, verify it against the original files' SHA-256, and return a short report.

    Raises utils.MnistDataError, whose message says what is wrong and how to
    restore the data (`python data/download_mnist.py`, or `git checkout -- data/` in a clone).
    """
    # The verified bytes are all a check needs: converting them to float arrays here would
    # only cost time and memory. The data is checked whole, not through the 80/20 split
    # utils makes, so that this cell works before that split is written.
    train_images, _, test_images, _ = data.originals()
    train_count = int(utils.TRAIN_FRACTION * len(train_images))
    return (f'MNIST is present and intact (SHA-256 verified):\n{train_count:,} training, '
            f'{len(train_images) - train_count:,} validation and {len(test_images):,} test '
            'images.')


def check_code(modules=None):
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
    if not modules or not all(modules):    # unittest would run every test it can find
        raise ValueError(f'check_code: no test module given ({modules!r}); None runs '
                         f"{', '.join(COURSE_TESTS)}.")
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


def overrides(quick=False, epochs=None):
    """The config overrides the notebook's parameters ask for: quick mode trains
    every run for 1 epoch; `epochs` sets the number of epochs outright."""
    if epochs is not None:
        return {'epochs': epochs}
    return {'epochs': 1} if quick else {}


class Plan:
    """The notebook's runs, declared once: which config each trains, with what settings, under
    what name and seed. The training cells take theirs by name (train, or a sweep's train);
    start() trains them all in the background first, so each cell finds its run there.

    seed: every run's (None: each draws one), but the tuned run's is 0 unless seed is
    given, so that it can be replayed. quick, epochs: as overrides() reads them.
    """

    def __init__(self, sweep_config, tuning_config, seed=None, quick=False, epochs=None,
                 runs_dir=None):
        self.sweep_config, self.tuning_config = sweep_config, tuning_config
        self.seed, self.overrides = seed, overrides(quick, epochs)
        self.runs_dir = Path(runs_dir) if runs_dir is not None else RUNS_DIR
        # name -> (config, seed) of the runs outside the sweeps, in the cells' order
        self.runs = {'softmax': ('configs/config_softmax.yaml', seed),
                     'twolayer': ('configs/config_twolayer.yaml', seed),
                     'best': (tuning_config, 0 if seed is None else seed)}
        self.folders = {}     # parameter -> the folder start() made for its sweep

    def planned(self):
        """Every planned run, in the cells' order, as (config, settings: the overrides and a
        sweep's value, seed, name, the sweep's parameter or None)."""
        *first, last = self.runs
        for name in first:
            yield self.runs[name][0], self.overrides, self.runs[name][1], name, None
        for parameter, values in SWEEPS.items():
            for value in values:
                yield (self.sweep_config, dict(self.overrides, **{parameter: value}), self.seed,
                       sweep_run_name(parameter, value), parameter)
        yield self.runs[last][0], self.overrides, self.runs[last][1], last, None

    def start(self, workers):
        """Train every planned run in `workers` background processes (lab.parallel), long
        runs first, the rest in the cells' order. workers <= 1: each cell trains its own."""
        if workers <= 1:
            parallel.start([], workers)     # stops what an earlier start began
            return
        self.folders = {parameter: new_run_dir(self.runs_dir, f'sweep_{parameter}')
                        for parameter in SWEEPS}
        runs = [(load_config(find_config(config), **settings), seed, name,
                 self.folders[parameter] if parameter else self.runs_dir)
                for config, settings, seed, name, parameter in self.planned()]
        parallel.start(runs, workers)
        print(f"Training the notebook's {len(runs)} runs in the background, {workers} at a "
              'time; each training cell below shows its own run.')

    def train(self, name):
        """Train the planned run `name` (or take it from the background); its RunResult."""
        if name not in self.runs:
            raise ValueError(f"no planned run {name!r}: the notebook's training cells train "
                             f"{', '.join(map(repr, self.runs))}; a sweep's cells, "
                             "plan.sweep(parameter).train(value).")
        config, seed = self.runs[name]
        return train(config, name, runs_dir=self.runs_dir, seed=seed, **self.overrides)

    def sweep(self, parameter):
        """A new Sweep of the sweep config over parameter, in the folder start() made for it
        (again when its first cell runs again, so that it takes the runs started there)."""
        return Sweep(self.sweep_config, parameter, runs_dir=self.runs_dir, seed=self.seed,
                     folder=self.folders.get(parameter), **self.overrides)

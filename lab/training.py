"""One training run in the notebook: trained with a progress bar, plotted, described.

    result = train('configs/config_softmax.yaml', 'softmax', seed=0, epochs=1)
    plot(result)                 # its learning curves, titled in words, saved in its folder
    print(describe(result))      # best validation and test accuracy

train() is lab.runs.train_model with a progress bar and one line per epoch (the
per-batch debug lines go to the run's train.log); a run started in the background
(lab.parallel) for exactly this config, name, folder and seed is taken from there.
Ctrl-C marks the bar stopped and stops the background runs.
"""
import contextlib
import re

import utils
from lab import parallel
from lab.config import advice, find_config, load_config
from lab.display import Progress, in_kernel, relative, show_png
from lab.runs import RUNS_DIR, train_model

# The settings figures name, in words, and the course's values of them.
WORDS = {'learning_rate': 'learning rate', 'reg': 'regularization', 'batch_size': 'batch size',
         'hidden_size': 'hidden units', 'lr_decay': 'learning-rate decay'}
COURSE_VALUES = {'learning_rate': 0.1, 'reg': 0.001, 'batch_size': 64, 'hidden_size': 128,
                 'lr_decay': 1.0}


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


def train(config, name, runs_dir=None, seed=None, **config_overrides):
    """Train one model with a progress display; return lab.runs.train_model's RunResult.

    config:  a YAML path (relative to the repository root or the current
             folder) or a config dict. name: the run's folder name under runs_dir.
    seed:    None draws one, which the result records.
    config_overrides: e.g. learning_rate=1.0, epochs=1.
    A diverging run stops, says so, and is returned with result.diverged set.
    """
    config = load_config(find_config(config), **config_overrides)
    for line in advice(config):
        print(f'Note: {line}')
    runs_dir = RUNS_DIR if runs_dir is None else runs_dir
    progress = Progress(name, config['Train']['epochs'])
    try:
        result = parallel.take(config, seed, name, runs_dir, progress)
        if result is None:
            with _one_blas_thread():
                result = train_model(config, seed=seed, run_name=name, runs_dir=runs_dir,
                                     callback=progress)
    except BaseException as err:
        # Ctrl-C or an error: the bar says the run stopped rather than stay mid-way.
        progress.finish(f'stopped by {type(err).__name__}')
        if isinstance(err, KeyboardInterrupt) and parallel.running():
            parallel.stop()
            print('Training in the background stopped; finished runs are kept. Run the data '
                  'cell again to train the others in the background, or just run their cells.')
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
        print(f'saved in {relative(result.run_dir)}')
    return result


def describe(result):
    """One line on a run: its best validation and test accuracy, or why it has none."""
    if result.best_epoch is None:
        why = result.diverged or result.interrupted or 'it has not trained an epoch'
        return f'{result.run_dir.name}: no finished epoch, so no model to score ({why}).'
    return (f'best validation accuracy {result.valid_acc_history[result.best_epoch]:.4f} '
            f'(epoch {result.best_epoch + 1} of {len(result.valid_acc_history)}), '
            f'test accuracy {result.test_acc:.4f}, {result.seconds:.0f} s')


def sweep_run_name(parameter, value):
    """The name of a sweep's run: 'learning_rate_0.1'."""
    return f'{parameter}_{value:g}'


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

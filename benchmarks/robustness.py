"""What the robustness checks cost, and what too-high learning rates do.

    OPENBLAS_NUM_THREADS=1 python benchmarks/robustness.py            # cost of the checks
    OPENBLAS_NUM_THREADS=1 python benchmarks/robustness.py --survey   # + learning-rate survey

Cost: one epoch of the two-layer default (48,000 images, batches of 64) with
the input checks and divergence watch as they are, against the same epoch
with _check_batch replaced by a pass-through and train's per-batch watch
still in (it is a float comparison). Epochs alternate, and the fastest of
each is reported, since timings on a shared machine are noisy.

Survey: one epoch per model and learning rate, printing where train stops
the run (TrainingDiverged) or the validation accuracy it reaches.
"""
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import utils  # noqa: E402
from lab import runs  # noqa: E402
from models import SoftmaxRegression, TwoLayerNet  # noqa: E402
from models._base_network import _baseNetwork  # noqa: E402
from optimizer import SGD  # noqa: E402


def one_epoch(train_X, train_y, model_class=TwoLayerNet, learning_rate=0.1):
    """Seconds for one training epoch, and the finished model."""
    random.seed(0)
    order = runs.batch_order(len(train_X), 64, shuffle=True)
    model, optimizer = model_class(), SGD(learning_rate=learning_rate, reg=0.001)
    started = time.perf_counter()
    utils.train(0, runs.Gathered(train_X, order), runs.Gathered(train_y, order),
                model, optimizer, debug=False,
                batch_hook=runs.watch_divergence(model, optimizer))
    return time.perf_counter() - started, model


def check_cost(train_X, train_y, repeats=5):
    checked = _baseNetwork._check_batch
    unchecked = lambda self, X, y: (X, y)   # noqa: E731
    times = {'checked': [], 'unchecked': []}
    pairs = [('checked', checked), ('unchecked', unchecked)]
    for repeat in range(repeats):
        for name, method in pairs[::1 if repeat % 2 else -1]:   # alternate the order
            _baseNetwork._check_batch = method
            times[name].append(one_epoch(train_X, train_y)[0])
    _baseNetwork._check_batch = checked

    X, y = train_X[:64], train_y[:64]
    model = TwoLayerNet()
    calls = 20000
    started = time.perf_counter()
    for _ in range(calls):
        model._check_batch(X, y)
    per_call = (time.perf_counter() - started) / calls

    best_checked, best_unchecked = min(times['checked']), min(times['unchecked'])
    print(f'two-layer epoch, checks on:  {best_checked:.3f} s (best of {repeats})')
    print(f'two-layer epoch, checks off: {best_unchecked:.3f} s (best of {repeats})')
    print(f'difference: {100 * (best_checked / best_unchecked - 1):+.2f}% '
          '(noise on a shared machine is of the same order)')
    print(f'_check_batch alone: {per_call * 1e6:.1f} us per batch, '
          f'{100 * per_call * 750 / best_unchecked:.2f}% of the epoch (750 batches)')


def survey(train_X, train_y, val_X, val_y):
    val = utils.generate_batched_data(val_X, val_y, 64)
    for model_class in (TwoLayerNet, SoftmaxRegression):
        for learning_rate in (1, 10, 100, 1e4, 1e6):
            try:
                seconds, model = one_epoch(train_X, train_y, model_class, learning_rate)
                _, accuracy = utils.evaluate(*val, model, debug=False)
                outcome = f'finished, validation accuracy {accuracy:.3f}'
            except runs.TrainingDiverged as err:
                outcome = f'diverged at batch {err.batch} (loss {err.loss:.3g})'
            print(f'{model_class.__name__:17} lr {learning_rate:<7g} {outcome}')


def main():
    train_X, train_y, val_X, val_y = utils.load_mnist_trainval_arrays()
    check_cost(train_X, train_y)
    if '--survey' in sys.argv:
        survey(train_X, train_y, val_X, val_y)


if __name__ == '__main__':
    main()

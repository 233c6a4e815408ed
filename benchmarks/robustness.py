"""What the input checks cost, and what too-high learning rates do.

    python -m benchmarks.robustness [--repeats 7]     # cost of the checks
    python -m benchmarks.robustness --survey          # and the learning-rate survey

Cost: one epoch of the two-layer default (48,000 images, batches of 64, one
BLAS thread), run as lab.runs.train_model runs it: batches gathered from the
uint8 images, the divergence watch as train's batch_hook. With the per-batch
checks as they are (the models' _check_batch: the batch's shapes, dtypes and
label range, and the shapes of the weights), against the same epoch with
_check_batch replaced by a pass-through. Each repeat runs both kinds back to
back, in alternating order, so that they share the machine's load; their
CPU time (one thread: what the epoch would take on a quiet machine, within
a few percent) is compared, medians and the median of the paired ratios.
The difference of two noisy epochs is not the whole story on a shared
machine, so _check_batch is also timed alone, per call, times 750 calls.
Also timed: generate_batched_data's check of a whole data set (NaN, inf,
ragged rows), which the course's routine pays once per epoch.

Survey: one epoch per model and learning rate, printing where the watch
stops the run (TrainingDiverged) or the validation accuracy it reaches.
"""
import argparse
import random
import statistics
import time

from benchmarks import machine

machine.set_blas_threads(1)     # before numpy is imported

import utils  # noqa: E402
from lab import runs  # noqa: E402
from models import SoftmaxRegression, TwoLayerNet  # noqa: E402
from models._base_network import _baseNetwork  # noqa: E402
from optimizer import SGD  # noqa: E402

BATCH_SIZE = 64


def one_epoch(images, labels, model_class=TwoLayerNet, learning_rate=0.1):
    """CPU seconds for one training epoch on uint8 images, as train_model runs it, and the
    model."""
    random.seed(0)
    order = runs.batch_order(len(images), BATCH_SIZE, shuffle=True)
    model, optimizer = model_class(), SGD(learning_rate=learning_rate, reg=0.001)
    batches = runs.PixelBatches(images, order)
    started = time.process_time()
    utils.train(0, batches, runs.Gathered(labels, order), model, optimizer, debug=False,
                batch_hook=runs.watch_divergence(model, optimizer, batches))
    return time.process_time() - started, model


def per_call(function, *args, calls=20000):
    """CPU seconds per call of function(*args), the best of three rounds of calls."""
    rounds = []
    for _ in range(3):
        started = time.process_time()
        for _ in range(calls):
            function(*args)
        rounds.append((time.process_time() - started) / calls)
    return min(rounds)


def check_cost(images, labels, repeats):
    checked = _baseNetwork._check_batch
    times = {'checked': [], 'unchecked': []}
    kinds = [('checked', checked), ('unchecked', lambda self, X, y: (X, y))]
    try:
        for repeat in range(repeats):
            for name, method in kinds[::1 if repeat % 2 else -1]:   # alternate the order
                _baseNetwork._check_batch = method
                times[name].append(one_epoch(images, labels)[0])
    finally:
        _baseNetwork._check_batch = checked
    on, off = statistics.median(times['checked']), statistics.median(times['unchecked'])
    ratio = statistics.median(a / b for a, b in zip(times['checked'], times['unchecked']))
    print(f'two-layer epoch, checks on:  {on:.3f} s CPU (median of {repeats})')
    print(f'two-layer epoch, checks off: {off:.3f} s CPU (median of {repeats})')
    print(f'difference: {100 * (on / off - 1):+.2f}% of the medians, {100 * (ratio - 1):+.2f}% '
          'median of the paired ratios (a shared machine adds noise of about this size)')

    batches = len(runs.batch_order(len(images), BATCH_SIZE, shuffle=False))
    X, y = utils.load_mnist_test_arrays()
    alone = per_call(TwoLayerNet()._check_batch, X[:BATCH_SIZE], y[:BATCH_SIZE])
    print(f'_check_batch alone: {alone * 1e6:.1f} us per batch, '
          f'{100 * alone * batches / off:.2f}% of the epoch ({batches} batches)')

    train_X = images / 255.0
    data_check = per_call(utils._dataset_arrays, train_X, labels, calls=5)
    print(f"generate_batched_data's data check: {data_check * 1e3:.1f} ms per call, "
          f'{100 * data_check / off:.2f}% of the epoch (paid once per call; train_model, '
          'which batches the verified bytes itself, never pays it)')


def survey(images, labels):
    _, _, val_X, val_y = utils.load_mnist_trainval_arrays()
    val = utils.generate_batched_data(val_X, val_y, BATCH_SIZE)
    for model_class in (TwoLayerNet, SoftmaxRegression):
        for learning_rate in (1, 10, 100, 1e4, 1e6):
            try:
                _, model = one_epoch(images, labels, model_class, learning_rate)
                _, accuracy = utils.evaluate(*val, model, debug=False)
                outcome = f'finished, validation accuracy {accuracy:.3f}'
            except runs.TrainingDiverged as err:
                outcome = f'diverged at batch {err.batch} (loss {err.loss:.3g})'
            print(f'{model_class.__name__:17} lr {learning_rate:<7g} {outcome}')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--repeats', type=int, default=7, help='epochs of each kind (default 7)')
    parser.add_argument('--survey', action='store_true', help='also the learning-rate survey')
    args = parser.parse_args()
    print(f'Machine: {machine.describe()}; BLAS threads 1')
    images, labels, _, _ = utils.load_mnist_trainval_bytes()
    check_cost(images, labels, args.repeats)
    if args.survey:
        survey(images, labels)
    print(f'Load average at end: {machine.load_average()}')


if __name__ == '__main__':
    main()

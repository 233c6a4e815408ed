"""Where one training epoch's time goes, line by line, in the models' own code.

    python -m benchmarks.profile_epoch [--model softmax] [--batch-size 32]

Runs one epoch of utils.train as lab.runs.train_model runs it (shuffled
batches gathered from the uint8 images) under line_profiler, which times
every line of the real forward, its helpers and the optimizer: nothing is
copied here, so the profile cannot drift from the models. Prints each
function's share of the epoch, then its lines. line_profiler is a tool for
this script only, not a requirement of the project:

    pip install line_profiler

Timing each line costs time too (about 1 us a line), so the profiled epoch is
slower than a plain one, whose time is printed for comparison; shares are
what to read.
"""
import argparse
import random
import sys
import time

from benchmarks import machine

machine.set_blas_threads(1)     # before numpy is imported

import utils  # noqa: E402
from lab import runs  # noqa: E402
from models import SoftmaxRegression, TwoLayerNet  # noqa: E402
from models._base_network import _baseNetwork  # noqa: E402
from optimizer import SGD  # noqa: E402
from optimizer._base_optimizer import _BaseOptimizer  # noqa: E402

PROFILED = [_baseNetwork._check_batch, _baseNetwork.sigmoid, _baseNetwork.ReLU,
            _baseNetwork.ReLU_dev, _baseNetwork.softmax, _baseNetwork.cross_entropy_loss,
            _baseNetwork.compute_accuracy, _BaseOptimizer.apply_regularization, SGD.update]


def one_epoch(model, batch_size, profiler=None):
    """Seconds of one utils.train epoch over the shuffled training split, seeded."""
    images, labels, _, _ = utils.load_mnist_trainval_bytes()
    random.seed(0)
    order = runs.batch_order(len(images), batch_size, shuffle=True)
    batches, label_batches = runs.PixelBatches(images, order), runs.Gathered(labels, order)
    optimizer = SGD(learning_rate=0.1, reg=1e-3)
    start = time.perf_counter()
    if profiler is None:
        utils.train(0, batches, label_batches, model, optimizer, debug=False)
    else:
        profiler.runcall(utils.train, 0, batches, label_batches, model, optimizer, debug=False)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--batch-size', type=int, default=64)
    parser.add_argument('--model', choices=('two-layer', 'softmax'), default='two-layer')
    args = parser.parse_args()
    try:
        from line_profiler import LineProfiler
    except ImportError:
        sys.exit('This script needs line_profiler: pip install line_profiler')
    make = TwoLayerNet if args.model == 'two-layer' else SoftmaxRegression

    plain = one_epoch(make(), args.batch_size)
    profiler = LineProfiler(make.forward, *PROFILED)
    profiled = one_epoch(make(), args.batch_size, profiler)

    stats = profiler.get_stats()
    totals = {name: sum(t for _, _, t in lines) * stats.unit
              for (_, _, name), lines in stats.timings.items() if lines}
    print(f'Machine: {machine.describe()}.')
    print(f'{args.model}, batch size {args.batch_size}: plain epoch {plain:.3f} s, '
          f'profiled epoch {profiled:.3f} s\n')
    print('| function | seconds | share of the profiled epoch |')
    print('|---|---|---|')
    for name, total in sorted(totals.items(), key=lambda item: -item[1]):
        print(f'| {name} | {total:.3f} | {total / profiled:.0%} |')
    outer = [name for name in totals if name.endswith(('.forward', 'SGD.update'))]
    rest = profiled - sum(totals[name] for name in outer)
    print(f'| the rest: gathering batches, the loop | {rest:.3f} | {rest / profiled:.0%} |')
    print("\n(forward's share includes the helpers it calls; update's includes "
          "apply_regularization.)\n")
    profiler.print_stats(output_unit=1e-3, stripzeros=True)


if __name__ == '__main__':
    main()

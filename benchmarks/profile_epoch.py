"""Where the time of one training epoch goes, step by step.

    python benchmarks/profile_epoch.py [--batch-size 64] [--model two-layer|softmax]

Runs one epoch of the model the way utils.train does (one BLAS thread), but
with a clock around every step of forward, backward and the SGD update, and
prints each step's share of the epoch. The steps are the models' own lines,
written out here so each can be timed; the total is checked against an
untouched utils.train epoch run right after.
"""
import argparse
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

for _var in ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ[_var] = '1'     # before numpy is imported: BLAS reads these once

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import utils  # noqa: E402
from lab import runs  # noqa: E402
from models import SoftmaxRegression, TwoLayerNet  # noqa: E402
from optimizer import SGD  # noqa: E402


class Clock:
    """Accumulates seconds per step name: clock('name') after each step."""

    def __init__(self):
        self.totals = defaultdict(float)
        self.last = time.perf_counter()

    def __call__(self, name):
        now = time.perf_counter()
        self.totals[name] += now - self.last
        self.last = now


def two_layer_batch(model, optimizer, X, y, clock):
    W1, b1, W2, b2 = (model.weights[k] for k in ('W1', 'b1', 'W2', 'b2'))
    model._check_batch(X, y); clock('input check')
    z1 = X @ W1; clock('matmul X W1')
    z1 += b1; clock('elementwise')
    a1 = model.sigmoid(z1); clock('sigmoid (exp)')
    z2 = a1 @ W2; clock('matmul, small')
    z2 += b2; clock('elementwise')
    p = model.softmax(z2); clock('softmax, loss, accuracy')
    model.cross_entropy_loss(p, y); model.compute_accuracy(p, y); clock('softmax, loss, accuracy')
    dz2 = p
    dz2[np.arange(len(y)), y] -= 1.0
    dz2 /= len(y); clock('elementwise')
    dW2 = a1.T @ dz2; clock('matmul, small')
    db2 = dz2.sum(axis=0); clock('elementwise')
    da1 = dz2 @ W2.T; clock('matmul, small')
    dz1 = a1 * (1.0 - a1)
    dz1 *= da1; clock('elementwise')
    dW1 = X.T @ dz1; clock('matmul X.T dz1')
    db1 = dz1.sum(axis=0); clock('elementwise')
    model.gradients.update(W1=dW1, b1=db1, W2=dW2, b2=db2); clock('python overhead')
    optimizer.apply_regularization(model); clock('SGD: regularization')
    for name, weight in model.weights.items():
        weight -= optimizer.learning_rate * model.gradients[name]
    clock('SGD: step')


def softmax_batch(model, optimizer, X, y, clock):
    W1 = model.weights['W1']
    model._check_batch(X, y); clock('input check')
    z = X @ W1; clock('matmul X W1')
    a = model.ReLU(z); clock('elementwise')
    p = model.softmax(a)
    model.cross_entropy_loss(p, y); model.compute_accuracy(p, y); clock('softmax, loss, accuracy')
    da = p
    da[np.arange(len(y)), y] -= 1.0
    da /= len(y)
    dz = da * model.ReLU_dev(z); clock('elementwise')
    model.gradients['W1'] = X.T @ dz; clock('matmul X.T dz1')
    optimizer.apply_regularization(model); clock('SGD: regularization')
    for name, weight in model.weights.items():
        weight -= optimizer.learning_rate * model.gradients[name]
    clock('SGD: step')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--batch-size', type=int, default=64)
    parser.add_argument('--model', choices=('two-layer', 'softmax'), default='two-layer')
    args = parser.parse_args()
    make = TwoLayerNet if args.model == 'two-layer' else SoftmaxRegression
    step = two_layer_batch if args.model == 'two-layer' else softmax_batch

    images, labels, _, _ = utils.load_mnist_trainval_bytes()
    order = runs.batch_order(len(images), args.batch_size, shuffle=True)
    batches = runs.PixelBatches(images, order)
    label_batches = runs.Gathered(labels, order)

    model, optimizer, clock = make(), SGD(learning_rate=0.1, reg=1e-3), Clock()
    start = time.perf_counter()
    for X, y in zip(batches, label_batches):
        clock('gather batch (uint8 -> float)')
        step(model, optimizer, X, y, clock)
        clock('python overhead')
    profiled = time.perf_counter() - start

    model, optimizer = make(), SGD(learning_rate=0.1, reg=1e-3)
    start = time.perf_counter()
    utils.train(0, batches, label_batches, model, optimizer, debug=False)
    plain = time.perf_counter() - start

    print(f'{args.model}, batch size {args.batch_size}: profiled epoch {profiled:.3f} s, '
          f'plain utils.train epoch {plain:.3f} s')
    print('| step | seconds | share |')
    print('|---|---|---|')
    for name, total in sorted(clock.totals.items(), key=lambda item: -item[1]):
        print(f'| {name} | {total:.3f} | {total / profiled:.0%} |')


if __name__ == '__main__':
    main()

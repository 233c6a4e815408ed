"""How fast and how lean the pipeline is, measured against what the machine allows.

    python -m benchmarks.benchmark            # full run: about 2 minutes on a quiet 2-core box
    python -m benchmarks.benchmark --quick    # a quarter of each epoch, 2 repeats, short RSS run

Prints Markdown tables (paste-ready for the README), one row per measurement,
each the median over --repeats runs:
  - loading all splits as Python lists (from the bundle and from the course's CSVs) and as
    arrays, against what decompressing the data costs (benchmarks/loading.py);
  - seconds per training epoch through utils.train, both models, batch sizes 32/64/128;
  - the matmul-only bound of that epoch: the same matrix products on the same shapes
    and layouts, nothing else, timed on this machine right next to the epoch;
  - the same epoch in PyTorch eager mode (float64 and float32; same architecture,
    initial weights, batch order, SGD with L2 on the weights only), when torch is installed;
  - the same numpy epoch with two BLAS threads (first repeat only), to show what threading buys;
  - evaluating the 12,000 validation images, and the peak RSS of a full default training run.
Ratios are taken per repeat from measurements made back to back, then their
median is reported: on a shared machine they are far steadier than the seconds.

BLAS threads are fixed (--threads, default 1) through the environment before numpy
is imported, and through threadpoolctl when it is installed.
"""
import argparse
import os
import sys

from benchmarks import machine


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--quick', action='store_true',
                        help='time a quarter of each epoch (scaled up), 2 repeats, 2-epoch RSS run')
    parser.add_argument('--repeats', type=int, default=None,
                        help='repeats per measurement (default 5, or 2 with --quick)')
    parser.add_argument('--threads', type=int, default=1, help='BLAS threads (default 1)')
    parser.add_argument('--no-torch', action='store_true', help='skip the PyTorch comparison')
    args = parser.parse_args(argv)
    if args.repeats is None:
        args.repeats = 2 if args.quick else 5
    if args.repeats < 1 or args.threads < 1:
        parser.error('--repeats and --threads must be at least 1')
    return args


ARGS = parse_args()
machine.set_blas_threads(ARGS.threads)     # before numpy (or torch) is imported

import datetime  # noqa: E402
import functools  # noqa: E402
import random  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from contextlib import nullcontext  # noqa: E402
from statistics import median  # noqa: E402

import numpy as np  # noqa: E402

import utils  # noqa: E402
from benchmarks import loading  # noqa: E402
from lab import ROOT, runs  # noqa: E402
from models import SoftmaxRegression, TwoLayerNet  # noqa: E402
from optimizer import SGD  # noqa: E402

try:
    from threadpoolctl import threadpool_info, threadpool_limits
except ImportError:
    threadpool_info = threadpool_limits = None
try:
    import torch
except ImportError:
    torch = None
if ARGS.no_torch:
    torch = None

BATCH_SIZES = (32, 64, 128)
# The performance issue's epoch targets, as ratios of the two-layer epoch at batch size 64.
EPOCH_TARGETS = [('epoch / its matmul bound', ('numpy', 'bound'), 1.35),
                 ('epoch / PyTorch eager float32 epoch', ('numpy', 'torch32'), 1.0),
                 ('epoch / PyTorch eager float64 epoch', ('numpy', 'torch64'), 0.75)]
HIDDEN = 128
LEARNING_RATE, REG = 0.1, 1e-3
MODELS = {'softmax': SoftmaxRegression,
          'two-layer': functools.partial(TwoLayerNet, hidden_size=HIDDEN)}


# ---------------------------------------------------------------------------
# Timing helpers
# ---------------------------------------------------------------------------

def seconds(fn):
    """Wall-clock seconds of one call of fn()."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def wall_and_cpu(fn):
    """(wall-clock seconds, this process's CPU seconds) of one call of fn(). On a shared
    machine the CPU time is close to what the call would take on a quiet one."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def blas_threads(n):
    """A context fixing numpy's BLAS to n threads (a no-op without threadpoolctl)."""
    return threadpool_limits(n, user_api='blas') if threadpool_limits else nullcontext()


# ---------------------------------------------------------------------------
# One epoch, three ways: the project's, matmuls only, PyTorch
# ---------------------------------------------------------------------------

def batch_order(n, batch_size, fraction):
    """The shuffled batches of one epoch (seeded), cut to the first fraction of them."""
    random.seed(0)
    order = runs.batch_order(n, batch_size, shuffle=True)
    return order[:max(1, round(len(order) * fraction))]


def numpy_epoch(kind, images, y, order):
    """(wall, CPU) seconds of utils.train over the batches, on a freshly initialised model,
    with the batches gathered from uint8 images as utils.train_model does."""
    model = MODELS[kind]()
    optimizer = SGD(learning_rate=LEARNING_RATE, reg=REG)
    batches_X, batches_y = runs.PixelBatches(images, order), runs.Gathered(y, order)
    elapsed = wall_and_cpu(lambda: utils.train(0, batches_X, batches_y, model, optimizer,
                                               debug=False))
    return elapsed, model


def matmul_shapes(kind, batch_size, input_size=784, classes=10):
    """The epoch's matrix products for one batch, as (left, right) operand arrays with the
    layouts the models use (X gathered C-contiguous; X.T and a1.T as transposed views)."""
    rng = np.random.default_rng(0)
    X = rng.random((batch_size, input_size))
    if kind == 'softmax':
        W1, dz = rng.random((input_size, classes)), rng.random((batch_size, classes))
        return [(X, W1), (X.T, dz)]
    W1, W2 = rng.random((input_size, HIDDEN)), rng.random((HIDDEN, classes))
    a1, dz2, dz1 = (rng.random((batch_size, HIDDEN)), rng.random((batch_size, classes)),
                    rng.random((batch_size, HIDDEN)))
    return [(X, W1), (a1, W2), (a1.T, dz2), (dz2, W2.T), (X.T, dz1)]


def epoch_flops(kind, batch_size, batches):
    return batches * sum(2 * a.shape[0] * a.shape[1] * b.shape[1]
                         for a, b in matmul_shapes(kind, batch_size))


def matmul_epoch(kind, batch_size, batches):
    """Seconds of the epoch's matrix products alone: the floor no numpy code can beat."""
    products = matmul_shapes(kind, batch_size)
    outputs = [np.empty((a.shape[0], b.shape[1])) for a, b in products]

    def run():
        for _ in range(batches):
            for (a, b), out in zip(products, outputs):
                np.matmul(a, b, out=out)
    return seconds(run)


def torch_epoch(kind, X, y, order, dtype, init):
    """Seconds of the same epoch in PyTorch eager mode, with autograd and torch.optim.SGD.

    Same initial weights (copied from the numpy model), same batches, L2 on the
    weights only (weight_decay adds reg * W to the gradient, exactly like the project).
    Per batch it also takes the loss and accuracy as Python numbers, as utils.train does.
    Returns (seconds, final weights as numpy float64).
    """
    params = {k: torch.tensor(v, dtype=dtype, requires_grad=True) for k, v in init.items()}
    weights = [p for k, p in params.items() if k.startswith('W')]
    biases = [p for k, p in params.items() if k.startswith('b')]
    groups = [{'params': weights, 'weight_decay': REG}]
    if biases:
        groups.append({'params': biases, 'weight_decay': 0.0})
    optimizer = torch.optim.SGD(groups, lr=LEARNING_RATE)
    data, labels = torch.from_numpy(X).to(dtype), torch.from_numpy(y)
    indices = [torch.from_numpy(i) for i in order]
    cross_entropy = torch.nn.functional.cross_entropy

    def forward(Xb):
        if kind == 'softmax':
            return torch.relu(Xb @ params['W1'])
        a1 = torch.sigmoid(Xb @ params['W1'] + params['b1'])
        return a1 @ params['W2'] + params['b2']

    def run():
        for i in indices:
            Xb, yb = data[i], labels[i]
            scores = forward(Xb)
            loss = cross_entropy(scores, yb)
            optimizer.zero_grad(set_to_none=False)
            loss.backward()
            optimizer.step()
            loss.item(), (scores.argmax(1) == yb).double().mean().item()

    elapsed = seconds(run)
    return elapsed, {k: p.detach().double().numpy() for k, p in params.items()}


# ---------------------------------------------------------------------------
# Peak memory of a full run
# ---------------------------------------------------------------------------

# Run with the project folder as the working directory, which `-c` puts on sys.path.
RSS_CHILD = """
import json, sys, tempfile, time
from benchmarks.machine import peak_kib
from lab.runs import train_model
start = time.perf_counter()
with tempfile.TemporaryDirectory() as folder:
    result = train_model(sys.argv[1], seed=0, runs_dir=folder, epochs=int(sys.argv[2]))
seconds = time.perf_counter() - start
print(json.dumps({'kib': peak_kib(), 'seconds': seconds, 'test_acc': result.test_acc}))
"""


def full_run(epochs):
    """Peak RSS (MiB), seconds and test accuracy of train_model on the two-layer defaults,
    in a fresh Python process (so nothing this benchmark holds is counted)."""
    import json
    config = str(ROOT / 'configs' / 'config_twolayer.yaml')
    out = subprocess.run([sys.executable, '-c', RSS_CHILD, config, str(epochs)], cwd=ROOT,
                         check=True, capture_output=True, text=True, env=os.environ).stdout
    found = json.loads(out.strip().splitlines()[-1])
    return found['kib'] / 1024, found['seconds'], found['test_acc']


# ---------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------

def describe_machine():
    blas = ''
    if threadpool_info:
        info = [i for i in threadpool_info() if i.get('user_api') == 'blas']
        if info:
            blas = f", {info[0].get('internal_api')} {info[0].get('version')}"
    torch_text = f', torch {torch.__version__}' if torch else ', torch not installed'
    return f'{machine.describe()}; numpy {np.__version__}{blas}{torch_text}'


def fmt(value, unit='s'):
    if value is None:
        return '–'
    if unit == 's':
        return f'{value * 1000:.0f} ms' if value < 1 else f'{value:.2f} s'
    return f'{value:.2f}×'


def main():
    repeats, fraction = ARGS.repeats, (0.25 if ARGS.quick else 1.0)
    scale = 1 / fraction
    command = ' '.join(['python -m benchmarks.benchmark'] + sys.argv[1:])
    print(f'Benchmark run {datetime.date.today().isoformat()}: `{command}`  ')
    print(f'Machine: {describe_machine()}; BLAS threads {ARGS.threads}.  ')
    if ARGS.quick:
        print('Quick mode: each epoch is timed on its first quarter of batches, times 4.  ')
    print()

    # The full run first, while this process is still small.
    rss_epochs = 2 if ARGS.quick else 10
    rss_mib, run_seconds, test_acc = full_run(rss_epochs)

    # Loading: every path in this process, with the garbage collector on.
    loading_table = loading.table(repeats)
    train_images, train_y, val_images, val_y = utils.load_mnist_trainval_bytes()
    train_X = np.divide(train_images, 255.0, dtype=np.float64)     # for PyTorch

    # Epochs. Each repeat measures all variants back to back, so they share the machine's load.
    rows, agreement = {}, {}
    compare_threads = threadpool_limits is not None and ARGS.threads == 1
    with blas_threads(ARGS.threads):
        if torch:
            torch.set_num_threads(ARGS.threads)
        for kind in MODELS:
            for batch_size in BATCH_SIZES:
                order = batch_order(len(train_images), batch_size, fraction)
                row = rows[kind, batch_size] = {key: [] for key in (
                    'numpy', 'cpu', 'bound', 'torch64', 'torch32', 'threads2')}
                row['flops'] = epoch_flops(kind, batch_size, len(order)) * scale
                for repeat in range(repeats):
                    row['bound'].append(matmul_epoch(kind, batch_size, len(order)) * scale)
                    (wall, cpu), model = numpy_epoch(kind, train_images, train_y, order)
                    row['numpy'].append(wall * scale)
                    row['cpu'].append(cpu * scale)
                    # Two threads in the first repeat only: on a busy machine such an epoch
                    # can take a minute.
                    if compare_threads and repeat == 0:
                        with blas_threads(2):
                            wall = numpy_epoch(kind, train_images, train_y, order)[0][0]
                        row['threads2'].append(wall * scale)
                    if torch:
                        init = MODELS[kind]().weights
                        for dtype, key in ((torch.float64, 'torch64'), (torch.float32, 'torch32')):
                            wall, final = torch_epoch(kind, train_X, train_y, order, dtype, init)
                            row[key].append(wall * scale)
                            if key == 'torch64' and repeat == 0:
                                agreement[kind, batch_size] = max(
                                    float(np.max(np.abs(final[k] - model.weights[k])))
                                    for k in final)

        # Evaluating the validation split, batches of 64 as in the default config.
        val_order = runs.batch_order(len(val_images), 64, shuffle=False)
        evals = {kind: [] for kind in MODELS}
        for _ in range(repeats):
            for kind in MODELS:
                model = MODELS[kind]()
                evals[kind].append(wall_and_cpu(lambda model=model: utils.evaluate(
                    runs.PixelBatches(val_images, val_order),
                    runs.Gathered(val_y, val_order), model, debug=False)))

    def paired(row, a, b):
        """Median of the per-repeat ratios a/b (repeats where both were measured)."""
        pairs = list(zip(row[a], row[b]))
        return median([x / y for x, y in pairs]) if pairs else None

    def wall_cpu(pairs):
        return f'{fmt(median(w for w, _ in pairs))} | {fmt(median(c for _, c in pairs))}'

    print('\n'.join(loading_table))
    print()
    print('| evaluation, a full run, memory | wall | CPU | target |')
    print('|---|---|---|---|')
    for kind in MODELS:
        print(f'| evaluate {kind} on the 12,000 validation images | {wall_cpu(evals[kind])} | |')
    print(f'| full `train_model` run, two-layer defaults, {rss_epochs} epochs '
          f'(test accuracy {test_acc:.4f}) | {fmt(run_seconds)} | | |')
    print(f'| peak RSS of that run (fresh process) | {rss_mib:.0f} MiB | '
          '| ≤ 1 GB, whole notebook |')
    print()

    print("Seconds per training epoch: 48,000 images, SGD lr 0.1, reg 0.001, hidden 128. "
          "Each ratio is the median of per-repeat ratios of back-to-back measurements. "
          "The targets are in the table after this one. "
          "bound/torch f32: numpy's float64 matrix products alone, against PyTorch's whole "
          "float32 epoch.")
    print()
    print('| model | batch | numpy wall | numpy CPU | matmul bound (GFLOP/s) | ×bound '
          '| torch f64 | numpy/torch f64 | torch f32 | numpy/torch f32 | bound/torch f32 '
          '| numpy, 2 BLAS threads | 2 threads/1 |')
    print('|---|---|---|---|---|---|---|---|---|---|---|---|---|')
    for (kind, batch_size), row in rows.items():
        bound = median(row['bound'])
        cells = [kind, str(batch_size), fmt(median(row['numpy'])), fmt(median(row['cpu'])),
                 f"{fmt(bound)} ({row['flops'] / bound / 1e9:.1f})",
                 fmt(paired(row, 'numpy', 'bound'), 'x')]
        for key in ('torch64', 'torch32'):
            cells += [fmt(median(row[key])) if row[key] else '–',
                      fmt(paired(row, 'numpy', key), 'x')]
        cells.append(fmt(paired(row, 'bound', 'torch32'), 'x'))
        cells += [fmt(median(row['threads2'])) if row['threads2'] else '–',
                  fmt(paired(row, 'threads2', 'numpy'), 'x')]
        print('| ' + ' | '.join(cells) + ' |')
    print()
    if agreement:
        print(f"Same computation: after one epoch from the same initial weights, numpy's and "
              f"PyTorch float64's weights differ by at most {max(agreement.values()):.1e}.  ")
    else:
        print('PyTorch is not installed (or --no-torch), so its columns are empty; it is '
              'an optional, benchmark-only package, never a project requirement.  ')
    print(f'Load average at end: {machine.load_average()}.')
    print()
    two_layer = rows.get(('two-layer', 64))
    print('| target (two-layer net, batch size 64) | measured | target |')
    print('|---|---|---|')
    for label, (top, bottom), target in EPOCH_TARGETS:
        ratio = paired(two_layer, top, bottom) if two_layer else None
        verdict = '' if ratio is None else ('met' if ratio <= target else 'NOT met')
        print(f'| {label} | {fmt(ratio, "x")} | ≤ {target}× {verdict} |')


if __name__ == '__main__':
    main()

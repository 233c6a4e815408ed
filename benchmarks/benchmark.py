"""How fast and how lean the pipeline is, measured against what the machine allows.

    python benchmarks/benchmark.py            # full run, a few minutes on a quiet 2-core box
    python benchmarks/benchmark.py --quick    # a quarter of each epoch, 2 repeats, short RSS run

Prints Markdown tables (paste-ready for the README), one row per measurement,
each the median over --repeats runs:
  - loading all splits as Python lists and as arrays, with the in-process cache cleared;
  - seconds per training epoch through utils.train, both models, batch sizes 32/64/128;
  - the matmul-only bound of that epoch: the same matrix products on the same shapes
    and layouts, nothing else, timed on this machine right next to the epoch;
  - the same epoch in PyTorch eager mode (float64 and float32; same architecture,
    initial weights, batch order, SGD with L2 on the weights only), when torch is installed;
  - the same numpy epoch with two BLAS threads, to show what threading buys;
  - evaluating the 12,000 validation images, and the peak RSS of a full default training run.
Ratios are taken per repeat from measurements made back to back, then their
median is reported: on a shared machine they are far steadier than the seconds.

BLAS threads are fixed (--threads, default 1) through the environment before numpy
is imported, and through threadpoolctl when it is installed.
"""
import argparse
import os
import sys


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
# Must happen before numpy (or torch) is imported: BLAS reads these once, at load time.
for _var in ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ[_var] = str(ARGS.threads)

import datetime  # noqa: E402
import gc  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from contextlib import nullcontext  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import utils  # noqa: E402
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
HIDDEN = 128
LEARNING_RATE, REG = 0.1, 1e-3
MODELS = {'softmax': SoftmaxRegression, 'two-layer': TwoLayerNet}


# ---------------------------------------------------------------------------
# Timing helpers
# ---------------------------------------------------------------------------

def seconds(fn):
    """Wall-clock seconds of one call of fn()."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def median(values):
    return statistics.median(values)


def blas_threads(n):
    """A context fixing numpy's BLAS to n threads (a no-op without threadpoolctl)."""
    return threadpool_limits(n, user_api='blas') if threadpool_limits else nullcontext()


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------

def time_loading(loaders):
    """Seconds to run the loaders one after the other, starting from an empty cache."""
    utils._raw_cache.clear()
    gc.collect()
    start = time.perf_counter()
    results = [load() for load in loaders]
    elapsed = time.perf_counter() - start
    del results
    gc.collect()
    return elapsed


# ---------------------------------------------------------------------------
# One epoch, three ways: the project's, matmuls only, PyTorch
# ---------------------------------------------------------------------------

def batch_order(n, batch_size, fraction):
    """The shuffled batches of one epoch (seeded), cut to the first fraction of them."""
    random.seed(0)
    order = utils._batch_order(n, batch_size, shuffle=True)
    return order[:max(1, round(len(order) * fraction))]


def numpy_epoch(kind, X, y, order):
    """Seconds of utils.train over the batches, on a freshly initialised model."""
    model = MODELS[kind]() if kind == 'softmax' else TwoLayerNet(hidden_size=HIDDEN)
    optimizer = SGD(learning_rate=LEARNING_RATE, reg=REG)
    batches_X, batches_y = utils._Gathered(X, order), utils._Gathered(y, order)
    elapsed = seconds(lambda: utils.train(0, batches_X, batches_y, model, optimizer,
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

RSS_CHILD = """
import json, resource, sys, tempfile, time
sys.path.insert(0, sys.argv[1])
import utils
start = time.perf_counter()
with tempfile.TemporaryDirectory() as runs:
    result = utils.train_model(sys.argv[2], seed=0, runs_dir=runs, epochs=int(sys.argv[3]))
seconds = time.perf_counter() - start
try:  # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across fork + exec.
    status = dict(line.split(':', 1) for line in open('/proc/self/status'))
    kib = int(status['VmHWM'].split()[0])
except OSError:
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({'kib': kib, 'seconds': seconds, 'test_acc': result.test_acc}))
"""


def full_run(epochs):
    """Peak RSS (MiB), seconds and test accuracy of train_model on the two-layer defaults,
    in a fresh Python process (so nothing this benchmark holds is counted)."""
    import json
    config = str(ROOT / 'configs' / 'config_twolayer.yaml')
    out = subprocess.run([sys.executable, '-c', RSS_CHILD, str(ROOT), config, str(epochs)],
                         check=True, capture_output=True, text=True, env=os.environ).stdout
    found = json.loads(out.strip().splitlines()[-1])
    return found['kib'] / 1024, found['seconds'], found['test_acc']


# ---------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------

def describe_machine():
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path('/proc/cpuinfo').read_text().splitlines():
            if line.startswith('model name'):
                cpu = line.split(':', 1)[1].strip()
                break
    except OSError:
        pass
    blas = ''
    if threadpool_info:
        info = [i for i in threadpool_info() if i.get('user_api') == 'blas']
        if info:
            blas = f", {info[0].get('internal_api')} {info[0].get('version')}"
    torch_text = f", torch {torch.__version__}" if torch else ", torch not installed"
    return (f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}, "
            f"numpy {np.__version__}{blas}{torch_text}")


def load_average():
    try:
        return ' '.join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return 'n/a'


def fmt(value, unit='s'):
    if value is None:
        return '–'
    if unit == 's':
        return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"
    return f"{value:.2f}×"


def main():
    repeats, fraction = ARGS.repeats, (0.25 if ARGS.quick else 1.0)
    command = 'python benchmarks/benchmark.py ' + ' '.join(sys.argv[1:])
    print(f"Benchmark of {ROOT.name}, {datetime.date.today().isoformat()}: `{command.strip()}`")
    print(f"Machine: {describe_machine()}; BLAS threads {ARGS.threads}; "
          f"load average at start {load_average()}.")
    if ARGS.quick:
        print("Quick mode: each epoch is timed on its first quarter of batches and scaled by 4.")
    print()

    # The full run first, while this process is still small.
    rss_epochs = 2 if ARGS.quick else 10
    rss_mib, run_seconds, test_acc = full_run(rss_epochs)

    # Loading.
    loads = {'lists': [], 'arrays': []}
    for _ in range(repeats):
        loads['lists'].append(time_loading([utils.load_mnist_trainval, utils.load_mnist_test]))
        loads['arrays'].append(time_loading([utils.load_mnist_trainval_arrays,
                                             utils.load_mnist_test_arrays]))
    train_X, train_y, val_X, val_y = utils.load_mnist_trainval_arrays()

    # Epochs, interleaved so that each repeat's figures share the same machine load.
    rows = {}
    agreement = {}
    with blas_threads(ARGS.threads):
        for kind in MODELS:
            for batch_size in BATCH_SIZES:
                order = batch_order(len(train_X), batch_size, fraction)
                scale = 1 / fraction
                row = rows[kind, batch_size] = {'numpy': [], 'bound': [], 'torch64': [],
                                                'torch32': [], 'threads2': []}
                for repeat in range(repeats):
                    bound = matmul_epoch(kind, batch_size, len(order)) * scale
                    elapsed, model = numpy_epoch(kind, train_X, train_y, order)
                    row['bound'].append(bound)
                    row['numpy'].append(elapsed * scale)
                    if threadpool_limits and ARGS.threads == 1:
                        with blas_threads(2):
                            row['threads2'].append(
                                numpy_epoch(kind, train_X, train_y, order)[0] * scale)
                    if torch:
                        init = (MODELS[kind]() if kind == 'softmax'
                                else TwoLayerNet(hidden_size=HIDDEN)).weights
                        torch.set_num_threads(ARGS.threads)
                        for dtype, key in ((torch.float64, 'torch64'), (torch.float32, 'torch32')):
                            elapsed, final = torch_epoch(kind, train_X, train_y, order, dtype, init)
                            row[key].append(elapsed * scale)
                            if key == 'torch64' and repeat == 0:
                                agreement[kind, batch_size] = max(
                                    float(np.max(np.abs(final[k] - model.weights[k])))
                                    for k in final)
                row['flops'] = epoch_flops(kind, batch_size, len(order)) * scale

        # Evaluation of the validation split.
        val_order = utils._batch_order(len(val_X), 64, shuffle=False)
        evals = {kind: [] for kind in MODELS}
        for _ in range(repeats):
            for kind in MODELS:
                model = MODELS[kind]()
                evals[kind].append(seconds(lambda: utils.evaluate(
                    utils._Gathered(val_X, val_order), utils._Gathered(val_y, val_order),
                    model, debug=False)))

    def ratios(row, a, b):
        return median([x / y for x, y in zip(row[a], row[b])]) if row[a] and row[b] else None

    print("| loading and memory | median | target |")
    print("|---|---|---|")
    print(f"| load all splits as lists (cache cleared) | {fmt(median(loads['lists']))} | ≤ 1.5 s |")
    print(f"| load all splits as arrays (cache cleared) | {fmt(median(loads['arrays']))} | ≤ 0.3 s |")
    for kind in MODELS:
        print(f"| evaluate {kind} on the 12,000 validation images (bs 64) "
              f"| {fmt(median(evals[kind]))} | |")
    print(f"| peak RSS, two-layer defaults, {rss_epochs}-epoch `train_model` in a fresh process "
          f"| {rss_mib:.0f} MiB | ≤ 1 GB (whole notebook) |")
    print(f"| wall time of that run (test accuracy {test_acc:.4f}) | {fmt(run_seconds)} | |")
    print()

    print("Seconds per training epoch (48,000 images, SGD lr 0.1, reg 0.001, hidden 128); "
          "ratios are medians of per-repeat ratios.")
    print()
    print("| model | batch | numpy | matmul bound (GFLOP/s) | ×bound | torch f64 | "
          "numpy/torch f64 | torch f32 | numpy/torch f32 | numpy, 2 BLAS threads | 2 thr/1 thr |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for (kind, batch_size), row in rows.items():
        bound = median(row['bound'])
        gflops = row['flops'] / bound / 1e9
        cells = [kind, str(batch_size), fmt(median(row['numpy'])),
                 f"{fmt(bound)} ({gflops:.1f})", fmt(ratios(row, 'numpy', 'bound'), 'x')]
        for key in ('torch64', 'torch32'):
            cells += [fmt(median(row[key])) if row[key] else '–',
                      fmt(ratios(row, 'numpy', key), 'x')]
        cells += [fmt(median(row['threads2'])) if row['threads2'] else '–',
                  fmt(ratios(row, 'threads2', 'numpy'), 'x')]
        print('| ' + ' | '.join(cells) + ' |')
    print()
    if agreement:
        worst = max(agreement.values())
        print(f"Same computation check: after one epoch, numpy and torch float64 weights differ "
              f"by at most {worst:.1e} (over all models and batch sizes).")
    else:
        print("PyTorch not installed (or --no-torch): its columns are empty. "
              "`pip install torch` to fill them; it is never a project dependency.")
    print(f"Load average at end: {load_average()}. "
          f"Peak RSS of this benchmark process: "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB.")


if __name__ == '__main__':
    main()

"""Loading MNIST, against what loading it can cost at the least.

    python -m benchmarks.loading [--repeats N]

Times, in one process with the garbage collector on, each path interleaved
with the others so that they share the machine's load (the median of N
repeats; ratios are medians of per-repeat ratios):

  * lists from the bundle: utils.load_mnist_trainval() + load_mnist_test(),
    the course's Python lists, as the notebook's unit tests load them;
  * lists from the CSVs: the same calls in a grader's layout, data/ holding
    only mnist_train.csv and mnist_test.csv;
  * the lists floor: decompressing the bundle's four arrays plus .tolist() of
    them (Python lists of ints, every value a cached small int);
  * arrays from the bundle: load_mnist_trainval_arrays() + load_mnist_test_arrays();
  * the arrays floor: decompressing the bundle's four arrays.

The arrays path is timed twice in a row: first right after the list paths
have freed their memory, then again. The first call fills 470 MB of memory
the kernel must provide afresh; on a virtual machine that first touch is slow
and varies from run to run (0.03 to 0.8 s seen on one machine), and no code
of ours can remove it. The second call measures our work.

and the peak memory of each path, each in a fresh process (VmHWM, Linux).
benchmarks/benchmark.py prints the same table as part of its report.
"""
import argparse
import gc
import subprocess
import sys
import tempfile
import time
from statistics import median
from unittest import mock

import numpy as np

import utils
from benchmarks.machine import describe
from lab import ROOT, grade

BUNDLE = ROOT / 'data' / utils.BUNDLE
# Targets of the performance issue, as ratios: (numerator, denominator, at most).
TARGETS = [('lists (bundle)', 'lists floor', 1.3), ('lists (CSVs)', 'lists (bundle)', 2.0),
           ('arrays (bundle), again', 'arrays floor', 1.5)]


def decompressed():
    """The bundle's four arrays, decompressed: what any loader must do at the least."""
    with np.load(BUNDLE) as bundle:
        return [bundle[name] for name in bundle.files]


def lists_floor(rows_per_chunk=512):
    """Decompression plus .tolist() of the bytes, a chunk of rows at a time (faster than all
    at once, so the floor is as low as it gets)."""
    lists = []
    for array in decompressed():
        flat, rows = array.reshape(len(array), -1), []
        for start in range(0, len(flat), rows_per_chunk):
            rows += flat[start:start + rows_per_chunk].tolist()
        lists.append(rows)
    return lists


def course_lists():
    return utils.load_mnist_trainval(), utils.load_mnist_test()


def arrays():
    return utils.load_mnist_trainval_arrays(), utils.load_mnist_test_arrays()


def write_csvs(folder):
    """The course's CSV layout, data/mnist_train.csv and data/mnist_test.csv, under folder."""
    return grade.write_course_data(folder)


def paths(csv_data_dir):
    """name -> a function loading by that path. The CSV path reads csv_data_dir only."""
    def csv_lists():
        with mock.patch.object(utils, 'DATA_FOLDERS', (str(csv_data_dir),)):
            return course_lists()
    return {'lists floor': lists_floor, 'lists (bundle)': course_lists, 'lists (CSVs)': csv_lists,
            'arrays floor': decompressed, 'arrays (bundle), first': arrays,
            'arrays (bundle), again': arrays}


def time_paths(csv_data_dir, repeats):
    """{name: [seconds per repeat]}, the paths interleaved within each repeat; the list
    paths take turns at going first, which pays for memory the kernel provides afresh."""
    loaders = paths(csv_data_dir)
    times = {name: [] for name in loaders}
    names = list(loaders)
    for repeat in range(repeats):
        turn = repeat % 3
        for name in names[turn:3] + names[:turn] + names[3:]:
            gc.collect()
            start = time.perf_counter()
            result = loaders[name]()
            times[name].append(time.perf_counter() - start)
            del result
    return times


# Run with the project folder as the working directory, which `-c` puts on sys.path.
PEAK_CHILD = """
import sys
from benchmarks import loading, machine
before = machine.peak_kib()
loading.paths(sys.argv[1])[sys.argv[2]]()
print(machine.peak_kib() - before)
"""


def peak_mib(csv_data_dir, name):
    """Peak memory of one path above the interpreter's, in MiB, in a fresh process."""
    done = subprocess.run([sys.executable, '-c', PEAK_CHILD, str(csv_data_dir), name], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    return int(done.stdout.split()[-1]) / 1024


def table(repeats=5):
    """The loading table as Markdown lines, and the ratios with their targets."""
    with tempfile.TemporaryDirectory(prefix='hw1-bench-') as scratch:
        csv_data_dir = write_csvs(scratch)
        times = time_paths(csv_data_dir, repeats)
        peaks = {name: peak_mib(csv_data_dir, name) for name in times}
    lines = ['| loading all splits | median | peak memory (fresh process) |', '|---|---|---|']
    for name, seconds in times.items():
        lines.append(f'| {name} | {median(seconds):.3f} s | {peaks[name]:.0f} MiB |')
    lines += ['', '| ratio | measured | target |', '|---|---|---|']
    for top, bottom, target in TARGETS:
        ratio = median(a / b for a, b in zip(times[top], times[bottom]))
        verdict = 'met' if ratio <= target else 'NOT met'
        lines.append(f'| {top} / {bottom} | {ratio:.2f}× | ≤ {target}× ({verdict}) |')
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--repeats', type=int, default=5)
    args = parser.parse_args()
    print(f'Machine: {describe()}; numpy {np.__version__}.  ')
    print('\n'.join(table(args.repeats)))


if __name__ == '__main__':
    main()

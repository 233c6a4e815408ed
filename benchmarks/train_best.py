"""Train configs/config_best.yaml with its documented seed and report the
figures the README quotes: best validation accuracy, test accuracy of that
best-validation model, wall and CPU time, and the machine's load.

    OPENBLAS_NUM_THREADS=1 python -m benchmarks.train_best [--seed N]
"""
import argparse
import os
import time

from lab import ROOT, runs

BEST = ROOT / 'configs' / 'config_best.yaml'
SEED = 0     # the seed config_best.yaml's header documents


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seed', type=int, default=SEED)
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    cpu_before = time.process_time()
    result = runs.train_model(BEST, seed=args.seed)
    cpu = time.process_time() - cpu_before
    print(f'config: {BEST.name}, seed {args.seed}, run folder {result.run_dir}')
    print(f'best validation accuracy {result.valid_acc_history[result.best_epoch]:.4f} '
          f'(epoch {result.best_epoch + 1} of {len(result.valid_acc_history)})')
    print(f'test accuracy of that model {result.test_acc:.4f}')
    print(f"wall time {result.seconds:.1f} s, CPU time {cpu:.1f} s, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}, "
          f"load average {load_before:.2f} before / {os.getloadavg()[0]:.2f} after "
          f"on {os.cpu_count()} cores")


if __name__ == '__main__':
    main()

"""Short tuning runs of the faithful TwoLayerNet, reporting VALIDATION accuracy only.

How configs/config_best.yaml was chosen: candidates are compared on the
validation split (the last 12,000 training images); the test set is looked at
once, for the chosen config, by train_model at the end of the confirming run.

Usage (from the project folder; one candidate per argument, overrides separated by commas):
    OPENBLAS_NUM_THREADS=1 python -m benchmarks.tune_twolayer \
        hidden_size=512,learning_rate=0.5,epochs=3  hidden_size=512,learning_rate=1.0,epochs=3
`--seed N` sets the shuffling seed (default 0).
Prints, per candidate, the validation accuracy after every epoch, the best
epoch, the last epoch's training accuracy, and the wall and CPU time (wall
time is noisy on a shared machine; CPU time much less so).
"""
import argparse
import os
import tempfile

from lab import ROOT, runs

BASE = ROOT / 'configs' / 'config_twolayer.yaml'


def parse(candidate):
    """'hidden_size=512,learning_rate=0.5' -> {'hidden_size': 512, 'learning_rate': 0.5}."""
    overrides = {}
    for item in candidate.split(','):
        key, _, value = item.partition('=')
        try:
            number = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f'{item!r} is not KEY=NUMBER: write a candidate as '
                'hidden_size=512,learning_rate=0.5') from None
        overrides[key] = int(number) if number.is_integer() and key in (
            'hidden_size', 'batch_size', 'epochs') else number
    return overrides


def validation_only(candidate, seed=0):
    """Train with the overrides; return (validation accuracies per epoch,
    last training accuracy, seconds)."""
    overrides = parse(candidate)
    with tempfile.TemporaryDirectory() as folder:
        # The run ends with a test evaluation inside train_model; its figure is
        # deliberately not read here, so it cannot steer the choice.
        result = runs.train_model(BASE, seed=seed, runs_dir=folder, debug=False, **overrides)
    return result.valid_acc_history, result.train_acc_history[-1], result.seconds


def main(candidates, seed=0):
    print(f"seed {seed}, OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}, "
          f"load average {os.getloadavg()[0]:.2f}")
    for candidate in candidates:
        started = os.times()
        accs, train_acc, seconds = validation_only(candidate, seed)
        cpu = os.times().user - started.user
        best = max(range(len(accs)), key=accs.__getitem__)
        per_epoch = ' '.join(f'{a:.4f}' for a in accs)
        print(f'{candidate}: val {per_epoch} | best {accs[best]:.4f} @ epoch {best} '
              f'| last train acc {train_acc:.4f} | {seconds:.1f} s wall, {cpu:.1f} s CPU',
              flush=True)


def checked(candidate):
    """The candidate as given, once parse accepts it (argparse's type)."""
    parse(candidate)
    return candidate


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seed', type=int, default=0, help='shuffling seed (default 0)')
    parser.add_argument('candidates', nargs='*', type=checked,
                        default=['hidden_size=128,learning_rate=0.1,epochs=1'],
                        help='overrides of config_twolayer.yaml, e.g. '
                             'hidden_size=512,learning_rate=0.5,epochs=3')
    args = parser.parse_args()
    main(args.candidates, args.seed)

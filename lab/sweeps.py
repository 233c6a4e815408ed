"""Sweeps: one config trained for several values of one hyper-parameter, side by side.

    sweep = Sweep('configs/config_twolayer.yaml', 'learning_rate', seed=0, epochs=1)
    lr_1 = sweep.train(1.0)       # one training cell per value
    sweep.summary()               # the overlay figure and the table of final accuracies

A run that diverges is recorded and the sweep goes on. The sweep's folder
(runs/sweep_learning_rate/) holds its runs, the overlay figure
(sweep_learning_rate.png), results.txt and results.json.
"""
import json
from pathlib import Path

import numpy as np

from lab.config import find_config
from lab.display import relative, show_saved
from lab.files import write_atomically
from lab.runs import RUNS_DIR, new_run_dir
from lab.training import WORDS, sweep_run_name, train

# The handout's sweeps, in the notebook's order: the learning rates, then the regularizations.
SWEEPS = {'learning_rate': (1.0, 0.1, 0.01, 0.05), 'reg': (0.1, 0.01, 0.001, 0.0001, 1.0)}


class Sweep:
    """Runs of one config for several values of one hyper-parameter, in one folder.

    folder: the sweep's folder if made already (lab.notebook.Plan.start makes it), else
    runs_dir/sweep_<parameter> (or -2, -3 ... if taken), made at the first run.
    """

    def __init__(self, config, parameter, runs_dir=None, seed=None, folder=None,
                 **config_overrides):
        self.config = find_config(config)
        self.parameter = parameter
        self.runs_dir = Path(runs_dir) if runs_dir is not None else RUNS_DIR
        self.seed = seed
        self.config_overrides = config_overrides
        self.folder = folder
        self.figure = None
        self.results = []          # (value, RunResult), in the order run

    def train(self, value):
        """Train with parameter = value (a diverging run is recorded, not raised)."""
        if self.folder is None:
            self.folder = new_run_dir(self.runs_dir, f'sweep_{self.parameter}')
        settings = dict(self.config_overrides, **{self.parameter: value})
        result = train(self.config, sweep_run_name(self.parameter, value), runs_dir=self.folder,
                       seed=self.seed, **settings)
        self.results.append((value, result))
        return result

    def table(self):
        """Final train/validation accuracy and test accuracy per value, as text."""
        columns = f"{'train acc':>9} | {'val acc':>9} | {'test acc':>9}"
        header = f'{self.parameter:>14} | {columns} | status'
        rows = [header, '-' * len(header)]
        for value, result in self.results:
            train_acc = _last(result.train_acc_history)
            valid_acc = _last(result.valid_acc_history)
            test_acc = _figure(result.test_acc)
            status = result.status
            if result.diverged:
                status += f' (epoch {len(result.train_loss_history) + 1})'
            figures = f'{train_acc:>9} | {valid_acc:>9} | {test_acc:>9}'
            rows.append(f'{value:>14g} | {figures} | {status}')
        return '\n'.join(rows)

    def summary(self, show=True):
        """Overlay figure and table: shown, and saved in the sweep's folder as
        sweep_<parameter>.png (its path kept in self.figure) and results.txt / results.json."""
        import matplotlib.pyplot as plt

        fig = self.overlay()
        self.figure = self.folder / f'sweep_{self.parameter}.png'
        fig.savefig(self.figure, dpi=100)
        table = self.table()
        write_atomically(self.folder / 'results.txt', table + '\n')
        records = [dict(result.summary(), value=value) for value, result in self.results]
        write_atomically(self.folder / 'results.json', json.dumps(records, indent=2) + '\n')
        if show:
            show_saved(fig, self.figure)
            print(table)
            print('(train, val: last epoch; test: the best-validation model)\n'
                  f'saved in {relative(self.folder)}')
        else:
            plt.close(fig)

    def overlay(self):
        """The figure of the runs' validation accuracy (axis 0 to 1) and loss per epoch, one
        line per value: in the legend by value, in colours along viridis by value's rank."""
        import matplotlib.pyplot as plt

        if not self.results:
            raise ValueError('this sweep has no runs yet: call sweep.train(value) first.')
        words = WORDS.get(self.parameter, self.parameter)
        # One panel above the other, so each keeps the page's full width in the PDF.
        fig, (acc_ax, loss_ax) = plt.subplots(2, 1, figsize=(8, 7.5), sharex=True)
        # By value, in colours along one colour map, so that neighbours look alike.
        ordered = sorted(self.results, key=lambda pair: pair[0])
        colours = plt.get_cmap('viridis')(np.linspace(0, 0.85, len(ordered)))
        for (value, result), colour in zip(ordered, colours):
            epochs = range(1, len(result.valid_acc_history) + 1)
            label = f'{words} {value:g}' + (' (diverged)' if result.diverged else '')
            acc_ax.plot(epochs, result.valid_acc_history, marker='o', color=colour, label=label)
            loss_ax.plot(epochs, result.valid_loss_history, marker='o', color=colour, label=label)
        acc_ax.set_ylim(0, 1)       # a run stuck at 0.3 must not look like one learning well
        for ax, what in [(acc_ax, 'validation accuracy'), (loss_ax, 'validation loss')]:
            ax.set_title(f'{what.capitalize()} per epoch, by {words}')
            ax.set_ylabel(what)
            ax.grid(alpha=0.3)
            ax.legend()
        loss_ax.locator_params(axis='x', integer=True)
        loss_ax.set_xlabel('epoch')
        fig.tight_layout()
        return fig


def _last(history):
    return _figure(history[-1] if history else None)


def _figure(value):
    return '-' if value is None else f'{value:.4f}'

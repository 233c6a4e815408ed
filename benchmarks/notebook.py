"""The whole notebook, headless: one worker against the default, and where the time goes.

    python -m benchmarks.notebook [--repeats 2] [--tuning configs/config_exp.yaml]

Runs main.ipynb with papermill in a fresh copy of the project, alternately
with `-p WORKERS 1` (every run trained in the kernel, one after another) and
with the default (one worker process per core), `--repeats` times each, and
prints the wall times, their ratio (the median of per-pair ratios), and for
the last parallel run the seconds each cell spent, from papermill's record.
The handout's configs are the default (`--tuning configs/config_exp.yaml`).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

from benchmarks.machine import describe
from lab import ROOT

NOT_COPIED = shutil.ignore_patterns('.git', 'runs', '__pycache__', '.hypothesis', '*.pdf', '*.zip',
                                    '.ipynb_checkpoints', '.venv')


def run_notebook(folder, tuning, workers=None):
    """Wall seconds of one headless run of main.ipynb in folder, and the executed notebook."""
    runs = folder / 'runs'
    shutil.rmtree(runs, ignore_errors=True)
    runs.mkdir()
    command = [sys.executable, '-m', 'papermill', 'main.ipynb', 'runs/main.ipynb',
               '-p', 'TUNING_CONFIG', tuning, '--log-level', 'ERROR']
    if workers is not None:
        command += ['-p', 'WORKERS', str(workers)]
    start = time.perf_counter()
    # As the README's headless line runs it: with the project's quiet kernel.
    env = dict(os.environ, JUPYTER_PATH=str(folder / 'jupyter'))
    subprocess.run(command, cwd=folder, env=env, check=True, capture_output=True)
    return time.perf_counter() - start, json.loads((runs / 'main.ipynb').read_text())


def cell_seconds(notebook):
    """(first line of the cell, seconds) for each code cell, from papermill's metadata."""
    for cell in notebook['cells']:
        if cell['cell_type'] == 'code':
            seconds = cell['metadata'].get('papermill', {}).get('duration') or 0.0
            yield ''.join(cell['source']).splitlines()[0][:70], seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--repeats', type=int, default=2)
    parser.add_argument('--tuning', default='configs/config_exp.yaml')
    args = parser.parse_args()
    print(f'Machine: {describe()}.  ')
    times = {'WORKERS 1': [], 'default': []}
    with tempfile.TemporaryDirectory(prefix='hw1-bench-notebook-') as scratch:
        folder = Path(scratch) / 'hw1'
        shutil.copytree(ROOT, folder, ignore=NOT_COPIED)
        for _ in range(args.repeats):
            times['WORKERS 1'].append(run_notebook(folder, args.tuning, workers=1)[0])
            seconds, executed = run_notebook(folder, args.tuning)
            times['default'].append(seconds)
    ratio = median(p / s for p, s in zip(times['default'], times['WORKERS 1']))
    print(f'\n`JUPYTER_PATH=jupyter python -m papermill main.ipynb runs/main.ipynb '
          f'-p TUNING_CONFIG {args.tuning}`\n')
    print('| workers | wall (each run) | median |')
    print('|---|---|---|')
    for name, values in times.items():
        each = ', '.join(f'{value:.0f} s' for value in values)
        print(f'| {name} | {each} | {median(values):.0f} s |')
    print(f'\ndefault / WORKERS 1: {ratio:.2f}x (target <= 0.65x)\n')
    print('Where the last default run spent its time, cell by cell:\n')
    print('| cell | seconds |')
    print('|---|---|')
    in_cells = 0.0
    for first_line, seconds in cell_seconds(executed):
        in_cells += seconds
        if seconds >= 0.5:
            print(f'| {first_line} | {seconds:.1f} |')
    print(f'| outside the cells: starting the kernel, papermill | '
          f'{times["default"][-1] - in_cells:.1f} |')


if __name__ == '__main__':
    main()

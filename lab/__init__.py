"""The notebook's helpers: everything main.ipynb and collect_submission.ipynb
do beyond the graded code (configs, training runs, progress display, sweeps,
pictures, the data bundle, packaging and pre-flight grading).

Nothing here is part of the submission, so it may use more than the graded
files' numpy and matplotlib. Imports run one way: lab imports the graded
files, never the reverse.
"""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

"""The notebook's helpers: everything main.ipynb and collect_submission.ipynb
do beyond the graded code (progress display, sweeps, pictures, packaging).

Nothing here is part of the submission, so it may use more than the graded
files' numpy, matplotlib and yaml.
"""

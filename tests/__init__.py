"""Unit tests for the HW1 pipeline.

Run from the repository root with ``python -m unittest`` (or a single module,
e.g. ``python -m unittest tests.test_network``).

This package initialiser forces matplotlib's non-interactive Agg backend before
anything imports matplotlib, so the tests never open windows, and puts the
repository root on ``sys.path`` so ``utils``, ``models`` and ``optimizer`` are
importable whatever the working directory.
"""
import os
import sys

os.environ["MPLBACKEND"] = "Agg"

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

"""Unit tests for the HW1 pipeline.

Run from the repository root with ``python -m unittest`` (or a single module,
e.g. ``python -m unittest tests.test_network``).

This package initialiser forces matplotlib's non-interactive Agg backend before
anything imports matplotlib, so the tests never open windows, and puts the
repository root on ``sys.path`` so ``utils``, ``models`` and ``optimizer`` are
importable whatever the working directory. It also asks OpenBLAS for one
thread unless the caller chose otherwise: the tests multiply small matrices,
where a second BLAS thread costs more than it brings (and on a busy 2-core
machine, far more).
"""
import os
import sys

os.environ["MPLBACKEND"] = "Agg"
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

"""Unit tests for the HW1 pipeline.

Run from the repository root with ``python -m unittest`` (or a single module,
e.g. ``python -m unittest tests.test_network``).

The five course-named modules (test_loading, test_activation, test_loss,
test_network, test_training) test the course's API only and need nothing but
this file, so they also run in a grader's folder (see lab/grade.py).

This file forces matplotlib's non-interactive Agg backend before anything
imports matplotlib, so the tests never open windows, and puts the repository
root on ``sys.path`` so ``utils``, ``models`` and ``optimizer`` import from
any working directory. It also asks OpenBLAS for one thread unless the caller
chose otherwise: the tests multiply small matrices, where a second BLAS
thread costs more than it brings (and on a busy 2-core machine, far more).
"""
import contextlib
import os
import sys
import warnings

os.environ["MPLBACKEND"] = "Agg"
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


@contextlib.contextmanager
def no_numeric_warnings():
    """Turn any warning, and any numpy overflow/divide/invalid event, into an error.

    Underflow (exp(-1000) -> 0) is legitimate and stays ignored.
    """
    import numpy as np

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
            yield

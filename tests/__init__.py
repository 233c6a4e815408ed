"""Unit tests for the HW1 pipeline.

Run from the repository root with ``python -m unittest`` (or a single module,
e.g. ``python -m unittest tests.test_network``).

The five course-named modules (test_loading, test_activation, test_loss,
test_network, test_training) test the course's API only and need nothing but
this file, so they also run in a grader's folder (see lab/grade.py).

This file forces matplotlib's non-interactive Agg backend before anything
imports matplotlib, so the tests never open windows, and puts the repository
root on ``sys.path`` so ``utils``, ``models`` and ``optimizer`` import from
any working directory. Kernels the tests start use the project's quiet
kernel (jupyter/kernels/). It also asks OpenBLAS for one thread unless the caller
chose otherwise: the tests multiply small matrices, where a second BLAS
thread costs more than it brings (and on a busy 2-core machine, far more).
"""
import contextlib
import os
import shutil
import sys
import tempfile
import unittest
import warnings
from pathlib import Path

os.environ['MPLBACKEND'] = 'Agg'
os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')

ROOT = Path(__file__).resolve().parent.parent     # the repository (or grader's) folder
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
# Kernels that tests start (papermill, nbclient) are the project's kernel for headless runs,
# as with the README's JUPYTER_PATH=jupyter: ipykernel's own, logging errors only, so that
# no kernel start prints a warning about its local TCP connection.
os.environ['JUPYTER_PATH'] = os.pathsep.join(
    [str(ROOT / 'jupyter')] + [p for p in [os.environ.get('JUPYTER_PATH')] if p])


@contextlib.contextmanager
def no_numeric_warnings():
    """Turn any warning, and any numpy overflow/divide/invalid event, into an error.

    Underflow (exp(-1000) -> 0) is legitimate and stays ignored.
    """
    import numpy as np

    with warnings.catch_warnings():
        warnings.simplefilter('error')
        with np.errstate(over='raise', divide='raise', invalid='raise', under='ignore'):
            yield


class TempDirTestCase(unittest.TestCase):
    """A TestCase whose tests each get a fresh, empty folder self.tmp (a Path), removed after."""

    def setUp(self):
        super().setUp()
        self.tmp = Path(tempfile.mkdtemp(prefix='hw1-test-'))
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)


def numerical_gradient(f, x, eps=1e-6):
    """Centred finite differences (f(x + eps) - f(x - eps)) / 2 eps of the scalar function
    f() with respect to each entry of the float array x, which f reads; x is changed in
    place and restored. Independent of lab.gradcheck on purpose: it checks that too."""
    import numpy as np

    grad = np.zeros(x.shape, dtype=np.float64)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        plus = f()
        x[i] = old - eps
        minus = f()
        x[i] = old
        grad[i] = (plus - minus) / (2 * eps)
    return grad

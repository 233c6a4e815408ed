"""A shared test helper: fail on any warning or numpy floating-point event."""
import contextlib
import warnings

import numpy as np


@contextlib.contextmanager
def no_numeric_warnings():
    """Turn any warning, and any numpy overflow/divide/invalid event, into an error.

    Underflow (exp(-1000) -> 0) is legitimate and stays ignored.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
            yield

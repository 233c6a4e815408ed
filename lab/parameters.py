"""Values as lab reads them: the one whole-number check, and the notebooks' parameters.

    whole_number(3.0) == 3;  whole_number(2.5) is None
    whole('EPOCHS', '3', low=1, high=MAX_EPOCHS) == 3;  flag('QUICK', 'false') is False

whole_number is what every whole number lab reads (config keys, seeds, the
notebooks' parameters) goes through. papermill's `-p NAME VALUE` passes what it
cannot read as a number or as True/False/None as text (`-p QUICK false` arrives
as 'false', `-p EPOCHS 10**12` as '10**12'), so flag() and whole() also take such
texts, and raise ValueError naming the parameter and what it accepts.
"""
import math
import numbers

import numpy as np

# The largest number of epochs lab trains: the course trains 10 and our tuned config 40
# (about a minute); 1,000 epochs of each of the notebook's runs already take days, so a
# larger number is a typo (10**12 would train for millennia before anyone noticed).
MAX_EPOCHS = 1000
# The largest seed: what np.random.seed takes (0 to 2**32 - 1). lab seeds Python's random,
# which takes any integer, but a seed that also seeds NumPy's legacy generator (the one
# the course's models seed) can be replayed with either; 2**70 is a typo, not a seed.
MAX_SEED = 2 ** 32 - 1

_WORDS = {'true': True, 'yes': True, '1': True, 'false': False, 'no': False, '0': False}


def shown(value):
    """repr(value) for a message, cut short: Python refuses to write out integers of
    over 4300 digits, and a long text or list would drown the message."""
    if isinstance(value, int) and not -10 ** 20 < value < 10 ** 20:
        sign = 'negative ' if value < 0 else ''
        return f'a {sign}{int(math.log10(abs(value))) + 1}-digit number'
    text = repr(value)
    return text if len(text) <= 60 else text[:50] + ' ...' + text[-6:]


def whole_number(value):
    """value as an int if it is a whole number (an int, a NumPy integer, or a float such as
    3.0), else None. Booleans and texts are not numbers."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    if isinstance(value, numbers.Integral):
        return int(value)
    return int(value) if math.isfinite(value) and float(value).is_integer() else None


def flag(name, value):
    """A parameter meant as True or False: a bool (Python's or NumPy's), the integers 1 and 0
    (papermill's `-p QUICK 1`), or the texts true/false, yes/no, 1/0 in any case."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _WORDS:
        return _WORDS[value.strip().lower()]
    raise ValueError(f'{name} must be True or False, got {shown(value)}.')


def whole(name, value, low, high=None):
    """A parameter meant as a whole number from low to high (None: no bound), or None;
    3.0, '3' and ' 3 ' are taken as 3; True, 2.5, 'nan' and '10**12' are refused."""
    if value is None:
        return None
    number = value
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            number = None
    number = whole_number(number)
    if number is None or number < low or (high is not None and number > high):
        bounds = f'of at least {low}' if high is None else f'from {low} to {high:,}'
        raise ValueError(f'{name} must be a whole number {bounds} (or None), '
                         f'got {shown(value)}.')
    return number

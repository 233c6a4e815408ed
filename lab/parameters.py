"""Values as lab reads them: the one whole-number check, and the notebooks' parameters.

    whole_number(3.0) == 3;  whole_number(2.5) is None
    whole('EPOCHS', '3', low=1) == 3;  flag('QUICK', 'false') is False

whole_number is what every whole number lab reads (config keys, seeds, the
notebooks' parameters) goes through. papermill's `-p NAME VALUE` passes what it
cannot read as a number or as True/False/None as text (`-p QUICK false` arrives
as 'false'), so flag() and whole() also take such texts, and raise ValueError
naming the parameter and what it accepts.
"""
import math
import numbers

_WORDS = {'true': True, 'yes': True, '1': True, 'false': False, 'no': False, '0': False}


def whole_number(value):
    """value as an int if it is a whole number (an int, a NumPy integer, or a float such as
    3.0), else None. Booleans and texts are not numbers."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    if isinstance(value, numbers.Integral):
        return int(value)
    return int(value) if math.isfinite(value) and float(value).is_integer() else None


def flag(name, value):
    """A parameter meant as True or False (also the texts true/false, yes/no, 1/0)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _WORDS:
        return _WORDS[value.strip().lower()]
    raise ValueError(f'{name} must be True or False, got {value!r}.')


def whole(name, value, low):
    """A parameter meant as a whole number >= low, or None; 3.0 and '3' are taken as 3."""
    if value is None:
        return None
    number = value
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            number = None
    number = whole_number(number)
    if number is None or number < low:
        raise ValueError(f'{name} must be a whole number of at least {low} (or None), '
                         f'got {value!r}.')
    return number

"""The notebooks' parameters as their cells mean them.

papermill's `-p NAME VALUE` passes what it cannot read as a number or as
True/False/None as text: `-p QUICK false` arrives as the text 'false', and
`-p EPOCHS 3.0` as the float 3.0. These turn such values into what they
mean, or raise ValueError naming the parameter and what it accepts.
"""
import math
import numbers

_WORDS = {'true': True, 'yes': True, '1': True, 'false': False, 'no': False, '0': False}


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
    if isinstance(number, bool) or not isinstance(number, numbers.Real) \
            or not math.isfinite(number) or number != int(number) or number < low:
        raise ValueError(f'{name} must be a whole number of at least {low} (or None), '
                         f'got {value!r}.')
    return int(number)

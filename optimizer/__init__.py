"""Optimizers for the homework's models."""
from .sgd import SGD

__all__ = ['SGD']

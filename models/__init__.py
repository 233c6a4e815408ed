"""The two networks of the homework."""
from .softmax_regression import SoftmaxRegression
from .two_layer_nn import TwoLayerNet

__all__ = ['SoftmaxRegression', 'TwoLayerNet']

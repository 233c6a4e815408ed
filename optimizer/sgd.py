"""Vanilla stochastic gradient descent: theta <- theta - lr * dJ/dtheta."""
from ._base_optimizer import _BaseOptimizer


class SGD(_BaseOptimizer):
    def __init__(self, learning_rate=1e-4, reg=1e-3):
        super().__init__(learning_rate, reg)

    def update(self, model):
        """Add the L2 gradient to the weights' gradients, then step every parameter, in place."""
        self.apply_regularization(model)
        for name, weight in model.weights.items():
            weight -= self.learning_rate * model.gradients[name]

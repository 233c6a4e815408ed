"""Gradient checking: a model's hand-written gradients against centred finite differences.

    print(report())                                   # both models, small and with O(1) weights
    check_gradients(model, X, y, max_entries=50)      # any model: {parameter: largest error}

Each analytic derivative a is compared with n = (L(w + eps) - L(w - eps)) / 2 eps, by the
relative error |a - n| / max(|a| + |n|, floor): about 1e-7 or below means right, 1e-2 or
above a bug. Any model of the homework's shape works (weights and gradients dicts, forward
filling the gradients in 'train' mode); the loss checked is the model's own, without L2.
Check small models with weights of order one: at the real 0.001-scale initialisation some
true gradients are so tiny that the rounding of L dominates (see the README).
"""
import numpy as np


def relative_error(analytic, numeric, floor=1e-8):
    """Elementwise |a - n| / max(|a| + |n|, floor). Arrays of one shape -> same shape."""
    analytic = np.asarray(analytic, dtype=np.float64)
    numeric = np.asarray(numeric, dtype=np.float64)
    return np.abs(analytic - numeric) / np.maximum(np.abs(analytic) + np.abs(numeric), floor)


def numerical_gradient(model, X, y, name, indices, eps=1e-5):
    """Centred differences of the loss w.r.t. model.weights[name].flat[indices].

    indices: (K,) int positions in the flattened parameter. Returns (K,) float.
    Each entry is nudged by +eps and -eps with forward(mode='valid') (no
    gradients written) and then restored to its exact original value.
    """
    weight = model.weights[name]
    numeric = np.empty(len(indices))
    for k, i in enumerate(indices):
        # An index tuple writes into the array itself, contiguous or not.
        where = np.unravel_index(i, weight.shape)
        original = weight[where]
        weight[where] = original + eps
        loss_plus = model.forward(X, y, mode='valid')[0]
        weight[where] = original - eps
        loss_minus = model.forward(X, y, mode='valid')[0]
        weight[where] = original
        numeric[k] = (loss_plus - loss_minus) / (2.0 * eps)
    return numeric


def check_gradients(model, X, y, eps=1e-5, max_entries=None, seed=0, floor=1e-8):
    """Largest relative error between analytic and numerical gradients, per parameter.

    model: a network with .weights, .gradients and .forward(X, y, mode).
    X: (N, input_size) float, y: (N,) int; a handful of examples is enough.
    eps: the finite-difference step. The default 1e-5 balances the centred
        difference's truncation error (~eps^2) against its rounding error
        (~1e-16 / eps); on the small models it gives errors near 1e-8, where
        1e-6 gives about ten times more.
    max_entries: check every entry of a parameter with at most this many
        entries, else this many entries drawn at random (without replacement,
        from a generator seeded with seed, so the global numpy state is
        untouched); None checks every entry of every parameter.
    floor: the denominator's lower bound in rel(a, n) (see the module docstring).
    Returns {parameter name: max relative error}, in model.weights' order.
    The model's weights are left exactly as they were; its gradients end as
    forward(X, y, mode='train') leaves them.
    """
    if eps <= 0:
        raise ValueError(f'eps must be positive, got {eps!r}; 1e-5 suits float64 losses.')
    if max_entries is not None and max_entries < 1:
        raise ValueError(f'max_entries must be at least 1 (or None for all), got {max_entries!r}.')
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    model.forward(X, y, mode='train')
    analytic = {name: np.array(grad, dtype=np.float64) for name, grad in model.gradients.items()}

    rng = np.random.default_rng(seed)
    errors = {}
    for name, weight in model.weights.items():
        size = weight.size
        if max_entries is None or size <= max_entries:
            indices = np.arange(size)
        else:
            indices = np.sort(rng.choice(size, size=max_entries, replace=False))
        numeric = numerical_gradient(model, X, y, name, indices, eps)
        errors[name] = float(np.max(relative_error(analytic[name].reshape(-1)[indices],
                                                   numeric, floor)))
    model.forward(X, y, mode='train')
    return errors


def small_models(seed=0, input_size=15, hidden_size=8, num_classes=5):
    """The two homework models at a small size, with every weight and bias drawn
    from N(0, 1), so that all gradients are far above the rounding level.

    Returns [SoftmaxRegression, TwoLayerNet]. Uses its own generator; the
    global numpy state is left as the models' constructors leave it.
    """
    from models import SoftmaxRegression, TwoLayerNet

    rng = np.random.default_rng(seed)
    models = [SoftmaxRegression(input_size=input_size, num_classes=num_classes),
              TwoLayerNet(input_size=input_size, num_classes=num_classes,
                          hidden_size=hidden_size)]
    for model in models:
        for name, weight in model.weights.items():
            model.weights[name] = rng.normal(size=weight.shape)
    return models


def check_both_models(seed=0, batch_size=6, eps=1e-5):
    """check_gradients on small_models(seed) with a random batch.

    X: (batch_size, 15) standard normal, y: (batch_size,) labels in [0, 5).
    Returns {model class name: {parameter name: max relative error}}.
    """
    models = small_models(seed)
    rng = np.random.default_rng(seed + 1)
    X = rng.normal(size=(batch_size, models[0].input_size))
    y = rng.integers(0, models[0].num_classes, size=batch_size)
    return {type(model).__name__: check_gradients(model, X, y, eps=eps) for model in models}


def report(seed=0):
    """check_both_models(seed) as a small table, one line per parameter, for printing."""
    lines = [f"{'model':<18} {'parameter':<9} max relative error"]
    for model_name, errors in check_both_models(seed).items():
        for param, error in errors.items():
            verdict = 'ok' if error < 1e-6 else 'CHECK THIS GRADIENT'
            lines.append(f'{model_name:<18} {param:<9} {error:.1e}  {verdict}')
    return '\n'.join(lines)

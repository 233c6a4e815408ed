"""Looking inside the trained models: weights as pictures, where they err, and the softmax
model's dead classes.

    insight.show_softmax_templates(softmax_model, out_dir, X=test_X)
    insight.show_confusion_matrix(best_model, test_X, test_y, out_dir)

First the numbers (predictions, confusion matrix, per-class accuracy, dead classes), each a
small function; then one figure per question, saved as a PNG in the folder named, shown
unless show=False, its path returned. Models are the homework's SoftmaxRegression and
TwoLayerNet; X is (N, 784) float in [0, 1], y is (N,) int.
"""
from pathlib import Path

import numpy as np

from lab.display import show_saved
from models import SoftmaxRegression, TwoLayerNet

SIDE = 28    # MNIST images are 28 x 28 pixels, flattened row by row


# ---------------------------------------------------------------------------
# 1. The numbers
# ---------------------------------------------------------------------------

def softmax_in_and_out(model, X, batch_size=2000):
    """What model.forward hands its softmax, and what it gets back, for each row of X.

    X: (N, D) float -> scores (N, C) (for SoftmaxRegression a = ReLU(X W1),
    for TwoLayerNet z2) and probabilities (N, C). forward is a model's one
    public method, and it takes labels and returns only the loss and the
    accuracy; so this runs the real forward (mode 'valid', placeholder labels)
    and listens to the softmax it calls, instead of writing the forward pass
    a second time. batch_size rows at a time, to bound memory.
    """
    if not isinstance(model, (SoftmaxRegression, TwoLayerNet)):
        raise TypeError(f'expected a SoftmaxRegression or a TwoLayerNet, '
                        f'got {type(model).__name__}.')
    X = np.asarray(X, dtype=np.float64)
    scores, probabilities = [], []

    def listening_softmax(batch_scores):
        p = type(model).softmax(model, batch_scores)
        scores.append(batch_scores)
        probabilities.append(p)
        return p

    model.softmax = listening_softmax     # an instance attribute hides the method ...
    try:
        for start in range(0, len(X), batch_size):
            rows = X[start:start + batch_size]
            model.forward(rows, np.zeros(len(rows), dtype=np.int64), mode='valid')
    finally:
        del model.softmax                 # ... until it is deleted again
    return np.concatenate(scores), np.concatenate(probabilities)


def class_probabilities(model, X, batch_size=2000):
    """The model's softmax output for each row of X: (N, D) -> (N, C), by its own forward."""
    return softmax_in_and_out(model, X, batch_size)[1]


def predict(model, X):
    """The predicted digit of each row: argmax of the probabilities. X: (N, D) -> (N,) int.
    Ties go to the lowest class, as in compute_accuracy."""
    return np.argmax(class_probabilities(model, X), axis=1)


def confusion_matrix(y_true, y_pred, num_classes=10):
    """counts[t, p] = how many examples of true class t were predicted as p.

    y_true, y_pred: (N,) int in [0, num_classes) -> (num_classes, num_classes) int.
    Rows sum to the class sizes, the diagonal holds the correct predictions.
    """
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = np.asarray(y_pred, dtype=np.int64)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(f'y_true and y_pred must be 1-D and equally long; got shapes '
                         f'{y_true.shape} and {y_pred.shape}.')
    for name, labels in (('y_true', y_true), ('y_pred', y_pred)):
        if len(labels) and (labels.min() < 0 or labels.max() >= num_classes):
            raise ValueError(f'{name} holds labels outside [0, {num_classes}): '
                             f'{labels.min()}..{labels.max()}.')
    flat = np.bincount(num_classes * y_true + y_pred, minlength=num_classes ** 2)
    return flat.reshape(num_classes, num_classes)


def per_class_accuracy(matrix):
    """Fraction of each true class predicted right: diag / row sum. (C, C) -> (C,) float;
    nan for a class with no examples."""
    matrix = np.asarray(matrix, dtype=np.float64)
    sizes = matrix.sum(axis=1)
    with np.errstate(invalid='ignore', divide='ignore'):
        return np.where(sizes > 0, np.diag(matrix) / sizes, np.nan)


def dead_classes(model, X):
    """Classes whose ReLU output is 0 on every row of X, for a SoftmaxRegression.

    Such a class has a = ReLU(z) = 0 for every input, so its logit never
    moves the softmax and ReLU'(z) = 0 sends no gradient back to its column
    of W1: gradient descent cannot revive it. Returns a sorted list of ints.
    """
    alive = (softmax_in_and_out(model, X)[0] > 0).any(axis=0)
    return [int(c) for c in np.flatnonzero(~alive)]


def explain_dead_classes(dead, num_classes=10):
    """One sentence naming the dead classes (a list of ints), for the per-class figure.
    Why they die is the notebook's text, said once there."""
    if not dead:
        return (f'No dead class in this run: each of the {num_classes} classes has a positive '
                'ReLU output for some image, so every column of W1 still receives gradient.')
    names = ', '.join(str(c) for c in dead)
    plural = len(dead) > 1
    return (f"Dead in this run: class{'es' if plural else ''} {names} (red). "
            f"{'Their' if plural else 'Its'} ReLU output is 0 for every image, so "
            f"{'their' if plural else 'its'} weights get zero gradient.")


# ---------------------------------------------------------------------------
# 2. The pictures
# ---------------------------------------------------------------------------

def _pyplot():
    # Imported on first use, so importing this module needs no display.
    import matplotlib.pyplot as plt
    return plt


def _finish(fig, out_dir, name, show):
    """Save fig as out_dir/name.png, then show it or close it. Returns the path."""
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f'{name}.png'
    fig.savefig(path, dpi=100, bbox_inches='tight')
    if show:
        show_saved(fig, path)
    else:
        _pyplot().close(fig)
    return path


def _weight_grid(columns, titles, suptitle, rows, cols, colorbar_label, red=()):
    """Columns of a (784, K) weight matrix as K images on one symmetric colour scale
    (red positive, blue negative, white zero), with one colour bar; the titles of the
    columns in `red` in red. At most 5 columns of 1.4 in: in the PDF the figure keeps
    its text readable at the page's width."""
    plt = _pyplot()
    fig, axes = plt.subplots(rows, cols, figsize=(1.4 * cols + 1.0, 1.6 * rows + 0.8),
                             squeeze=False)
    limit = float(np.max(np.abs(columns))) or 1.0
    for k, ax in enumerate(axes.ravel()):
        ax.set_axis_off()
        if k < columns.shape[1]:
            image = ax.imshow(columns[:, k].reshape(SIDE, SIDE), cmap='RdBu_r',
                              vmin=-limit, vmax=limit)
            ax.set_title(titles[k], fontsize=11, color='tab:red' if k in red else 'black')
    fig.suptitle(suptitle, fontsize=12)
    fig.colorbar(image, ax=axes.ravel().tolist(), shrink=0.8, label=colorbar_label)
    return fig


def show_softmax_templates(model, out_dir, name='softmax_templates', show=True, X=None):
    """Softmax regression's W1 as ten 28x28 templates: column c is what class c
    looks for. Red pixels raise the class's logit when inked, blue ones lower it.

    X: (N, 784) images (the per-class figure's): with them, the dead classes on
    X (see dead_classes) are titled 'dead' in red and explained in a note, as
    on the per-class figure: their templates stay near 0, blank.
    """
    W1 = model.weights['W1']
    dead = dead_classes(model, X) if X is not None else []
    titles = [f'digit {c}\ndead' if c in dead else f'digit {c}' for c in range(W1.shape[1])]
    fig = _weight_grid(W1, titles, 'Softmax regression: the weights of each class as an image',
                       2, (W1.shape[1] + 1) // 2, 'weight (> 0: ink raises the logit)', dead)
    if X is not None:
        fig.text(0.01, -0.02, explain_templates(dead, W1.shape[1]), wrap=True, ha='left',
                 va='top', fontsize=10)
    return _finish(fig, out_dir, name, show)


def explain_templates(dead, num_classes=10):
    """explain_dead_classes(dead), and what it means for the templates: a dead class's
    weights stop changing near their small start, so its template looks blank."""
    if not dead:
        return explain_dead_classes(dead, num_classes)
    plural = len(dead) > 1
    return (explain_dead_classes(dead, num_classes) + ' Near 0, '
            f"{'their templates look' if plural else 'its template looks'} blank.")


def strongest_units(model, count):
    """The count hidden units of a TwoLayerNet whose input weights have the largest
    norm (the most developed detectors), in decreasing order. -> (count,) int."""
    norms = np.linalg.norm(model.weights['W1'], axis=0)
    return np.argsort(-norms, kind='stable')[:count]


def show_hidden_units(model, out_dir, count=16, name='hidden_units', show=True):
    """The input weights of count first-layer units of a TwoLayerNet, as 28x28
    images: the strokes each unit responds to. Units with the largest weight
    norms are shown, labelled by their index."""
    units = strongest_units(model, count)
    cols = min(4, len(units))
    fig = _weight_grid(model.weights['W1'][:, units], [f'unit {u}' for u in units],
                       f"Two-layer net: input weights of {len(units)} of its\n"
                       f"{model.weights['W1'].shape[1]} hidden units (largest norms)",
                       -(-len(units) // cols), cols, 'weight into the unit')
    return _finish(fig, out_dir, name, show)


def show_confusion_matrix(model, X, y, out_dir, name='confusion_matrix', title=None, show=True):
    """The model's confusion matrix on (X, y), counts written in the cells.

    Colours are on a log scale, since the diagonal (about 1,000 per digit)
    would otherwise wash out the errors (a few to a few dozen).
    """
    from matplotlib.colors import LogNorm

    plt = _pyplot()
    matrix = confusion_matrix(y, predict(model, X), model.num_classes)
    fig, ax = plt.subplots(figsize=(7.5, 6.5))
    shown = np.ma.masked_equal(matrix, 0)
    image = ax.imshow(shown, cmap='viridis', norm=LogNorm(vmin=1, vmax=max(matrix.max(), 2)))
    for t, p in zip(*np.nonzero(matrix)):
        colour = 'black' if t == p else 'white'
        ax.text(p, t, str(matrix[t, p]), ha='center', va='center', fontsize=10,
                color=colour)
    classes = np.arange(model.num_classes)
    ax.set_xticks(classes)
    ax.set_yticks(classes)
    ax.set_xlabel('predicted digit')
    ax.set_ylabel('true digit')
    accuracy = np.trace(matrix) / matrix.sum()
    ax.set_title(title or f'Confusion matrix of {type(model).__name__}\n'
                          f'accuracy {accuracy:.4f} on {matrix.sum()} images')
    fig.colorbar(image, ax=ax, label='number of images (log scale; empty cells blank)')
    return _finish(fig, out_dir, name, show)


def show_misclassified(model, X, y, out_dir, count=24, name='misclassified', show=True):
    """A gallery of the count misclassified images the model was surest about,
    each titled with its prediction (and that prediction's probability) and
    its true label."""
    plt = _pyplot()
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    prob = class_probabilities(model, X)
    pred = np.argmax(prob, axis=1)
    wrong = np.flatnonzero(pred != y)
    confidence = prob[wrong, pred[wrong]]
    chosen = wrong[np.argsort(-confidence, kind='stable')[:count]]
    cols = 6
    rows = max(1, -(-len(chosen) // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(1.3 * cols, 1.7 * rows + 0.7), squeeze=False)
    for ax in axes.ravel():
        ax.set_axis_off()
    for ax, i in zip(axes.ravel(), chosen):
        ax.imshow(X[i].reshape(SIDE, SIDE), cmap='gray_r', vmin=0, vmax=1)
        ax.set_title(f'pred {pred[i]} ({prob[i, pred[i]]:.2f})\ntrue {y[i]}', fontsize=10)
    fig.suptitle(f'{type(model).__name__}: the {len(chosen)} most confident of its\n'
                 f'{len(wrong)} mistakes on {len(y)} images', fontsize=12)
    return _finish(fig, out_dir, name, show)


def show_per_class_accuracy(model, X, y, out_dir, name='per_class_accuracy', show=True):
    """Bar chart of the accuracy on each digit. For a SoftmaxRegression, dead
    classes (see dead_classes) are drawn in red, labelled, and explained in a
    note under the plot."""
    plt = _pyplot()
    matrix = confusion_matrix(y, predict(model, X), model.num_classes)
    accuracy = per_class_accuracy(matrix)
    dead = dead_classes(model, X) if isinstance(model, SoftmaxRegression) else []
    classes = np.arange(model.num_classes)
    colours = ['tab:red' if c in dead else 'tab:blue' for c in classes]

    fig, ax = plt.subplots(figsize=(8, 4.8))
    ax.bar(classes, accuracy, color=colours)
    for c in classes:
        label = f'dead, {accuracy[c]:.2f}' if c in dead else f'{accuracy[c]:.2f}'
        ax.text(c, min(np.nan_to_num(accuracy[c]), 1.0) + 0.02, label, ha='center', fontsize=10,
                color='tab:red' if c in dead else 'black')
    overall = np.trace(matrix) / matrix.sum()
    ax.axhline(overall, color='gray', linestyle='--')
    ax.set_xticks(classes)
    ax.set_ylim(0, 1.12)
    ax.set_xlabel('true digit')
    ax.set_ylabel('accuracy on that digit')
    ax.set_title(f'Per-class accuracy of {type(model).__name__} ({len(y)} images;\n'
                 f'dashed: overall {overall:.4f})')
    if isinstance(model, SoftmaxRegression):
        fig.text(0.01, -0.02, explain_dead_classes(dead, model.num_classes), wrap=True,
                 ha='left', va='top', fontsize=10)
    return _finish(fig, out_dir, name, show)

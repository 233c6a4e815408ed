"""The stripped surface: the functions whose bodies students write, defined once.

    SURFACE                      # one Part per function: file, name, handout section, task
    strip(source, file)          # the file as the student release has it: each body a TODO
    released(read, names)        # the graded files as the student release has them
    paste(release, solution, file)   # the solution's bodies put back into a release's file
    solution_lines(source, file)     # every line of the bodies strip() takes out

The surface is a list kept here, applied to the syntax tree, rather than comment markers
in the graded files: the files students submit stay exactly as the course's, with nothing
for the import rule, the archive or a reader to step over, and the release tool, the
autograder's points and the mutation benchmark read the same list. A body is everything
after the docstring, so the release keeps each signature and docstring.
"""
import ast
import textwrap
from dataclasses import dataclass


@dataclass(frozen=True)
class Part:
    """One function of the surface. function: 'name' or 'Class.name'; section: the
    handout's; task: what to write, in a sentence or two; placeholder: what the stub
    returns ('' for a function that returns nothing)."""
    file: str
    function: str
    section: str
    task: str
    placeholder: str = ''


SURFACE = (
    Part('utils.py', 'load_mnist_trainval_bytes', '1.1 (a)',
         'Read the whole training set with load_mnist_train_bytes() and split it, '
         'unshuffled: the first 80% (TRAIN_FRACTION) is train, the rest validation.',
         'None, None, None, None'),
    Part('utils.py', 'generate_batched_data', '1.1 (b)',
         'Cut data and labels into consecutive batches of batch_size (the last may be '
         "smaller). With shuffle, seed Python's random (if a seed is given) and reorder "
         'the examples with random.shuffle, keeping each image with its label.',
         'None, None'),
    Part('utils.py', 'plot_curves', '4 (a)',
         'Plot train and validation loss against epoch in one figure, and train and '
         'validation accuracy in another; with run_name, save them as the docstring says.'),
    Part('models/_base_network.py', '_baseNetwork.softmax', '2.1 (b)',
         "Turn each row of scores into probabilities. Subtract the row's maximum first, "
         'so that exp never overflows.', 'None'),
    Part('models/_base_network.py', '_baseNetwork.cross_entropy_loss', '2.1 (b)',
         'Average, over the batch, minus the log of the probability given to the true '
         'label; keep it finite when that probability is 0.', 'None'),
    Part('models/_base_network.py', '_baseNetwork._dloss_dscores', '2.2 (a)',
         'A helper for both backward passes: the gradient of the mean cross-entropy with '
         'respect to the scores that went into softmax.', 'None'),
    Part('models/_base_network.py', '_baseNetwork.compute_accuracy', '2.1 (c)',
         'The fraction of rows whose highest entry sits at the true label.', 'None'),
    Part('models/_base_network.py', '_baseNetwork.sigmoid', '2.1 (a)',
         'The logistic function, elementwise; finite and silent for huge inputs.', 'None'),
    Part('models/_base_network.py', '_baseNetwork.sigmoid_dev', '2.1 (a)',
         'The derivative of the sigmoid at x.', 'None'),
    Part('models/_base_network.py', '_baseNetwork.ReLU', '2.1 (a)',
         'max(x, 0), elementwise, without changing the input.', 'None'),
    Part('models/_base_network.py', '_baseNetwork.ReLU_dev', '2.1 (a)',
         'The derivative of ReLU as floats: 1 where x > 0, else 0.', 'None'),
    Part('models/softmax_regression.py', 'SoftmaxRegression.forward', '2.2 (a)',
         'The forward pass of the module docstring (X W1, ReLU, softmax, loss, accuracy); '
         "in train mode also the backward pass, storing dloss/dW1 in gradients['W1'].",
         'None, None    # loss, accuracy'),
    Part('models/two_layer_nn.py', 'TwoLayerNet.forward', '2.2 (a)',
         'The forward pass of the module docstring (fully connected, sigmoid, fully '
         'connected, softmax, loss, accuracy); in train mode also the backward pass, '
         'storing the gradients of W1, b1, W2 and b2 in self.gradients.',
         'None, None    # loss, accuracy'),
    Part('optimizer/_base_optimizer.py', '_BaseOptimizer.apply_regularization', '3 (a)',
         "Add the L2 penalty's gradient, reg * weight, to the gradient of every weight "
         'matrix in place; leave the biases alone.'),
    Part('optimizer/sgd.py', 'SGD.update', '3 (b)',
         'Apply regularization, then take one step against the gradient: '
         'weight -= learning_rate * gradient, for every parameter, in place.'),
)
FILES = tuple(dict.fromkeys(part.file for part in SURFACE))


def parts_of(file):
    """The parts of SURFACE in file ('utils.py', 'models/two_layer_nn.py', ...)."""
    return [part for part in SURFACE if part.file == file]


def find(tree, function):
    """The FunctionDef of 'name' or 'Class.name' in a parsed module; LookupError if absent."""
    scope = tree
    *classes, name = function.split('.')
    for wanted in [*classes, name]:
        kind = ast.ClassDef if wanted != name else (ast.FunctionDef, ast.AsyncFunctionDef)
        found = [node for node in scope.body if isinstance(node, kind) and node.name == wanted]
        if not found:
            raise LookupError(f'{function} is not defined where the surface expects it')
        scope = found[0]
    return scope


def body_span(node, lines):
    """(first, last): the 1-based lines of node's body after its docstring, with the
    comments just above its first statement when it has no docstring. lines: the source's."""
    first = node.body[0]
    docstring = (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                 and isinstance(first.value.value, str))
    if docstring:
        return first.end_lineno + 1, node.end_lineno
    start = first.lineno
    while start - 1 > node.lineno and lines[start - 2].strip()[:1] in ('#', ''):
        start -= 1
    return start, node.end_lineno


def _spans(source, file):
    """[(first, last, part)] for file's parts, last in the file first (so that replacing
    one leaves the line numbers of those above it as they were)."""
    tree, lines = ast.parse(source), source.splitlines()
    spans = [(*body_span(find(tree, part.function), lines), part) for part in parts_of(file)]
    return sorted(spans, key=lambda span: span[0], reverse=True)


def stub(part, indent):
    """The lines that replace part's body: the task as a TODO comment, and the placeholder."""
    width = 92 - len(indent)
    todo = textwrap.wrap(f'TODO (handout {part.section}): {part.task}', width - 2)
    lines = [f'{indent}# {todo[0]}'] + [f'{indent}#   {line}' for line in todo[1:]]
    lines.append(f'{indent}return {part.placeholder}' if part.placeholder else f'{indent}pass')
    return lines


def strip(source, file):
    """source of file with each surface body replaced by its stub."""
    lines, tree = source.splitlines(), ast.parse(source)
    for first, last, part in _spans(source, file):
        indent = ' ' * find(tree, part.function).body[0].col_offset
        lines[first - 1:last] = stub(part, indent)
    return '\n'.join(lines) + '\n'


def released(read, names):
    """{name: text} of the files names as the student release has them: those of FILES
    stripped, the others as they are. read(name) gives a file's text."""
    return {name: strip(read(name), name) if name in FILES else read(name) for name in names}


def solution_lines(source, file):
    """Every line, as written, of the bodies strip() takes out of source."""
    lines = source.splitlines()
    return [line for first, last, _ in reversed(_spans(source, file))
            for line in lines[first - 1:last]]


def paste(release, solution, file):
    """release (a file of the student release) with each surface body taken from solution."""
    solution_lines_ = solution.splitlines()
    bodies = {part.function: solution_lines_[first - 1:last]
              for first, last, part in _spans(solution, file)}
    lines = release.splitlines()
    for first, last, part in _spans(release, file):
        lines[first - 1:last] = bodies[part.function]
    return '\n'.join(lines) + '\n'

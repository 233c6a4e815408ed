"""Mutation testing of the code students write: would the autograder's tests catch it wrong?

    python -m benchmarks.mutation [--workers 2] [--file utils.py] [--function softmax] [--list]

Each mutant is one small change (mutmut's operators, listed in OPERATORS) to a body of
lab.surface.SURFACE, after its docstring, leaving out our own input checks (a guard that
raises, a handler that raises, calls of _check_batch and _dataset_arrays, OUT_OF_SCOPE).
It is written into a grader's folder (the graded files, data/mnist.npz, the tests) and the
autograder's tests, public and private, run with lab.grade.run_tests, a fresh interpreter per
module, within a time limit (a hang counts as killed). Only the modules that call the mutated
function on the right code run: code before its first call is unchanged, so no other can
tell. Survivors are equivalent (EQUIVALENT: id -> why) or a gap; exit 1 on a gap, or on an
EQUIVALENT entry that names no surviving mutant. Not mutmut: it mutates whole files, marked
out line by line with pragmas that the files students submit must not carry, and runs pytest
in its own process, not the grader's folder; its ids number mutants, so they shift.
"""
import argparse
import ast
import copy
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.machine import describe
from lab import ROOT, grade, surface
from lab.points import PRIVATE_TESTS

GRADED = ('utils.py', 'models', 'optimizer', 'configs')
# Calls that check their input, in the surface's bodies: kept, not mutated.
CHECKERS = ('self._check_batch', '_dataset_arrays')
# Further code of ours inside the surface's bodies: the start of its text as ast.unparse
# writes it on one line (no comments), matching one statement or expression: why it is not
# the student's. Each entry must match exactly once (a stale one fails the run).
OUT_OF_SCOPE = {
    ('utils.py', 'generate_batched_data'): {
        'if isinstance(batch_size, (float, np.floating)) and float(batch_size).is_integer():':
            'accepts 32.0 as 32; the course passes ints',
        'int(seed) if isinstance(seed, np.integer) else seed':
            "lets a NumPy integer seed Python's random on 3.11+; the course passes ints",
    },
    ('utils.py', 'plot_curves'): {
        'if run_name is not None: name = str(run_name)':
            'checks run_name and out_dir before drawing',
        'if title is not None:': 'title= is our addition to the course signature',
    },
}
# Survivors that cannot change what the handout grades: mutant id -> why. plot_curves is
# graded by eye ('full marks as long as your plot makes sense'): what it draws is pinned by
# the private tests (each history a curve, in view, train and validation against the same
# epochs, a legend where curves share axes); how it looks is the student's to choose.
EQUIVALENT = {
    'utils.py::plot_curves line+27 number: 0 -> 1':
        'lengths[1] is lengths[0]: the check above refuses histories of unequal lengths',
    "utils.py::plot_curves line+32 string: 'Loss' -> 'XXLossXX'":
        "the title's and y label's wording only; the handout grades whether the plot makes sense",
    "utils.py::plot_curves line+33 string: 'Accuracy' -> 'XXAccuracyXX'":
        "the title's and y label's wording only; the handout grades whether the plot makes sense",
    'utils.py::plot_curves line+35 argument: plt.subplots(… figsize=(6, 4) …) -> plt.subplots(…)':
        "the figure's size only (matplotlib's default)",
    'utils.py::plot_curves line+35 number: 6 -> 7': "the figure's size only",
    'utils.py::plot_curves line+35 number: 6 -> 5': "the figure's size only",
    'utils.py::plot_curves line+35 number: 4 -> 5': "the figure's size only",
    'utils.py::plot_curves line+35 number: 4 -> 3': "the figure's size only",
    "utils.py::plot_curves line+36 argument: ax.plot(… marker='o' …) -> ax.plot(…)":
        'the train curve without markers: the same line through the same values',
    "utils.py::plot_curves line+37 argument: ax.plot(… marker='s' …) -> ax.plot(…)":
        'the validation curve without markers: the same line through the same values',
    "utils.py::plot_curves line+38 delete: ax.set_title(f'{label} per epoch{title}') -> pass":
        'no title: the legend and the y label still name what is drawn',
    "utils.py::plot_curves line+39 delete: ax.set_xlabel('epoch') -> pass":
        'no x label: the x values are still the epochs 1..n',
    "utils.py::plot_curves line+39 string: 'epoch' -> 'XXepochXX'": "the x label's wording only",
    'utils.py::plot_curves line+40 delete: ax.set_ylabel(label.lower()) -> pass':
        'no y label: the title and the legend still name the quantity',
    "utils.py::plot_curves line+41 delete: ax.locator_params(axis='x', integer=True) -> pass":
        'where the x ticks fall only (whole epochs or not)',
    "utils.py::plot_curves line+41 argument: ax.locator_params(… axis='x' …) -> "
    'ax.locator_params(…)':
        'where the ticks fall only, on both axes',
    'utils.py::plot_curves line+41 argument: ax.locator_params(… integer=True …) -> '
    'ax.locator_params(…)':
        'where the x ticks fall only (whole epochs or not)',
    'utils.py::plot_curves line+41 bool: True -> False':
        'where the x ticks fall only (whole epochs or not)',
    "utils.py::plot_curves line+42 string: 'accuracy' -> 'XXaccuracyXX'":
        'the accuracy axis autoscaled instead of 0-1: every curve stays in view (a '
        'private test pins that)',
    'utils.py::plot_curves line+43 delete: ax.set_ylim(0, 1) -> pass':
        'the accuracy axis autoscaled instead of 0-1: every curve stays in view (a '
        'private test pins that)',
    'utils.py::plot_curves line+43 argument: ax.set_ylim(… 1 …) -> ax.set_ylim(…)':
        'the accuracy axis from 0 with its top autoscaled: every curve stays in view',
    'utils.py::plot_curves line+43 number: 1 -> 2':
        'the accuracy axis 0-2 instead of 0-1: every curve stays in view',
    'utils.py::plot_curves line+45 delete: ax.grid(alpha=0.3) -> pass': 'no grid lines: cosmetic',
    'utils.py::plot_curves line+45 argument: ax.grid(… alpha=0.3 …) -> ax.grid(…)':
        'darker grid lines: cosmetic',
    'utils.py::plot_curves line+46 delete: fig.tight_layout() -> pass':
        'the margins around the axes only',
    'utils.py::plot_curves line+48 argument: fig.savefig(… dpi=100 …) -> fig.savefig(…)':
        "the saved image's resolution only",
    'utils.py::plot_curves line+48 number: 100 -> 101': "the saved image's resolution only",
    'utils.py::plot_curves line+48 number: 100 -> 99': "the saved image's resolution only",
    'utils.py::plot_curves line+50 argument: plt.close(… fig …) -> plt.close(…)':
        'plt.close() closes the current figure, which is fig, just drawn',
    'utils.py::plot_curves line+51 unary: not save_only -> save_only':
        "shown under save_only, left open otherwise (a notebook shows it at the cell's "
        'end): both ways the curves appear and are saved',
    'utils.py::plot_curves line+52 delete: plt.show() -> pass':
        "left open instead of shown: a notebook shows open figures at the cell's end, as "
        "the handout's plots need",
}

# ---------------------------------------------------------------------------
# Mutants
# ---------------------------------------------------------------------------

BINOPS = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
          ast.FloorDiv: ast.Div, ast.Mod: ast.Div, ast.Pow: ast.Mult, ast.LShift: ast.RShift,
          ast.RShift: ast.LShift, ast.BitAnd: ast.BitOr, ast.BitOr: ast.BitAnd,
          ast.BitXor: ast.BitAnd, ast.MatMult: ast.Mult}
COMPARISONS = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt,
               ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
               ast.In: ast.NotIn, ast.NotIn: ast.In}
OPERATORS = {
    'binop': 'an arithmetic or bitwise operator swapped (+ -, * /, // /, ** *, @ *, & |, ...)',
    'augassign': 'x += y as x -= y or x = y (and the other ways round)',
    'compare': 'a comparison swapped (< <=, > >=, == !=, is / is not, in / not in)',
    'boolop': 'and / or swapped',
    'unary': 'a unary operator removed (-x, not x, ~x)',
    'number': 'an int n as n + 1 and n - 1 (axis=1 as axis=0), a float x as x + 1',
    'bool': 'True / False swapped',
    'string': "a string s as 'XX' + s + 'XX' (docstrings and f-strings are left alone)",
    'argument': 'one argument or keyword of a call removed',
    'subscript': 'a slice bound b as b + 1, a bound dropped, a pair of indices swapped',
    'return': 'return x as return None',
    'delete': 'a simple statement replaced by pass',
}


@dataclass(frozen=True)
class Mutant:
    """One change to one function. offset: its line counted from the def line (so that an
    edit elsewhere in the file keeps the id); line: in the file; source: the mutated file."""
    file: str
    function: str
    offset: int
    line: int
    operator: str
    original: str
    mutated: str
    source: str = field(repr=False, compare=False)
    occurrence: int = 1

    @property
    def id(self):
        """'file::function line+N operator: original -> mutated' (' #2' for a repeat)."""
        repeat = f' #{self.occurrence}' if self.occurrence > 1 else ''
        return (f'{self.file}::{self.function} line+{self.offset} {self.operator}: '
                f'{self.original} -> {self.mutated}{repeat}')


def compact(text, width=70):
    """text on one line, white space collapsed, cut to width with an ellipsis."""
    text = ' '.join(text.split())
    return text if len(text) <= width else text[:width - 1] + '\u2026'


def _offsets(lines, node):
    """(start, end) character offsets of node in the joined text of lines (ast's columns
    count UTF-8 bytes)."""
    def at(line, col):
        before = sum(len(text) for text in lines[:line - 1])
        return before + len(lines[line - 1].encode()[:col].decode())
    return at(node.lineno, node.col_offset), at(node.end_lineno, node.end_col_offset)


def _replace(source, node, text):
    """source with node's span replaced by text."""
    lines = source.splitlines(keepends=True)
    start, end = _offsets(lines, node)
    joined = ''.join(lines)
    return joined[:start] + text + joined[end:]


def _segment(source, node):
    lines = source.splitlines(keepends=True)
    start, end = _offsets(lines, node)
    return ''.join(lines)[start:end]


def _expression_changes(node):
    """Yield (operator, replacement node) for one expression node; for a removed argument
    (operator, call without it, the argument)."""
    if isinstance(node, ast.BinOp) and type(node.op) in BINOPS:
        yield 'binop', ast.BinOp(node.left, BINOPS[type(node.op)](), node.right)
    elif isinstance(node, ast.Compare):
        for k, op in enumerate(node.ops):
            if type(op) in COMPARISONS:
                ops = list(node.ops)
                ops[k] = COMPARISONS[type(op)]()
                yield 'compare', ast.Compare(node.left, ops, node.comparators)
    elif isinstance(node, ast.BoolOp):
        yield 'boolop', ast.BoolOp(ast.Or() if isinstance(node.op, ast.And) else ast.And(),
                                   node.values)
    elif isinstance(node, ast.UnaryOp):
        yield 'unary', node.operand
    elif isinstance(node, ast.Constant):
        yield from _constant_changes(node.value)
    elif isinstance(node, ast.Call):
        for k in range(len(node.args)):
            if not isinstance(node.args[k], ast.Starred):
                yield 'argument', ast.Call(node.func, node.args[:k] + node.args[k + 1:],
                                           node.keywords), node.args[k]
        for k, keyword in enumerate(node.keywords):
            if keyword.arg is not None:
                yield 'argument', ast.Call(node.func, node.args, node.keywords[:k]
                                           + node.keywords[k + 1:]), keyword
    elif isinstance(node, ast.Subscript):
        yield from _subscript_changes(node)


def _constant_changes(value):
    """Yield (operator, Constant) for one constant's mutants."""
    if isinstance(value, bool):
        yield 'bool', ast.Constant(not value)
    elif isinstance(value, int):
        yield 'number', ast.Constant(value + 1)
        if value >= 1:
            yield 'number', ast.Constant(value - 1)
    elif isinstance(value, float):
        yield 'number', ast.Constant(value + 1.0)
    elif isinstance(value, str):
        yield 'string', ast.Constant(f'XX{value}XX')


def _plus_one(node):
    return ast.BinOp(node, ast.Add(), ast.Constant(1))


def _subscript_changes(node):
    """Yield (operator, Subscript) for a slice's bounds and a pair of indices."""
    index = node.slice
    if isinstance(index, ast.Slice) and index.step is None:
        for bound in ('lower', 'upper'):
            if getattr(index, bound) is not None:
                for value in (_plus_one(getattr(index, bound)), None):
                    changed = copy.copy(index)
                    setattr(changed, bound, value)
                    yield 'subscript', ast.Subscript(node.value, changed, node.ctx)
    elif isinstance(index, ast.Tuple) and len(index.elts) == 2:
        swapped = ast.Tuple(index.elts[::-1], ast.Load())
        yield 'subscript', ast.Subscript(node.value, swapped, node.ctx)


def _statement_changes(statement):
    """Yield (operator, replacement text) for one statement as a whole."""
    if isinstance(statement, ast.Return) and not (
            statement.value is None or (isinstance(statement.value, ast.Constant)
                                        and statement.value.value is None)):
        yield 'return', 'return None'
    if isinstance(statement, ast.AugAssign):
        ops = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult}
        if type(statement.op) in ops:
            yield 'augassign', ast.unparse(
                ast.AugAssign(statement.target, ops[type(statement.op)](), statement.value))
        yield 'augassign', ast.unparse(
            ast.Assign([statement.target], statement.value, lineno=statement.lineno))
    if isinstance(statement, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr, ast.Return)):
        yield 'delete', 'pass'


def _calls_a_checker(statement):
    value = getattr(statement, 'value', None)
    return isinstance(value, ast.Call) and ast.unparse(value.func) in CHECKERS


def _raises(block):
    return bool(block) and isinstance(block[-1], ast.Raise)


class _Scope:
    """Which statements and expressions of a function's body are the student's."""

    def __init__(self, source, out_of_scope):
        self.source = source
        self.out_of_scope = out_of_scope      # {start of the one-line text: why}
        self.matched = {start: 0 for start in out_of_scope}

    def excluded(self, node):
        if self.out_of_scope and not isinstance(node, ast.ExceptHandler):
            text = ' '.join(ast.unparse(node).split())
            starts = [start for start in self.out_of_scope if text.startswith(start)]
            for start in starts:
                self.matched[start] += 1
            if starts:
                return True
        if isinstance(node, ast.If) and _raises(node.body):
            return True          # a guard: the check and the error it raises
        if isinstance(node, ast.ExceptHandler) and _raises(node.body):
            return True
        return isinstance(node, ast.stmt) and _calls_a_checker(node)


def _changes(scope, body):
    """Yield (node, operator, replacement) for every mutant of the statements in body:
    replacement is a node (an expression) or text (a whole statement)."""
    for statement in body:
        if scope.excluded(statement):
            continue
        for operator, text in _statement_changes(statement):
            yield statement, operator, text
        yield from _node_changes(scope, statement)


def _node_changes(scope, node):
    """Yield the mutants inside node: its expressions, and its nested statements."""
    for _, value in ast.iter_fields(node):
        children = value if isinstance(value, list) else [value]
        if children and all(isinstance(child, ast.stmt) for child in children):
            yield from _changes(scope, children)
            continue
        for child in children:
            if not isinstance(child, ast.AST) or isinstance(child, ast.JoinedStr):
                continue       # f-strings: wording only, and their inner positions vary
            if isinstance(child, (ast.expr, ast.ExceptHandler)) and scope.excluded(child):
                continue
            if isinstance(child, ast.expr):
                for operator, *replacement in _expression_changes(child):
                    yield child, operator, tuple(replacement)
            yield from _node_changes(scope, child)


def mutants(source, file, functions, out_of_scope=None):
    """Every mutant of the named functions ('name' or 'Class.name') of one file's source, in
    source order, each mutated source distinct; out_of_scope: {(file, function): {text: why}}.
    Raises LookupError for an OUT_OF_SCOPE entry that matches nothing."""
    out_of_scope = OUT_OF_SCOPE if out_of_scope is None else out_of_scope
    tree = ast.parse(source)
    found, seen_sources, seen_ids = [], {source}, {}
    for function in functions:
        node = surface.find(tree, function)
        start, _ = surface.body_span(node, source.splitlines())
        body = [statement for statement in node.body if statement.lineno >= start]
        scope = _Scope(source, out_of_scope.get((file, function), {}))
        for target, operator, replacement in _changes(scope, body):
            mutant = _mutant(source, file, function, node, target, operator, replacement)
            if mutant.source in seen_sources:
                continue
            seen_sources.add(mutant.source)
            key = mutant.id
            seen_ids[key] = seen_ids.get(key, 0) + 1
            if seen_ids[key] > 1:
                mutant = Mutant(**{**mutant.__dict__, 'occurrence': seen_ids[key]})
            found.append(mutant)
        wrong = {start: count for start, count in scope.matched.items() if count != 1}
        if wrong:
            raise LookupError(f'OUT_OF_SCOPE for {file}::{function} must each match one '
                              f'statement or expression; matched (times): {wrong}')
    return found


def _mutant(source, file, function, node, target, operator, replacement):
    """The Mutant that puts replacement (a node, or a statement's text) in place of target."""
    original = _segment(source, target)
    if isinstance(replacement, str):
        shown, mutated = original.splitlines()[0], replacement
        text = replacement
    else:
        new, *removed = replacement
        text = f'({ast.unparse(new)})'    # parentheses keep the precedence around it
        shown, mutated = original, ast.unparse(new)
        if removed:                        # shown as the call's name and that argument
            callee = ast.unparse(new.func)
            shown = f'{callee}(\u2026 {ast.unparse(removed[0])} \u2026)'
            mutated = f'{callee}(\u2026)'
    changed = _replace(source, target, text)
    return Mutant(file, function, target.lineno - node.lineno, target.lineno, operator,
                  compact(shown), compact(mutated), changed)


def surface_mutants(root=ROOT, files=None, functions=None):
    """Every mutant of the stripped surface in the files under root (optionally only these
    files, and functions whose name ends with one of functions)."""
    found = []
    for file in surface.FILES:
        if files and file not in files:
            continue
        names = [part.function for part in surface.parts_of(file)
                 if not functions or any(part.function.split('.')[-1] == name
                                         for name in functions)]
        if names:
            found += mutants((Path(root) / file).read_text(encoding='utf-8'), file, names)
    return found


# ---------------------------------------------------------------------------
# Running the tests
# ---------------------------------------------------------------------------

def autograder_modules():
    """The autograder's test modules: the course's and the private ones."""
    return [*grade.COURSE_TESTS, *PRIVATE_TESTS]


def make_folder(folder, root=ROOT):
    """A grader's folder at folder: the graded files and data/mnist.npz of root, and the
    autograder's tests (the project's, lab.grade.add_tests)."""
    folder = Path(folder)
    folder.mkdir(parents=True)
    for name in GRADED:
        source = Path(root) / name
        if source.is_dir():
            shutil.copytree(source, folder / name, ignore=shutil.ignore_patterns('__pycache__'))
        else:
            shutil.copyfile(source, folder / name)
    (folder / 'data').mkdir()
    (folder / 'data' / 'mnist.npz').symlink_to(Path(root) / 'data' / 'mnist.npz')
    grade.add_tests(folder, autograder_modules())
    return folder


# Run on the right code, each test module records which functions of the graded files it
# calls; sys.setprofile also sees the calls a C function such as map() makes.
_PROFILED = """
import json, runpy, sys, threading
calls = set()
def record(frame, event, arg):
    if event == 'call':
        calls.add((frame.f_code.co_filename, frame.f_code.co_name, frame.f_code.co_firstlineno))
sys.setprofile(record)
threading.setprofile(record)
sys.argv = [sys.argv[1]] + sys.argv[2:]
try:
    runpy.run_path(sys.argv[0], run_name='__main__')
finally:
    sys.setprofile(None)
    with open(sys.argv[1] + '.calls', 'w') as out:
        json.dump(sorted(calls), out)
"""


@dataclass
class Baseline:
    """The tests on the right code: per module, its seconds and the surface functions it
    calls ((file, function) pairs); problems: what failed (must be none)."""
    seconds: dict
    reaches: dict
    problems: list


def baseline(folder, modules, python=sys.executable, parts=None):
    """Run each module on the right code in folder, recording which of parts ((file,
    function) pairs; default: the surface's) it calls. A module that starts processes, or
    whose record is missing, is taken to reach them all."""
    parts = [(part.file, part.function) for part in surface.SURFACE] if parts is None else parts
    seconds, reaches, problems, where = {}, {}, [], {}
    for file, function in parts:
        node = surface.find(ast.parse((Path(folder) / file).read_text(encoding='utf-8')),
                            function)
        first = min([node.lineno] + [decorator.lineno for decorator in node.decorator_list])
        key = (str((Path(folder) / file).resolve()), node.name)
        where.setdefault(key, []).append((first, node.lineno, (file, function)))
    for module in modules:
        results = Path(folder).parent / f'{module}.baseline.jsonl'
        started = time.perf_counter()
        try:
            process = subprocess.run(
                [python, '-I', '-c', _PROFILED, str(grade.RUNNER), str(results), module],
                cwd=folder, env=grade.test_env(), capture_output=True, text=True,
                timeout=grade.MODULE_SECONDS)
        except subprocess.TimeoutExpired:
            problems.append(f'{module} does not finish within {grade.MODULE_SECONDS} s on the '
                            'right code')
            reaches[module] = set(parts)
            continue
        seconds[module] = time.perf_counter() - started
        records = grade.read_records(results)
        failed = [r['test'] for r in records if r['outcome'] not in ('pass', 'skip')]
        if process.returncode or failed or not records:
            problems.append(f'{module} fails on the right code: {failed or process.stderr[-800:]}')
        calls = Path(str(results) + '.calls')
        source = (Path(folder) / grade.module_file(module)).read_text()
        if 'subprocess' in source or not calls.is_file():
            reaches[module] = set(parts)
            continue
        reaches[module] = {part for filename, name, line in json.loads(calls.read_text())
                           for first, last, part in where.get(
                               (str(Path(folder, filename).resolve()), name), [])
                           if first <= line <= last}
    return Baseline(seconds, reaches, problems)


@dataclass
class Outcome:
    """What the tests did to one mutant: killed by (module, test), or by a hang, or not."""
    mutant: Mutant
    killed_by: str = ''          # 'module.Class.test', or '' if it survived
    why: str = ''                # the last line of its traceback
    hung: bool = False
    modules_run: int = 0
    seconds: float = 0.0


def _error_line(detail):
    """The exception's line of a traceback ('AssertionError: 3 != 2'), else its last line."""
    lines = detail.strip().splitlines() or ['']
    starts = [k for k, line in enumerate(lines) if line.startswith('Traceback')]
    after = [line for line in lines[starts[-1] + 1 if starts else 0:] if line[:1] not in ' \t']
    return (after or lines)[0 if after else -1]


def _clear_records(folder):
    """Remove what lab.grade.run_tests left beside folder (it appends to a module's records,
    as it runs each module once in a fresh folder)."""
    for path in Path(folder).parent.iterdir():
        if path != Path(folder):
            path.unlink()


def run_mutant(mutant, folder, modules, module_seconds, python=sys.executable):
    """Write mutant into folder, run modules (in order, stopping at the first that kills
    it) with lab.grade.run_tests, put the right file back; return an Outcome."""
    path = Path(folder) / mutant.file
    right = path.read_text(encoding='utf-8')
    outcome = Outcome(mutant)
    started = time.perf_counter()
    try:
        path.write_text(mutant.source, encoding='utf-8')
        for module in modules:
            _clear_records(folder)
            tests, problems = grade.run_tests(folder, python, module_seconds=module_seconds,
                                              grade_seconds=module_seconds + 5,
                                              modules=(module,))
            outcome.modules_run += 1
            hung = [t['test'] for t in tests if t['test'].endswith('.(did not finish)')]
            bad = [t for t in tests if t['outcome'] in ('FAIL', 'ERROR')]
            if hung or bad or problems:
                outcome.hung = bool(hung)
                outcome.killed_by = bad[0]['test'] if bad else module
                outcome.why = compact(_error_line(bad[0]['detail']) if bad else problems[0][1],
                                      100)
                break
    finally:
        path.write_text(right, encoding='utf-8')
    outcome.seconds = time.perf_counter() - started
    return outcome


def run_all(found, workers=2, root=ROOT, python=sys.executable, progress=None):
    """Run every mutant in found on `workers` grader's folders; return (Baseline, outcomes)."""
    with tempfile.TemporaryDirectory(prefix='hw1-mutation-') as scratch:
        modules = autograder_modules()
        folders = [make_folder(Path(scratch) / f'worker{k}' / 'submission', root)
                   for k in range(workers)]
        base = baseline(folders[0], modules, python)
        if base.problems:
            return base, []
        free, lock = list(folders), threading.Lock()

        def one(mutant):
            with lock:
                folder = free.pop()
            try:
                reach = [m for m in sorted(modules, key=base.seconds.get)
                         if (mutant.file, mutant.function) in base.reaches[m]]
                limit = max(10.0, 5 * max([base.seconds[m] for m in reach] or [0]))
                outcome = run_mutant(mutant, folder, reach, limit, python)
            finally:
                with lock:
                    free.append(folder)
            if progress:
                progress(outcome)
            return outcome

        with ThreadPoolExecutor(workers) as pool:
            outcomes = list(pool.map(one, found))
    return base, outcomes


# ---------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------

def stale_entries(equivalent, outcomes):
    """EQUIVALENT entries (among the files and functions run) that name no surviving mutant:
    {id: 'no such mutant' or 'killed by ...'}."""
    by_id = {outcome.mutant.id: outcome for outcome in outcomes}
    run = {(o.mutant.file, o.mutant.function) for o in outcomes}
    stale = {}
    for mutant_id in equivalent:
        outcome = by_id.get(mutant_id)
        if outcome is None:
            place = tuple(mutant_id.split(' ', 1)[0].split('::', 1))
            if place in run:
                stale[mutant_id] = 'no such mutant (the code changed: update the entry)'
        elif outcome.killed_by:
            stale[mutant_id] = f'killed by {outcome.killed_by}: remove the entry'
    return stale


def report(outcomes, seconds, workers, equivalent=None):
    """(text, exit code): per-file table, the survivors, stale entries, the machine."""
    equivalent = EQUIVALENT if equivalent is None else equivalent
    lines = ['Mutation testing of the stripped surface (lab.surface.SURFACE) with the '
             "autograder's tests", f'Machine: {describe()}', '',
             f"{'file':<30}{'mutants':>8}{'killed':>7}{'survived':>9}{'equivalent':>11}"
             f"{'killed %':>9}{'of non-eq.':>12}"]
    for file in [*surface.FILES, None]:
        mine = [o for o in outcomes if file is None or o.mutant.file == file]
        if not mine:
            continue
        killed = sum(bool(o.killed_by) for o in mine)
        same = sum(not o.killed_by and o.mutant.id in equivalent for o in mine)
        rest = len(mine) - same
        lines.append(f"{file or 'all':<30}{len(mine):>8}{killed:>7}{len(mine) - killed:>9}"
                     f'{same:>11}{100 * killed / len(mine):>8.1f}%'
                     f"{f'{100 * killed / rest:.1f}%' if rest else '-':>12}")
    lines.append('killed %: of all mutants; of non-eq.: of those not listed in EQUIVALENT')
    hung = [o for o in outcomes if o.hung]
    survivors = [o.mutant for o in outcomes if not o.killed_by]
    listed = [m for m in survivors if m.id in equivalent]
    gaps = [m for m in survivors if m.id not in equivalent]
    stale = stale_entries(equivalent, outcomes)
    lines += ['', f'Killed by a hang (the time limit ended the tests): {len(hung)}']
    lines += [f'  {o.mutant.id}' for o in hung]
    lines += ['', f'Survivors listed as equivalent: {len(listed)}']
    lines += [f'  {m.id}\n      {equivalent[m.id]}' for m in listed]
    lines += ['', f'Survivors NOT equivalent (tests must kill them): {len(gaps)}']
    lines += [f'  {m.id}  (line {m.line})' for m in gaps]
    if stale:
        lines += ['', f'Stale EQUIVALENT entries: {len(stale)}']
        lines += [f'  {mutant_id}\n      {why}' for mutant_id, why in stale.items()]
    lines += ['', f'{len(outcomes)} mutants in {seconds:.0f} s with {workers} workers',
              'PASS' if not gaps and not stale else 'FAIL']
    return '\n'.join(lines), 0 if not gaps and not stale else 1


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--workers', type=int, default=2, help='grader folders run at once')
    parser.add_argument('--file', action='append', help='only this graded file (repeatable)')
    parser.add_argument('--function', action='append',
                        help='only functions of this name, e.g. softmax (repeatable)')
    parser.add_argument('--list', action='store_true', help='list the mutants, run nothing')
    args = parser.parse_args(argv)
    started = time.perf_counter()
    found = surface_mutants(files=args.file, functions=args.function)
    if args.list:
        print('\n'.join(m.id for m in found) + f'\n{len(found)} mutants')
        return 0
    print(f'{len(found)} mutants; running the tests on the right code first', flush=True)

    def progress(outcome):
        mark = ('hung' if outcome.hung else 'killed') if outcome.killed_by else 'SURVIVED'
        by = f'\n      by {outcome.killed_by}: {outcome.why}' if outcome.killed_by else ''
        print(f'  {mark:<8} {outcome.seconds:5.1f} s  {outcome.mutant.id}{by}', flush=True)

    base, outcomes = run_all(found, args.workers, progress=progress)
    if base.problems:
        print('The tests fail on the right code; fix that first:', *base.problems, sep='\n')
        return 1
    text, code = report(outcomes, time.perf_counter() - started, args.workers)
    print(text)
    return code


if __name__ == '__main__':
    sys.exit(main())

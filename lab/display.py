"""Showing things in the notebook: a training run's progress, and figures already saved.

    progress = Progress('softmax', epochs=10)   # train_model's callback
    progress(result.epoch_stats(0)); progress.finish('test acc 0.9212')
    show_saved(fig, path)                         # a figure saved as PNG: shown from the file

In a Jupyter/Colab kernel (in_kernel()) the bar updates in place through a display
handle, so a saved notebook, and its PDF, keep only its final state; a terminal gets
one line rewritten with a carriage return. A saved PNG is shown as it is rather than
drawn again by the inline backend. Everything is plain ASCII for the LaTeX PDF.
"""
import html
import sys
import time
from pathlib import Path

BAR_WIDTH = 20


def in_kernel():
    """True inside a Jupyter/Colab kernel, where inline images and display
    handles work (not in a terminal IPython shell)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, 'kernel', None) is not None


def show_png(path):
    """Display a PNG file inline."""
    from IPython.display import Image, display
    display(Image(filename=str(Path(path))))


def show_saved(fig, path):
    """Show fig, already saved to the PNG file path, and close it (outside a kernel: in a
    window, as plt.show() does)."""
    import matplotlib.pyplot as plt
    if not in_kernel():
        plt.show()
        return
    plt.close(fig)
    show_png(path)


def relative(path):
    """A path as shown to the student: relative to the current folder when inside it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def bar(done, total, width=BAR_WIDTH):
    """'[######--------------]' for done out of total."""
    filled = round(width * done / total) if total else width
    return '[' + '#' * filled + '-' * (width - filled) + ']'


def epoch_line(stats):
    """One finished epoch as a line: its number out of all, train and validation figures."""
    return (f"epoch {stats['epoch'] + 1:>2}/{stats['epochs']}: "
            f"train loss {stats['train_loss']:.4f} acc {stats['train_acc']:.4f} | "
            f"val loss {stats['valid_loss']:.4f} acc {stats['valid_acc']:.4f}")


class Progress:
    """Progress of one training run of `epochs` epochs, named `name`.

    Call it with each epoch's record (RunResult.epoch_stats; it is train_model's callback),
    optionally with 'seconds', the run's own time so far, which a run trained in a worker
    reports (the display may start long after the run did). Then call
    `finish(...)` once with the outcome. `stream` forces the terminal form,
    writing to that text stream; by default a kernel gets display handles and
    anything else sys.stdout.
    """

    def __init__(self, name, epochs, stream=None):
        self.name, self.epochs = name, epochs
        self.done = 0
        self.lines = []
        self.started = time.perf_counter()
        self.seconds = None     # the run's own time, once it reports it
        self.stream = stream
        self.handle = None
        self._last = ''
        if stream is None and in_kernel():
            from IPython.display import display
            self.handle = display(self._bundle(self.status('starting')), raw=True,
                                  display_id=True)
        else:
            self.stream = stream or sys.stdout
            self._write_bar(self.status('starting'))

    # -- what is shown -------------------------------------------------------

    def status(self, note):
        """The bar line: name, bar, epochs done, the run's time and a note.

        The time is what the run reported (stats['seconds'], finish(seconds=...)), else the
        time since this display began, which is the run's when it trains alongside.
        """
        elapsed = time.perf_counter() - self.started if self.seconds is None else self.seconds
        return (f'{self.name} {bar(self.done, self.epochs)} {self.done}/{self.epochs} epochs '
                f'{elapsed:.0f}s | {note}')

    def _bundle(self, text):
        """The bar as plain text (kept in the saved notebook and the PDF) and
        as HTML with a real progress element (what a live notebook shows)."""
        bar_element = f'<progress value="{self.done}" max="{self.epochs}" style="width:18em">'
        markup = f'{bar_element}</progress> <code>{html.escape(text)}</code>'
        return {'text/plain': text, 'text/html': markup}

    # -- updates -------------------------------------------------------------

    def __call__(self, stats):
        """Record one finished epoch: update the bar, print its summary line."""
        self.done = stats['epoch'] + 1
        self.epochs = stats['epochs']
        if stats.get('seconds') is not None:
            self.seconds = stats['seconds']
        line = epoch_line(stats)
        self.lines.append(line)
        self._show(self.status(f"val acc {stats['valid_acc']:.4f}"), line)

    def finish(self, note, seconds=None):
        """Put the bar in its final state with a closing note (e.g. the test accuracy);
        seconds: the run's whole time, as its RunResult records it, if known."""
        if seconds is not None:
            self.seconds = seconds
        self._show(self.status(note), None, final=True)

    def _show(self, text, line, final=False):
        if self.handle is not None:
            self.handle.update(self._bundle(text), raw=True)
            if line is not None:
                print(line, flush=True)
            return
        if line is not None:
            # Overwrite the bar with the line, then draw the bar again below it.
            self.stream.write('\r' + line.ljust(len(self._last)) + '\n')
        self._write_bar(text)
        if final:
            self.stream.write('\n')
        self.stream.flush()

    def _write_bar(self, text):
        padding = max(0, len(self._last) - len(text))
        self.stream.write('\r' + text + ' ' * padding)
        self._last = text

"""A text progress display for a training run, fed once per epoch.

`Progress` is the `callback` of lab.runs.train_model: after each epoch it gets a
dict with epoch, epochs, train_loss, train_acc, valid_loss, valid_acc, and
optionally seconds (the run's own training time so far, which a run trained in
a worker process reports: the display may start long after the run did). It
shows two things:

  * a progress bar, updated in place: in a Jupyter kernel through a display
    handle (so a saved notebook, and the PDF made from it, holds only the
    bar's final state: no widget, no line per refresh); in a terminal by
    rewriting one line with a carriage return;
  * one summary line per finished epoch.

Everything is plain ASCII so that the LaTeX route to PDF renders it as is.
"""
import html
import sys
import time

from lab.figures import in_kernel

BAR_WIDTH = 20


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

    Call it with each epoch's stats dict (it is train_model's callback), then
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

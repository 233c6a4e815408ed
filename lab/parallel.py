"""Training runs in background worker processes, and the notebook's runs started there.

    start(runs, workers)     # runs: [(checked config, seed, name, folder)], in the cells' order
    result = take(config, seed, name, folder, progress)   # a cell's run, or None: train it here
    stop()                   # Ctrl-C: queued runs cancelled, running ones stop after their epoch

RunPool trains in spawned workers, one BLAS thread each; a run's result is bit for
bit what training it alone gives. take() hands a cell the run started for it, with
its progress live, only if config, seed, name and folder match what was started; a
started run of that name and folder that no longer matches is stopped, and the cell
trains anew. Finished runs outlive stop() for their cells.
"""
import concurrent.futures as futures
import json
import multiprocessing
import os
import signal
import threading
import time
from pathlib import Path

from lab.config import TRAIN_SIZE

MAX_RUNS = 256      # runs one pool can take: the size of the shared stop flags
# The most workers a process pool takes on Windows: ProcessPoolExecutor refuses more than 61
# there (it waits on its workers with WaitForMultipleObjects, which takes 64 handles, 3 of
# them the pool's own).
WINDOWS_MAX_WORKERS = 61
BLAS_THREADS = ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS')

# In a worker: the pool's progress queue and stop flags, set by _start_worker.
_messages = _stopped = None


class RunStopped(Exception):
    """A worker's run was stopped: the notebook was interrupted, or its cell wants it no more."""


class WorkersLost(RuntimeError):
    """A worker process died (e.g. the machine ran out of memory): the pool is unusable."""


def _start_worker(messages, stopped):
    global _messages, _stopped
    _messages, _stopped = messages, stopped
    # A kernel interrupt may reach the whole process group: stopping is the pool's call.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _train(index, key, config, seed, run_name, runs_dir):
    """Run number `index` in a worker: lab.runs.train_model, reporting each epoch's
    figures and the run's time so far (seconds), which the cell showing it cannot know."""
    from lab.runs import train_model

    if _stopped[index]:      # stopped while queued, and picked up just after
        raise RunStopped('not started: it was stopped while queued')
    started = time.perf_counter()

    def report(stats):
        _messages.put((key, dict(stats, seconds=time.perf_counter() - started)))
        if _stopped[index]:
            raise RunStopped('stopped: the notebook was interrupted, or its cell trained anew')

    return train_model(config, seed=seed, run_name=run_name, runs_dir=runs_dir, callback=report)


def available_cores():
    """The cores this process may run on (fewer than os.cpu_count() in a limited container)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:      # macOS, Windows
        return os.cpu_count() or 1


def pool_limit():
    """The most workers a process pool takes on this operating system (None: no limit)."""
    return WINDOWS_MAX_WORKERS if os.name == 'nt' else None


def max_workers():
    """The most workers worth starting: the cores available, within pool_limit()."""
    limit = pool_limit()
    return available_cores() if limit is None else min(available_cores(), limit)


class RunPool:
    """Worker processes training runs; each submitted run is known by a key of the caller's."""

    def __init__(self, workers):
        context = multiprocessing.get_context('spawn')
        limit = pool_limit()
        self.workers = workers = workers if limit is None else min(workers, limit)
        self.messages = context.Queue()
        self.stopped = context.Array('b', MAX_RUNS, lock=False)   # one flag per run
        # One BLAS thread a worker, as the workers take every core. BLAS reads these when
        # numpy loads; a spawned worker inherits them from this process's environment,
        # whatever imports numpy first there.
        for variable in BLAS_THREADS:
            os.environ[variable] = '1'
        self.executor = futures.ProcessPoolExecutor(
            workers, mp_context=context, initializer=_start_worker,
            initargs=(self.messages, self.stopped))
        self.submitted = []     # every Future, in order: its index is its stop flag's
        self.reported = {}      # key -> the epochs' figures the worker has sent so far
        self.lock = threading.Lock()
        self.listener = threading.Thread(target=self._listen, daemon=True)
        self.listener.start()

    def _listen(self):
        """Keep the workers' epoch reports, by key, until the pool closes (None)."""
        while True:
            message = self.messages.get()
            if message is None:
                return
            key, stats = message
            with self.lock:
                self.reported.setdefault(key, []).append(stats)

    def submit(self, key, config, seed, run_name, runs_dir=None):
        """Queue a run of train_model(config, seed, run_name, runs_dir); return its Future."""
        index = len(self.submitted)
        if index == MAX_RUNS:
            raise RuntimeError(f'a pool takes at most {MAX_RUNS} runs; start a new one.')
        future = self.executor.submit(_train, index, key, config, seed, run_name, runs_dir)
        self.submitted.append(future)
        return future

    def stop_run(self, future):
        """Cancel a queued run, or stop a running one after its current epoch."""
        self.stopped[self.submitted.index(future)] = 1
        future.cancel()

    def collect(self, key, future, progress):
        """Wait for a submitted run, feeding progress(stats) with each epoch as it finishes;
        return its RunResult, or raise what the run raised (WorkersLost if a worker died)."""
        shown = 0
        try:
            while True:
                try:
                    result = future.result(timeout=0.2)
                    break
                except futures.TimeoutError:
                    with self.lock:
                        new = self.reported.get(key, [])[shown:]
                    for stats in new:
                        progress(stats)
                    shown += len(new)
        except futures.process.BrokenProcessPool as err:
            raise WorkersLost(f'a worker process died ({err})') from None
        # Epochs whose report is still on its way: the result holds them all.
        for epoch in range(shown, len(result.train_loss_history)):
            progress(result.epoch_stats(epoch))
        return result

    def stop(self):
        """Cancel queued runs, stop running ones after their current epoch, close the pool."""
        for index in range(len(self.submitted)):
            self.stopped[index] = 1     # first, so that no queued run starts meanwhile
        for future in self.submitted:
            future.cancel()
        self.close()

    def close(self):
        """Wait for the runs in progress to end, then release the workers."""
        self.executor.shutdown(wait=True)
        self.messages.put(None)
        self.listener.join(5)


# ---------------------------------------------------------------------------
# The notebook's runs in the background
# ---------------------------------------------------------------------------

_pool = None
_started = {}     # run key -> Future of a run start() began, until its cell takes it
_finished = {}    # run key -> RunResult of a started run that finished before a stop


def _key(config, seed, name, folder):
    """What makes two runs the same run: name, folder, the checked config and asked-for seed."""
    return name, str(Path(folder).resolve()), json.dumps(config, sort_keys=True), seed


def cost(config):
    """Rough seconds of a run on one core: its epochs' matrix products and per-batch work."""
    train, model = config['Train'], config['Model']
    width = model.get('hidden_size', 0) + 10
    per_epoch = (TRAIN_SIZE * 784 * width * 6 / 40e9
                 + TRAIN_SIZE / train['batch_size'] * 60e-6)
    return train['epochs'] * per_epoch


def queue_order(runs, workers):
    """The runs (cost, ...) in the order to start them: the long ones, longest first, then
    the others in the notebook's order.

    A run is long when it takes more than a third of the training each worker
    has to do: started late, it would keep one worker busy while the others
    sit idle at the end (config_best.yaml's 40 epochs). The other runs follow
    in the order the cells ask for them, so each cell gets its run early and
    draws its figures while the workers train the next ones.
    """
    share = sum(run[0] for run in runs) / workers
    long = sorted((run for run in runs if run[0] > share / 3), key=lambda run: -run[0])
    return long + [run for run in runs if run[0] <= share / 3]


def start(runs, workers):
    """Train runs, (checked config, seed, name, folder) each, in `workers` background
    processes, after stopping what an earlier start() began. workers <= 1: nothing starts."""
    global _pool
    stop()
    _finished.clear()      # a new start supersedes what an earlier one trained
    if workers <= 1:
        return
    _pool = RunPool(workers)
    for _, config, seed, name, folder in queue_order([(cost(run[0]), *run) for run in runs],
                                                     workers):
        key = _key(config, seed, name, folder)
        _started[key] = _pool.submit(key, config, seed, name, folder)


def running():
    """True while started runs may still be training."""
    return _pool is not None


def take(config, seed, name, folder, progress):
    """The RunResult of the started run of exactly these config, seed, name and folder, its
    epochs fed to progress as they finish; None if there is none, so the caller trains it.

    A started run of that name and folder that does not match is stopped. If a worker
    died, the background stops, a note says so, and None is returned.
    """
    key = _key(config, seed, name, folder)
    finished, started = _finished.pop(key, None), _started.pop(key, None)
    if finished is not None:
        for epoch in range(len(finished.train_loss_history)):
            progress(finished.epoch_stats(epoch))
        return finished
    if started is None:
        for stale in [other for other in _started if other[:2] == key[:2]]:
            _pool.stop_run(_started.pop(stale))
        return None
    try:
        return _pool.collect(key, started, progress)
    except WorkersLost as err:
        stop()
        print(f'{err}: the runs still to come train in this kernel, one after another.')
        return None


def stop():
    """Stop what start() started: queued runs are cancelled, running ones stop after their
    epoch. Runs that finished are kept for their cells; later cells train anew."""
    global _pool
    if _pool is not None:
        _pool.stop()
    for key, future in _started.items():
        if future.done() and not future.cancelled() and future.exception() is None:
            _finished[key] = future.result()
    _pool = None
    _started.clear()

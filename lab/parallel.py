"""Training runs in worker processes: started early, collected by the cells that show them.

The notebook's runs are independent and each is seeded, so they can train
side by side. A RunPool trains them in worker processes, as many as there
are cores, one BLAS thread each; a run's result is bit for bit what training
it alone in one process gives. Workers are spawned (not forked), so the same
code works on Linux, macOS, Windows, in Jupyter, papermill and Colab.

    pool = RunPool(workers=2)
    future = pool.submit('softmax', config, seed=7, run_name='softmax')
    ...
    result = pool.collect('softmax', future, progress)   # live progress, then the RunResult

collect() feeds `progress` each epoch's figures as the worker reports them.
Ctrl-C (a kernel interrupt) while collecting stops the pool: queued runs are
cancelled, running ones stop after their current epoch and are recorded as
interrupted, finished ones keep their results; then KeyboardInterrupt goes on.
A single run can be stopped the same way with stop_run().
"""
import concurrent.futures as futures
import multiprocessing
import os
import signal
import threading
import time

MAX_RUNS = 256      # runs one pool can take: the size of the shared stop flags
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


def epoch_stats(result, epoch):
    """The figures of one finished epoch of a RunResult, as train_model's callback gets them."""
    return {'epoch': epoch, 'epochs': result.config['Train']['epochs'],
            'train_loss': result.train_loss_history[epoch],
            'train_acc': result.train_acc_history[epoch],
            'valid_loss': result.valid_loss_history[epoch],
            'valid_acc': result.valid_acc_history[epoch]}


class RunPool:
    """Worker processes training runs; each submitted run is known by a key of the caller's."""

    def __init__(self, workers):
        context = multiprocessing.get_context('spawn')
        self.workers = workers
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
            progress(epoch_stats(result, epoch))
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

"""What the benchmarks share about the machine: its description, which every
report prints first, its BLAS threads and a process's peak memory.

Absolute seconds differ from one machine to the next (an AMD EPYC and an
Intel Xeon of the same kind differ by tens of percent); ratios measured side
by side in one run are what carry over, so every report names the CPU.
Imports no numpy, so that a benchmark can set BLAS threads before numpy loads.
"""
import os
import platform
from pathlib import Path


def set_blas_threads(threads=1):
    """Fix BLAS to this many threads. Call it before numpy (or torch) is imported:
    BLAS reads these variables once, at load time."""
    for var in ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
        os.environ[var] = str(threads)


def cpu_model():
    """The CPU's model name, e.g. 'AMD EPYC' or 'Intel(R) Xeon(R) ...'."""
    try:
        for line in Path('/proc/cpuinfo').read_text().splitlines():
            if line.startswith('model name'):
                return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_average():
    """The 1, 5 and 15 minute load averages, as text."""
    try:
        return ' '.join(f'{x:.1f}' for x in os.getloadavg())
    except OSError:
        return 'n/a'


def describe():
    """'<CPU>, <n> cores; Python x.y.z' with the load average."""
    return (f'{cpu_model()}, {os.cpu_count()} cores; Python {platform.python_version()}; '
            f'load average {load_average()}')


def peak_kib():
    """This process's peak resident memory so far, in KiB: VmHWM where Linux has it, not
    ru_maxrss, which Linux carries over from the parent across fork + exec."""
    try:
        for line in Path('/proc/self/status').read_text().splitlines():
            if line.startswith('VmHWM:'):
                return int(line.split()[1])
    except OSError:
        pass
    import resource  # Unix only, so not at the top: machine.py serves every benchmark
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

"""What every benchmark prints first: the machine its figures come from.

Absolute seconds differ from one machine to the next (an AMD EPYC and an
Intel Xeon of the same kind differ by tens of percent); ratios measured side
by side in one run are what carry over, so every report names the CPU.
"""
import os
import platform
from pathlib import Path


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

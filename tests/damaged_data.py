"""Helpers for the robustness tests: small IDX files written by hand, and a
temporary data folder that utils reads instead of the real data/.

Nothing here writes into the project's data/ folder.
"""
import contextlib
import gzip
import hashlib
import shutil
import struct
import tempfile
from pathlib import Path
from unittest import mock

import numpy as np

import utils

REAL_DATA = Path(utils.DATA_DIR)


def idx_bytes(array, magic=None):
    """The uncompressed IDX encoding of a uint8 array: magic, big-endian dims, bytes."""
    array = np.asarray(array, dtype=np.uint8)
    magic = 0x800 + array.ndim if magic is None else magic
    return struct.pack('>I', magic) + struct.pack(f'>{array.ndim}I', *array.shape) + array.tobytes()


def write_gz(path, content):
    """Write content gzip-compressed (mtime 0, so the bytes are reproducible)."""
    Path(path).write_bytes(gzip.compress(content, mtime=0))
    return Path(path)


def sha256(content):
    return hashlib.sha256(content).hexdigest()


def tiny_images(n=5, seed=0):
    """n random 28x28 uint8 images."""
    return np.random.default_rng(seed).integers(0, 256, size=(n, 28, 28), dtype=np.uint8)


@contextlib.contextmanager
def data_dir(*names):
    """A temporary folder holding copies of data/SHA256SUMS and the named files,
    which utils reads as its DATA_DIR while the block runs. Yields the folder."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name in ('SHA256SUMS',) + names:
            shutil.copy2(REAL_DATA / name, folder / name)
        with mock.patch.object(utils, 'DATA_DIR', folder), \
                mock.patch.dict(utils._raw_cache, clear=True):
            yield folder


def gz_content(path):
    """The decompressed bytes of a .gz file."""
    return gzip.decompress(Path(path).read_bytes())

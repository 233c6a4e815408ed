"""The MNIST data beyond what the graded utils.py can check with NumPy alone.

    verify()          # written back as the four original IDX files, the data must have
                      # their SHA-256: not a single pixel may differ
    originals()       # utils' whole training and test sets, verified once per process
    splits()          # the six arrays training reads: utils' 80/20 split of them
    download(); build_bundle()    # fetch the originals again and rebuild data/mnist.npz

data/mnist.npz holds the four original files' arrays (train_images (60000, 28, 28),
train_labels (60000,), test_images, test_labels, all uint8), compressed;
`python data/download_mnist.py` runs download() and build_bundle().
"""
import argparse
import gzip
import hashlib
import http.client
import os
import socket
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import zlib
from pathlib import Path

import numpy as np

import utils
from lab import ROOT
from lab.files import file_in_the_way, write_atomically

DATA_DIR = ROOT / 'data'
BUNDLE_PATH = DATA_DIR / utils.BUNDLE
# Bundle member -> the original MNIST file and the SHA-256 of its uncompressed content
# (the same whichever mirror or compression a copy comes from).
ORIGINALS = {
    'train_images': ('train-images-idx3-ubyte',
                     'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db'),
    'train_labels': ('train-labels-idx1-ubyte',
                     '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5'),
    'test_images': ('t10k-images-idx3-ubyte',
                    '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7'),
    'test_labels': ('t10k-labels-idx1-ubyte',
                    'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2'),
}
SHAPES = {'train_images': (60000, 28, 28), 'train_labels': (60000,),
          'test_images': (10000, 28, 28), 'test_labels': (10000,)}
MIRRORS = ('https://ossci-datasets.s3.amazonaws.com/mnist/',
           'https://storage.googleapis.com/cvdf-datasets/mnist/')
DOWNLOAD_SCRIPT = DATA_DIR / 'download_mnist.py'


# ---------------------------------------------------------------------------
# Verifying
# ---------------------------------------------------------------------------

def idx_header(shape):
    """The IDX header of a uint8 array: magic 0x0000080<ndim>, then each dimension as a
    big-endian 32-bit integer."""
    return bytes([0, 0, 8, len(shape)]) + b''.join(int(n).to_bytes(4, 'big') for n in shape)


def idx_sha256(shape, *parts):
    """SHA-256 of the IDX file holding the uint8 arrays parts, one after another, as one
    array of the given shape (the parts are hashed in place, not joined)."""
    digest = hashlib.sha256(idx_header(shape))
    for part in parts:
        digest.update(np.ascontiguousarray(part, dtype=np.uint8).data)
    return digest.hexdigest()


def verify(member, shape, *parts):
    """Raise utils.MnistDataError unless parts, as one array of shape, are MNIST's original
    file for member ('train_images', ...)."""
    name, expected = ORIGINALS[member]
    found = idx_sha256(shape, *parts)
    if found != expected:
        raise utils.MnistDataError(
            f"the {member.replace('_', ' ')} are not MNIST's {name}: the SHA-256 of their "
            f"content is {found}, expected {expected}. Rebuild data/ with `python "
            f"{DOWNLOAD_SCRIPT}` (or, in a git clone, `git checkout -- data/` in {ROOT}).")


def _stamp(path):
    """What tells a file apart from the one read before: the file itself (replaced by
    another, even one of the same size and time, it changes) and its size and time."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_ino, stat.st_size, stat.st_mtime_ns


_cache = {}


def _cached(what, read):
    """read(), kept per process under what until a file utils may read changes."""
    candidates = [Path(folder) / name for folder in utils.DATA_FOLDERS
                  for name in (utils.BUNDLE, *utils.CSV_FILES.values())]
    key = (what, os.getcwd(), tuple(_stamp(path) for path in candidates))
    if key not in _cache:
        value = read()
        for old in [old for old in _cache if old[0] == what]:
            del _cache[old]
        _cache[key] = value
    return _cache[key]


def _read_originals():
    train_images, train_y = utils.load_mnist_train_bytes()
    test_images, test_y = utils.load_mnist_test_bytes()
    verify('train_images', (len(train_images), 28, 28), train_images)
    verify('train_labels', (len(train_y),), train_y.astype(np.uint8))
    verify('test_images', (len(test_images), 28, 28), test_images)
    verify('test_labels', (len(test_y),), test_y.astype(np.uint8))
    return train_images, train_y, test_images, test_y


def originals():
    """MNIST as utils reads it, whole: train_images (60000, 784) uint8, train_y (60000,)
    int64, test_images, test_y, verified against MNIST's SHA-256 (the course's CSVs for a
    grade are written from these: they never depend on the split a student writes).

    Read once per process, and again whenever a file utils may read has changed.
    """
    return _cached('originals', _read_originals)


def splits():
    """utils' data as bytes: train_images, train_y, val_images, val_y, test_images, test_y
    (images (N, 784) uint8, labels (N,) int64): the whole data verified (originals()), the
    split utils.load_mnist_trainval_bytes' own. Cached as originals() is."""
    train_images, _, test_images, test_y = originals()
    return _cached('splits', lambda: (*_split(len(train_images)), test_images, test_y))


def _split(count):
    """utils.load_mnist_trainval_bytes(), checked to be four arrays that share out the count
    training images: a TypeError naming what it returned instead (an unwritten one, None)."""
    split = utils.load_mnist_trainval_bytes()
    try:
        train_images, train_y, val_images, val_y = (np.asarray(part) for part in split)
        fits = (len(train_images) == len(train_y) and len(val_images) == len(val_y)
                and len(train_images) + len(val_images) == count)
    except (TypeError, ValueError):
        fits = False
    if not fits:
        raise TypeError(f'utils.load_mnist_trainval_bytes() returned {_described(split)}; '
                        'it must return train_images, train_y, val_images, val_y, which '
                        f'share out the {count:,} training images (handout, 1.1).')
    return train_images, train_y, val_images, val_y


def _described(value):
    """value in a few words: its type, and the lengths of a tuple's parts."""
    if isinstance(value, (tuple, list)):
        lengths = ', '.join(str(len(part)) if hasattr(part, '__len__') else type(part).__name__
                            for part in value)
        return f'{len(value)} values ({lengths})'
    return repr(value) if value is None else type(value).__name__


# ---------------------------------------------------------------------------
# Rebuilding the bundle
# ---------------------------------------------------------------------------

def parse_idx(content, member):
    """The uint8 array an IDX file's content holds, checked against member's known shape."""
    shape = SHAPES[member]
    header = idx_header(shape)
    if content[:len(header)] != header or len(content) != len(header) + int(np.prod(shape)):
        raise utils.MnistDataError(
            f'{ORIGINALS[member][0]} is not the expected IDX file: its header is '
            f'{content[:len(header)].hex()} and it holds {len(content)} bytes; expected header '
            f'{header.hex()} and {len(header) + int(np.prod(shape))} bytes.')
    return np.frombuffer(content, dtype=np.uint8, offset=len(header)).reshape(shape)


def build_bundle(arrays, path=BUNDLE_PATH):
    """Write the four arrays {member: uint8 array} as a compressed .npz, verified first.

    Written atomically (lab.files): an interrupted build never leaves half a bundle.
    """
    for member in ORIGINALS:
        array = arrays.get(member)
        if getattr(array, 'dtype', None) != np.uint8:  # verify() would read it as bytes
            found = 'nothing' if array is None else getattr(array, 'dtype', type(array).__name__)
            raise utils.MnistDataError(f"the {member.replace('_', ' ')} must be a uint8 array, "
                                       f"as in MNIST's files; got {found}.")
        verify(member, array.shape, array)
    members = {member: arrays[member] for member in ORIGINALS}
    return write_atomically(path, lambda out: np.savez_compressed(out, **members))


def wrong_kind(path):
    """utils.MnistDataError if path is a folder, or a file stands where one of its folders
    belongs; else None. For a path that could not be read or written."""
    path = Path(path)
    if path.is_dir():
        return utils.MnistDataError(f'{path} is a folder, not a file: move or rename it.')
    file = file_in_the_way(path)
    if file is not None:
        return utils.MnistDataError(f'{path}: {file} is a file where the folder belongs; '
                                    'move or rename that file.')
    return None


def read_originals(folder):
    """The four arrays from MNIST's original .gz files in folder (e.g. a copy made elsewhere)."""
    arrays = {}
    for member, (name, _) in ORIGINALS.items():
        path = Path(folder) / (name + '.gz')
        try:
            content = gzip.decompress(path.read_bytes())
        except (IsADirectoryError, NotADirectoryError, PermissionError) as err:
            raise wrong_kind(path) or utils.MnistDataError(
                f'{path} cannot be read ({err.strerror}).') from None
        except FileNotFoundError:
            raise utils.MnistDataError(f'{path} is missing.') from None
        except (OSError, EOFError, zlib.error) as err:
            raise utils.MnistDataError(f'{path} is not a complete gzip file ({err}).') from None
        arrays[member] = parse_idx(content, member)
    return arrays


def fetch(url, timeout, report=print):
    """The bytes at url, reporting progress; OSError (incl. timeouts) if the mirror fails."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        total = int(response.headers.get('Content-Length') or 0)
        chunks, received, shown = [], 0, time.monotonic()
        while True:
            chunk = response.read(1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
            received += len(chunk)
            if time.monotonic() - shown > 1 and total:
                report(f'    {received / total:4.0%} of {total / 1e6:.1f} MB')
                shown = time.monotonic()
    if total and received != total:    # http.client's read(n) does not check it
        raise ConnectionError(f'the connection closed after {received:,} of {total:,} bytes')
    return b''.join(chunks)


def _timed_out(err):
    """True if err says a mirror did not answer in time (on connecting or on reading)."""
    return isinstance(err, socket.timeout) or isinstance(getattr(err, 'reason', None),
                                                         socket.timeout)


def download(mirrors=MIRRORS, timeout=10, report=print):
    """The four arrays, each fetched from the first mirror whose copy has the right content.

    timeout: seconds to wait for a mirror that does not answer; such a mirror
    is not asked again for the other files. Raises utils.MnistDataError when
    no mirror gives a verified copy of a file.
    """
    arrays, silent = {}, set()
    for member, (name, digest) in ORIGINALS.items():
        report(f'{name}.gz')
        for mirror in mirrors:
            if mirror in silent:
                continue
            url = mirror + name + '.gz'
            try:
                content = gzip.decompress(fetch(url, timeout, report))
                arrays[member] = parse_idx(content, member)
                verify(member, arrays[member].shape, arrays[member])
                break
            # HTTPException: e.g. a server that does not speak HTTP; ValueError: a bad URL.
            except (OSError, EOFError, zlib.error, utils.MnistDataError,
                    http.client.HTTPException, ValueError) as err:
                if _timed_out(err):
                    silent.add(mirror)
                    err = f'no answer within {timeout:g} s; not asking it again'
                report(f'  {url}: {err}')
        else:
            raise utils.MnistDataError(
                f"no mirror gave a verified copy of {name}.gz (tried {', '.join(mirrors)}). "
                "Check the internet connection, or copy data/mnist.npz from a fresh clone of "
                "the project.")
        report(f'  verified: SHA-256 {digest[:16]}...')
    return arrays


def _writable(folder):
    """Raise utils.MnistDataError unless a file can be created in folder."""
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as err:
        file = next((path for path in (Path(folder), *Path(folder).parents) if path.is_file()),
                    None)
        if file is not None:
            raise utils.MnistDataError(f'cannot write into {folder}: {file} is a file where '
                                       'the folder belongs; move or rename that file.') from None
        raise utils.MnistDataError(f'cannot write into {folder} ({err.strerror}); make it '
                                   'writable, or run this as a user who may write there.') from None


def mirror_url(text):
    """--mirror's value: an http(s) or file URL, ending in / as MIRRORS do."""
    if urllib.parse.urlsplit(text).scheme not in ('http', 'https', 'file'):
        raise argparse.ArgumentTypeError(f'{text!r} is not a URL such as '
                                         'https://example.org/mnist/')
    return text if text.endswith('/') else text + '/'


def main(argv=None):
    """Rebuild data/mnist.npz from the internet (default) or from local .gz files (--from)."""
    parser = argparse.ArgumentParser(description='Download MNIST, verify it against its '
                                     'SHA-256 and rebuild data/mnist.npz.')
    parser.add_argument('--from', dest='folder', type=Path,
                        help="build from MNIST's four original .gz files in this folder instead "
                             "of downloading them")
    parser.add_argument('--mirror', action='append', type=mirror_url, metavar='URL',
                        help="download from this URL, a folder holding MNIST's four .gz files, "
                             'instead of the public mirrors (e.g. a copy inside a network that '
                             'blocks them); may be given more than once, tried in order')
    parser.add_argument('--timeout', type=float, default=10,
                        help='seconds to wait for a mirror that does not answer (default 10)')
    parser.add_argument('--out', type=Path, default=BUNDLE_PATH, help=f'default {BUNDLE_PATH}')
    args = parser.parse_args(argv)
    try:
        _writable(args.out.parent)
        if args.out.is_dir():
            raise wrong_kind(args.out)
        arrays = (read_originals(args.folder) if args.folder else
                  download(mirrors=args.mirror or MIRRORS, timeout=args.timeout))
        path = build_bundle(arrays, args.out)
    except utils.MnistDataError as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    print(f'MNIST verified and saved in {path} ({path.stat().st_size / 1e6:.1f} MB).')
    return 0


if __name__ == '__main__':
    sys.exit(main())

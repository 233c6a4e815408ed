"""The code archive: exactly the graded code, zipped for Gradescope's "HW1 Coding".

    names = make_archive(root, 'hw1_code_submission.zip')   # the paths it holds

submission_files lists what goes in: configs/ (.yaml), models/ and optimizer/ (.py) at any
depth, and utils.py, skipping caches and hidden folders. make_archive refuses, with an
ArchiveError that says how to fix it and writing nothing, when a required file
(lab.grade.REQUIRED) is missing, a Python file does not compile, a symbolic link leads out
of the project, or the archive's own name would overwrite something that is not an
earlier archive.
"""
import importlib.util
import os
import zipfile
from pathlib import Path

from lab.files import file_in_the_way, write_atomically
from lab.grade import REQUIRED

ARCHIVE_NAME = 'hw1_code_submission.zip'
# Folder -> the file types that belong to the submission from it.
FOLDERS = {'configs': ('.yaml', '.yml'), 'models': ('.py',), 'optimizer': ('.py',)}
REFUSED = 'cannot build the submission: '


class ArchiveError(Exception):
    """The archive cannot be built as things are: the message says what is wrong and how to
    fix it."""


def _inside(path, folder):
    """True if path (resolved, links followed) lies inside folder (resolved)."""
    try:
        Path(os.path.realpath(path)).relative_to(os.path.realpath(folder))
        return True
    except ValueError:
        return False


def _refuse_outside_link(root, path):
    if not _inside(path, root):
        relative = Path(path).relative_to(root).as_posix()
        raise ArchiveError(
            f'{REFUSED}{relative} is a symbolic link to '
            f'{os.path.realpath(path)}, outside the project, so the archive would carry that '
            f'file instead of yours. Replace the link with the file itself: copy '
            f'{os.path.realpath(path)} over it, after deleting the link.')


def _walk(root, folder):
    """The files under root/folder as POSIX paths relative to root, following symbolic
    links that stay inside root and refusing (ArchiveError) any that leave it."""
    found, seen = [], set()
    for directory, subdirs, files in os.walk(root / folder, followlinks=True):
        _refuse_outside_link(root, directory)
        real = os.path.realpath(directory)
        if real in seen:          # a link back to a folder already walked
            subdirs[:] = []
            continue
        seen.add(real)
        subdirs[:] = sorted(d for d in subdirs if not d.startswith('.') and d != '__pycache__')
        for name in sorted(files):
            path = Path(directory) / name
            if name.startswith('.') or not path.is_file():
                continue
            _refuse_outside_link(root, path)
            found.append(path.relative_to(root).as_posix())
    return found


def submission_files(root='.'):
    """The files that go into the archive, as sorted POSIX paths relative to root.
    Raises ArchiveError naming each required file that is missing, or a symbolic link
    that leads out of root."""
    root = Path(root)
    missing = [name for name in REQUIRED if not (root / name).is_file()]
    if missing:
        raise ArchiveError(
            f'{REFUSED}missing ' + ', '.join(missing)
            + f' (looked in {root.resolve()}). Restore them (e.g. `git checkout -- <file>`) '
            'and run this again.')
    _refuse_outside_link(root, root / 'utils.py')
    found = {'utils.py'}
    for folder, suffixes in FOLDERS.items():
        found.update(name for name in _walk(root, folder) if Path(name).suffix in suffixes)
    return sorted(found)


def _check_compiles(root, names):
    """Raise ArchiveError naming the file and line if a Python file could not be imported
    as the grader imports it: decoded as Python decodes source (UTF-8 unless the file
    declares otherwise), then compiled by this Python. An autograder would score it 0."""
    for name in names:
        if not name.endswith('.py'):
            continue
        raw = (root / name).read_bytes()
        try:
            source = importlib.util.decode_source(raw)
        except UnicodeDecodeError as err:
            line = raw[:err.start].count(b'\n') + 1
            raise ArchiveError(
                f'{REFUSED}{name} line {line} is not UTF-8 text (byte {raw[err.start]:#04x}), '
                'so Python cannot read the file. Save it as UTF-8 in your editor.') from None
        try:
            compile(source, name, 'exec')
        except (SyntaxError, ValueError) as err:      # ValueError: a NUL byte, before 3.12
            line = getattr(err, 'lineno', None) or raw[:raw.find(b'\0')].count(b'\n') + 1
            why = getattr(err, 'msg', None) or str(err)
            raise ArchiveError(f'{REFUSED}{name} line {line} has a syntax error ({why}). '
                               'Fix it first.') from None


def _archive_target(root, out, names):
    """Where the archive goes, checked: a .zip name that overwrites nothing but an
    earlier archive, is none of the inputs, and stays in root unless given as an
    absolute path."""
    given = str(out)
    if not given.lower().endswith('.zip'):
        raise ArchiveError(
            f"the archive's name must end in .zip, got {given!r}: Gradescope takes a zip, and "
            f"any other name could be one of your files. Pass e.g. '{ARCHIVE_NAME}'.")
    out = Path(out)
    target = out if out.is_absolute() else root / out
    if not out.is_absolute() and not _inside(target.parent, root):
        raise ArchiveError(
            f'{given!r} lies outside the project folder {root.resolve()}; give an absolute path '
            'if you mean to write the archive there.')
    if target.is_symlink():
        raise ArchiveError(f'{given!r} is a symbolic link: give the archive a name of its own.')
    if target.is_dir():
        raise ArchiveError(f"{given!r} is a folder, not a file: give the archive a file name, "
                           f"e.g. '{Path(given, ARCHIVE_NAME)}'.")
    file = file_in_the_way(target)
    if file is not None:
        raise ArchiveError(f'{given!r}: {file} is a file where the folder belongs; give the '
                           'archive a path in a folder.')
    if not target.parent.is_dir():
        raise ArchiveError(f'{given!r}: the folder {target.parent} does not exist; create it '
                           'first, or give the archive a path in a folder that exists.')
    inputs = {os.path.realpath(root / name) for name in names}
    if os.path.realpath(target) in inputs:
        raise ArchiveError(f'{given!r} is one of the files the archive holds.')
    if target.exists() and not zipfile.is_zipfile(target):
        raise ArchiveError(
            f'{given!r} exists and is not a zip archive: refusing to overwrite it. Move it away '
            'or choose another name.')
    return target


def make_archive(root='.', out=ARCHIVE_NAME, verbose=True):
    """Zip the graded code under root into out (relative to root unless absolute).

    Returns the list of paths inside the archive. With verbose, prints them
    with their sizes. Nothing is written if a check fails (ArchiveError).
    """
    root = Path(root)
    names = submission_files(root)
    _check_compiles(root, names)
    target = _archive_target(root, out, names)
    def zip_into(out):
        with zipfile.ZipFile(out, 'w', compression=zipfile.ZIP_DEFLATED) as archive:
            for name in names:
                archive.write(root / name, arcname=name)

    write_atomically(target, zip_into)     # an interrupted build leaves no half archive
    if verbose:
        print(f'{target.name}: {len(names)} files')
        for name in names:
            print(f'  {name:<32} {(root / name).stat().st_size:>7,} bytes')
    return names

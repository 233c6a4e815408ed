"""Files: writing one whole or not at all, and the file that stands where a folder belongs.

    write_atomically(path, text_or_bytes)
    write_atomically(path, lambda out: np.savez_compressed(out, **arrays))

The content goes to path + '.part' beside it, which then replaces path in one
step (os.replace): an interrupted write leaves the old file or none, never half
a file, and no .part file stays behind. The .part file is opened as any file
is (not tempfile's private 0600), so the result has the usual permissions.
"""
import contextlib
import os
from pathlib import Path


def file_in_the_way(path):
    """The first of path's folders that is a file, so that path cannot be made or read
    ("X is a file where the folder belongs"); None if there is none."""
    return next((folder for folder in Path(path).parents if folder.is_file()), None)


def write_atomically(path, content):
    """Write content to path atomically; content is a str (UTF-8), bytes, or a callable
    given the binary file object to write into. Returns path as a Path.
    Any OSError goes on to the caller, with the .part file removed."""
    path = Path(path)
    partial = path.with_name(path.name + '.part')
    try:
        with open(partial, 'wb') as out:
            if callable(content):
                content(out)
            else:
                out.write(content.encode() if isinstance(content, str) else content)
        os.replace(partial, path)
    finally:
        with contextlib.suppress(OSError):   # gone already, or its folder is
            partial.unlink()
    return path

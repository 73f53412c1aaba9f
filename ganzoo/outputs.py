"""Where a command writes, checked before any work starts, so that a bad `--out` costs nothing.

It imports nothing heavy, so that every writing function can call it first, before any model or data
is loaded.
"""

import os
from pathlib import Path

from ganzoo.errors import OutputError


def check_output(path, *, folder=False, option="--out"):
    """`path` as a Path, after refusing in one line an output that cannot be written: a path of the
    other kind (a folder where a file is wanted, or the reverse), a parent that is a file, or a folder
    without write permission. `folder`: the output is a folder (made later if it does not exist)."""
    path = Path(path)
    if path.exists() and path.is_dir() != folder:
        wanted, found = ("a folder", "a file") if folder else ("a file path", "a folder")
        raise OutputError(f"{option} must be {wanted}. Received: {path}, which is {found}")
    existing = path if folder and path.exists() else path.parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise OutputError(f"Cannot write {option} {path}: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(f"Cannot write {option} {path}: no permission to write in {existing}")
    return path

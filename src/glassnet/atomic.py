"""Atomic file writes: a reader sees the old file or the whole new one, never half of one.

A write goes to ``.NAME.XXXXXXXX.part`` beside the target and is renamed over
it. A process killed mid-write leaves that temporary file behind;
``remove_partial`` removes such leftovers (and nothing else).

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
>>> write_text_atomic(path, "hello")
>>> path.read_text()
'hello'
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from glassnet.errors import GlassnetError


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path``.

    On any error the temporary file is removed and ``path`` is left as it was.
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise GlassnetError("the folder does not exist", source=str(path))
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=directory)
    os.close(fd)
    # mkstemp makes the file private (0600); a written file gets the usual umask mode.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temporary, 0o666 & ~umask)
    try:
        yield Path(temporary)
        with open(temporary, "rb") as written:
            os.fsync(written.fileno())
        os.replace(temporary, path)
        fsync_directory(directory)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    with atomic_path(path) as temporary:
        temporary.write_bytes(data)


def write_text_atomic(path: str | Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def fsync_directory(directory: str | Path) -> None:
    """Make renames in ``directory`` durable, so they reach the disk in the order made.

    Not every system can open a folder (Windows cannot); there the rename is
    left to the file system.
    """
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def partial_pattern(name: str) -> re.Pattern[str]:
    """The names ``atomic_path`` gives its temporary files for target ``name``.

    ``tempfile.mkstemp`` puts 8 characters of ``[a-z0-9_]`` between prefix and suffix.
    """
    return re.compile(rf"\.{re.escape(name)}\.[a-z0-9_]{{8}}\.part")


def remove_partial(path: str | Path) -> list[Path]:
    """Remove temporary files an interrupted atomic write of ``path`` left; returns them.

    Only names of the form ``.NAME.XXXXXXXX.part`` for this ``path`` are touched.
    """
    path = Path(path)
    pattern = partial_pattern(path.name)
    return remove_matching(path.parent, lambda name: pattern.fullmatch(name) is not None)


def remove_matching(directory: Path, match: Callable[[str], bool]) -> list[Path]:
    """Remove the files in ``directory`` whose names ``match``; returns them."""
    try:
        names = os.listdir(directory if str(directory) else ".")
    except OSError:
        return []
    removed = []
    for name in sorted(names):
        if match(name):
            with contextlib.suppress(FileNotFoundError, IsADirectoryError, PermissionError):
                (directory / name).unlink()
                removed.append(directory / name)
    return removed

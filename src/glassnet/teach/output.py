"""The output folder of ``glassnet exercises``: every file written atomically beneath it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from glassnet.errors import GlassnetError


class Output:
    """The output folder: writes files atomically beneath it and remembers them."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.written: list[Path] = []

    def text(self, name: str, text: str) -> Path:
        return self.data(name, text.encode("utf-8"))

    def data(self, name: str, data: bytes) -> Path:
        path = self.folder / name
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise GlassnetError(
                f"cannot make the folder: {error}", source=str(path.parent)
            ) from None
        _replace_with(path, data)
        self.written.append(path)
        return path


def _replace_with(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path`` and rename it over ``path``: a
    reader sees the old file or the whole new one (``glassnet.atomic``'s rule). Unlike
    ``write_bytes_atomic`` there is no ``fsync``: a class is hundreds of files, each fsync
    waits for the disk, and a run cut short by a crash is simply run again (it writes the
    same bytes)."""
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise

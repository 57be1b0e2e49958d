"""The output folder of ``glassnet exercises``: every file written atomically beneath it."""

from __future__ import annotations

from pathlib import Path

from glassnet.atomic import write_bytes_atomic
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
        write_bytes_atomic(path, data)
        self.written.append(path)
        return path

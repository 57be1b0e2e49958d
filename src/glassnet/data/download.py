"""Download a file, check it against its published checksum, and write it atomically.

A download goes to a temporary file in the destination folder and is renamed
into place (``os.replace``) only once its checksum matches, so the
destination never holds a partial or corrupted file: a reader sees the old
file or the complete new one. A file matches when its md5 is the published
md5 of the compressed file, or when its decompressed content has the published
md5 of the content (a mirror may recompress a file without changing its data).
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import http.client
import os
import tempfile
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from glassnet.errors import GlassnetError

CHUNK = 1 << 20
TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class RemoteFile:
    """A published file: its name and md5 sums (of the file, and of its gunzipped content)."""

    name: str
    md5: str
    content_md5: str | None = None


def verify(path: Path, remote: RemoteFile) -> str | None:
    """Which published checksum ``path`` matches: ``"md5"``, ``"content md5"``, or ``None``."""
    with path.open("rb") as file:
        if _md5(file) == remote.md5:
            return "md5"
    if remote.content_md5 is None:
        return None
    try:
        with gzip.open(path, "rb") as content:
            return "content md5" if _md5(content) == remote.content_md5 else None
    except (OSError, EOFError, zlib.error):
        return None  # not gzip, or a damaged stream


def download(
    url: str,
    destination: Path,
    remote: RemoteFile,
    *,
    timeout: float = TIMEOUT_SECONDS,
    on_progress: Callable[[int, int | None], None] | None = None,
) -> str:
    """Download ``url`` to ``destination`` if its checksum matches ``remote``; else raise.

    Returns which checksum matched. ``on_progress(received, total)`` is called
    after each chunk (``total`` is ``None`` when the server does not say).
    """
    folder = destination.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{destination.name}.", suffix=".part",
                                             dir=folder)  # fmt: skip
    except OSError as error:
        raise GlassnetError(f"cannot write here: {error.strerror}", source=str(folder)) from None
    part = Path(temporary)
    try:
        with os.fdopen(handle, "wb") as file:
            _copy(url, file, timeout, on_progress)
            file.flush()
            os.fsync(file.fileno())
        matched = verify(part, remote)
        if matched is None:
            with part.open("rb") as file:
                got = _md5(file)
            expected = remote.md5 + (
                f" (or {remote.content_md5} decompressed)" if remote.content_md5 else ""
            )
            raise GlassnetError(
                f"corrupted download from {url}: md5 {got}, expected {expected}; "
                "nothing was written",
                source=remote.name,
            )
        try:
            os.replace(part, destination)
        except OSError as error:
            raise GlassnetError(
                f"cannot write: {error.strerror}", source=str(destination)
            ) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            part.unlink()
    return matched


def _copy(
    url: str,
    file: BinaryIO,
    timeout: float,
    on_progress: Callable[[int, int | None], None] | None,
) -> None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            received = 0
            while chunk := response.read(CHUNK):
                file.write(chunk)
                received += len(chunk)
                if on_progress is not None:
                    on_progress(received, total)
    except urllib.error.HTTPError as error:
        raise GlassnetError(f"HTTP {error.code} {error.reason}", source=url) from None
    except urllib.error.URLError as error:
        raise GlassnetError(f"cannot download: {error.reason}", source=url) from None
    except TimeoutError:
        raise GlassnetError(f"no answer within {timeout:g} s", source=url) from None
    except (OSError, ValueError, http.client.HTTPException) as error:
        # ValueError: not a URL; the others: e.g. the connection dropped mid-transfer.
        raise GlassnetError(f"cannot download: {error}", source=url) from None
    if total is not None and received != total:
        raise GlassnetError(
            f"truncated download: got {received} of {total} bytes; nothing was written",
            source=url,
        )


def _md5(file: BinaryIO | gzip.GzipFile) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    while chunk := file.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()

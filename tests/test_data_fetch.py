"""``glassnet data fetch`` against a local HTTP server on 127.0.0.1 (never the internet)."""

from __future__ import annotations

import filecmp
import http.server
import shutil
import socket
import threading
from functools import partial
from pathlib import Path

import pytest

import shared
from glassnet.cli import main
from glassnet.data import fetch
from glassnet.data.download import RemoteFile, download
from glassnet.errors import GlassnetError

MNIST = shared.MNIST
NAMES = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
         "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]  # fmt: skip


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


class ShortHandler(QuietHandler):
    """Promises 1000 bytes, sends 10, and hangs up."""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "1000")
        self.end_headers()
        self.wfile.write(b"0123456789")
        self.wfile.flush()
        self.close_connection = True


@pytest.fixture
def serve():
    servers = []

    def start(folder: Path, handler=QuietHandler) -> str:
        server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), partial(handler, directory=str(folder))
        )
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/files"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def mirror(tmp_path):
    """A copy of the shared MNIST files, as a mirror would hold them, under files/."""
    folder = tmp_path / "www" / "files"
    folder.mkdir(parents=True)
    for name in NAMES:
        shutil.copy(MNIST / name, folder / name)
    return folder


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_good_files_arrive_identical(tmp_path, mirror, serve):
    url = serve(mirror.parent)
    lines = []
    paths = fetch("mnist", tmp_path / "out", mirror=url + "/", report=lines.append)
    assert [p.name for p in paths] == NAMES
    for name in NAMES:
        assert filecmp.cmp(tmp_path / "out" / name, MNIST / name, shallow=False)
    assert leftovers(tmp_path / "out") == []
    out = tmp_path / "out"
    assert lines[:2] == [
        f"{out}/train-images-idx3-ubyte.gz: downloading {url}/train-images-idx3-ubyte.gz",
        # The recompressed train-images matches by its content md5, the rest by the file md5.
        f"{out}/train-images-idx3-ubyte.gz: content md5 ok",
    ]
    assert lines[3::2] == [f"{out}/{name}: md5 ok" for name in NAMES[1:]]
    again = []
    fetch("mnist", tmp_path / "out", mirror=url, report=again.append)
    assert all(line.endswith("already there, checksum ok") for line in again)


def test_corrupted_file_is_refused_and_leaves_nothing(tmp_path, mirror, serve, capsys):
    data = bytearray((mirror / "train-labels-idx1-ubyte.gz").read_bytes())
    data[len(data) // 2] ^= 0x01
    (mirror / "train-labels-idx1-ubyte.gz").write_bytes(bytes(data))
    url = serve(mirror.parent)
    out = tmp_path / "out"
    code = main(["data", "fetch", "mnist", "--to", str(out), "--mirror", url, "--quiet"])
    assert code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"glassnet: error: train-labels-idx1-ubyte.gz: corrupted download from "
        f"{url}/train-labels-idx1-ubyte.gz: md5 {_md5(bytes(data))}, expected "
        "d53e105ee54ea40749a09fcbcd1e9432 (or a25bea736e30d166cdddb491f175f624 decompressed); "
        "nothing was written\n"
    )
    assert sorted(p.name for p in out.iterdir()) == ["train-images-idx3-ubyte.gz"]


def test_a_bad_file_already_there_is_replaced(tmp_path, mirror, serve):
    out = tmp_path / "out"
    out.mkdir()
    (out / "t10k-labels-idx1-ubyte.gz").write_bytes(b"half a file")
    fetch("mnist", out, mirror=serve(mirror.parent))
    assert filecmp.cmp(out / "t10k-labels-idx1-ubyte.gz", MNIST / "t10k-labels-idx1-ubyte.gz",
                       shallow=False)  # fmt: skip


def test_truncated_transfer_and_missing_file(tmp_path, serve, mirror):
    remote = RemoteFile("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c")
    short = serve(mirror.parent, ShortHandler)
    with pytest.raises(GlassnetError) as info:
        download(f"{short}/x", tmp_path / "x.gz", remote)
    assert str(info.value) == (
        f"{short}/x: truncated download: got 10 of 1000 bytes; nothing was written"
    )
    assert list(tmp_path.iterdir()) == [tmp_path / "www"]
    url = serve(mirror.parent)
    with pytest.raises(GlassnetError, match=r"/files/absent.gz: HTTP 404 File not found"):
        download(f"{url}/absent.gz", tmp_path / "x.gz", remote)
    assert list(tmp_path.iterdir()) == [tmp_path / "www"]


def test_unknown_set_and_unreachable_mirror(tmp_path, capsys):
    with pytest.raises(GlassnetError, match=r"name: expected one of mnist, fashion-mnist, got 'x'"):
        fetch("x", tmp_path)
    # A port that was just free on 127.0.0.1: the connection is refused, nothing leaves the host.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code = main(["data", "fetch", "fashion-mnist", "--to", str(tmp_path / "o"),
                 "--mirror", f"http://127.0.0.1:{port}"])  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"glassnet: error: http://127.0.0.1:{port}/train-images-idx3-ubyte.gz: "
                          "cannot download:")  # fmt: skip
    assert err.count("\n") == 1
    assert leftovers(tmp_path / "o") == []


def _md5(data: bytes) -> str:
    import hashlib

    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def test_a_folder_in_the_way_is_reported(tmp_path, mirror, serve):
    out = tmp_path / "out"
    (out / "train-images-idx3-ubyte.gz").mkdir(parents=True)
    with pytest.raises(GlassnetError, match=r"out/train-images-idx3-ubyte.gz: cannot write: "):
        fetch("mnist", out, mirror=serve(mirror.parent))
    assert leftovers(out) == []

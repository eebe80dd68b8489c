"""A throwaway Redis server for the tests, on 127.0.0.1 only, nothing written to disk.

``ECERT_TEST_REDIS_URL`` points the tests at an existing server instead. The Debian
package ``redis-server`` (scripts/system-deps.sh) provides the binary; its own service is
never used, so a test run does not depend on, or disturb, a Redis the machine may run.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BINARY = os.environ.get("ECERT_REDIS_SERVER", "/usr/bin/redis-server")


def available() -> bool:
    return bool(os.environ.get("ECERT_TEST_REDIS_URL")) or Path(BINARY).exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@contextmanager
def server(seconds: float = 20) -> Iterator[str]:
    """Yield the ``redis://`` URL of a fresh server (database 0), stopped afterwards."""
    if url := os.environ.get("ECERT_TEST_REDIS_URL"):
        yield url
        return
    folder = Path(tempfile.mkdtemp(prefix="ecert-redis-"))
    port = _free_port()
    process = subprocess.Popen(
        [BINARY, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(folder), "--logfile", str(folder / "log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + seconds
        while not _answers(port):
            if process.poll() is not None or time.monotonic() > deadline:
                log = (folder / "log").read_text(errors="replace")[-2000:] if (folder / "log").exists() else ""
                raise RuntimeError(f"redis-server did not start on port {port}: {log}")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(folder, ignore_errors=True)


def shut_down(url: str) -> None:
    """Stop the server at ``url`` now (``SHUTDOWN NOSAVE``), as an outage would."""
    host, port = urllib.parse.urlsplit(url).hostname, urllib.parse.urlsplit(url).port
    with socket.create_connection((host or "127.0.0.1", port or 6379), timeout=5) as sock:
        sock.sendall(b"SHUTDOWN NOSAVE\r\n")
        sock.recv(64)  # the server closes the connection as it exits

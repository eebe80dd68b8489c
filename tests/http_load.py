"""Real HTTP against a real server process: `ecert run` on a free port, clients that speak
from their own source address (127.0.0.2, 127.0.0.3, … all reach 127.0.0.1 on Linux), and
the server's memory read from /proc. Used by the starvation test and by
``scripts/bench_pdfcheck.py``."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss_mb(self) -> tuple[float, float]:
        """(VmRSS, VmHWM) of the server process, in MB."""
        status = Path(f"/proc/{self.pid}/status").read_text()
        rss, hwm = (int(re.search(rf"{key}:\s+(\d+) kB", status).group(1)) for key in ("VmRSS", "VmHWM"))  # type: ignore[union-attr]
        return rss / 1024, hwm / 1024


@contextmanager
def server(env: Mapping[str, str], startup: float = 90) -> Iterator[Server]:
    """``ecert run`` (Flask's threaded development server) with ``env`` added to ours."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "ecert", "run", "--host", HOST, "--port", str(port)],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + startup
        while True:
            try:
                if request(port, "GET", "/", timeout=5).status == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start (exit {process.poll()})")
            time.sleep(0.2)
        yield Server(process, port)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(15)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    def json(self) -> Any:
        return json.loads(self.body)


def request(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    source: str = HOST,
    timeout: float = 120,
    pause_after: int | None = None,
    pause: float = 0.0,
) -> Answer:
    """One request from ``source``. ``pause_after``: send that many bytes of the body, wait
    ``pause`` seconds (a slow sender), then the rest."""
    started = time.monotonic()
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout, source_address=(source, 0))
    try:
        connection.putrequest(method, path)
        for name, value in {**(headers or {}), "Content-Length": str(len(body or b""))}.items():
            connection.putheader(name, value)
        connection.endheaders()
        if body:
            cut = len(body) if pause_after is None else pause_after
            for at in range(0, cut, 1 << 20):
                connection.send(body[at : min(at + (1 << 20), cut)])
            if cut < len(body):
                time.sleep(pause)
                connection.send(body[cut:])
        response = connection.getresponse()
        data = response.read()
        return Answer(response.status, dict(response.getheaders()), data, time.monotonic() - started)
    finally:
        connection.close()


def verify_api(port: int, pdf: bytes, source: str, **kwargs: Any) -> Answer:
    return request(port, "POST", "/api/v1/verify", pdf, {"Content-Type": "application/pdf"}, source, **kwargs)


def verify_page(port: int, pdf: bytes, source: str, **kwargs: Any) -> Answer:
    """The upload form as a browser sends it: GET the form (CSRF token, session cookie), POST."""
    form = request(port, "GET", "/verify", source=source)
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', form.body)
    cookie = form.headers.get("Set-Cookie", "").split(";")[0]
    assert token and cookie, "no CSRF token or session cookie on the form"
    boundary = "ecertboundary7d1f"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'.encode()
        + token.group(1)
        + f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="cert.pdf"\r\n'.encode()
        + b"Content-Type: application/pdf\r\n\r\n"
        + pdf
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}", "Cookie": cookie}
    return request(port, "POST", "/verify", body, headers, source, **kwargs)

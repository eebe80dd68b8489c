"""gunicorn.conf.py runs the app: two workers on a migrated SQLite ECERT_HOME both answer
/healthz and /readyz, each building its own app (``preload_app = False``)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def wait_until_up(url: str, server: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited with {server.returncode}")
        try:
            if get(url)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer {url} within {seconds} s")


def test_two_gunicorn_workers_answer_health_and_readiness(
    tmp_path: Path, migrated_sqlite: Path, pki_home: Path
) -> None:
    from ecert.app import create_app
    from ecert.settings import Settings

    home = tmp_path / "home"
    shutil.copytree(pki_home / "pki", home / "pki")  # `ecert pki init` done, as on a set-up machine
    shutil.copyfile(migrated_sqlite, home / "ecert.sqlite3")  # `ecert db upgrade` done
    port = free_port()
    access_log = tmp_path / "access.log"
    env = {
        **os.environ,
        "ECERT_HOME": str(home),
        "ECERT_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "ECERT_ACCESS_LOG": str(access_log),
    }
    env.pop("DATABASE_URL", None)
    # The development home's generated keys exist before the workers start, as after `make setup`
    # (two workers must not each generate their own).
    create_app(Settings.from_env(env)).extensions["ecert"].db.dispose()

    server = subprocess.Popen(
        [str(GUNICORN), "-c", "gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/healthz", server)
        served: dict[str, set[str]] = {"/healthz": set(), "/readyz": set()}
        deadline = time.monotonic() + 60
        with ThreadPoolExecutor(max_workers=8) as pool:
            while time.monotonic() < deadline and not all(len(pids) == 2 for pids in served.values()):
                paths = ["/healthz", "/readyz"] * 8
                for path, (status, body) in zip(paths, pool.map(lambda p: get(base + p), paths), strict=True):
                    assert status == 200, (path, body)
                    assert body["status"] == "ok", body
                time.sleep(0.3)  # gunicorn writes the access log line after the answer
                for match in re.finditer(
                    r'"GET (/healthz|/readyz) HTTP/1\.1" 200 .* pid=<(\d+)>', access_log.read_text()
                ):
                    served[match[1]].add(match[2])
        assert all(len(pids) == 2 for pids in served.values()), served
        status, body = get(f"{base}/readyz")
        assert body["checks"]["signer"] == {"ok": True, "detail": "loaded"}
        assert body["checks"]["tsa"] == {"ok": True, "detail": "in-process"}
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            _, errors = server.communicate(timeout=40)
        except subprocess.TimeoutExpired:
            server.kill()
            _, errors = server.communicate()
    assert server.returncode == 0, errors[-3000:]
    assert "Traceback" not in errors, errors[-3000:]
    assert "Control socket listening" not in errors  # none shared in the home by every instance

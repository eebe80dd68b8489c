"""Two gunicorn sync workers on one PostgreSQL and one Redis answer as one site.

- A rate limit counts the requests of both workers together: of the QR page's 20 a minute,
  spread over both, the 21st is refused, by either worker (with ``memory://`` instead,
  each worker counts alone and lets a client make more, and gunicorn warns at start).
- A staff login made by one worker is honoured by the other, and its logout by both: a
  copy of the cookie kept from before the logout is refused by every worker.

Which worker answered is read from the access log (``pid=<…>``, gunicorn.conf.py). The
workers are sync ones, so requests sent a few at a time land on both.
"""

from __future__ import annotations

import html
import http.cookiejar
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import postgres, redis_server
from tests.functional.test_staff import PASSWORD, now_code, secret_of

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
PAGE_LIMIT = 20  # ECERT_RATELIMIT_PAGE for these servers: per client and minute
LINE = re.compile(r'"(GET|POST) (\S+) HTTP/1\.1" (\d{3}) .* pid=<(\d+)>')

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None  # a 302 is an answer to look at, not to follow


@dataclass
class Answer:
    status: int
    location: str
    body: str


def fetch(
    opener: urllib.request.OpenerDirector, url: str, data: dict[str, str] | None = None, **headers: str
) -> Answer:
    encoded = None if data is None else urllib.parse.urlencode(data).encode()
    request = urllib.request.Request(url, data=encoded, headers=headers)
    try:
        with opener.open(request, timeout=30) as response:
            return Answer(response.status, response.headers.get("Location", ""), response.read().decode())
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.headers.get("Location", ""), error.read().decode(errors="replace"))


@dataclass
class Site:
    base: str
    access_log: Path
    errors: Path

    def lines(self, since: int = 0) -> list[tuple[str, str, int, str]]:
        """(method, path, status, pid) of each request logged after byte ``since``."""
        time.sleep(0.3)  # gunicorn writes the access log line after the answer
        text = self.access_log.read_bytes()[since:].decode()
        return [(m[1], m[2], int(m[3]), m[4]) for m in LINE.finditer(text)]

    def mark(self) -> int:
        time.sleep(0.3)
        return self.access_log.stat().st_size


@pytest.fixture
def home(tmp_path: Path, pki_home: Path, postgres_server: str, migrated_postgres: str) -> Iterator[dict[str, str]]:
    """A migrated PostgreSQL database and a home with the development PKI: the environment
    every worker gets."""
    import shutil

    url = postgres.fresh_database(postgres_server, template=migrated_postgres)
    shutil.copytree(pki_home / "pki", tmp_path / "home" / "pki")
    env = {
        **os.environ,
        "ECERT_HOME": str(tmp_path / "home"),
        "DATABASE_URL": url,
        "ECERT_RATELIMIT_PAGE": f"{PAGE_LIMIT}/minute",
        "WEB_CONCURRENCY": "2",
    }
    env.pop("ECERT_RATELIMIT_STORAGE_URI", None)
    try:
        yield env
    finally:
        postgres.drop_database(postgres_server, url)


def prepare(env: dict[str, str], make: Callable | None = None) -> str:  # type: ignore[type-arg]
    """Build the app once before the workers start (its development keys exist then, as after
    ``make setup``) and run ``make(app)`` on it; its output."""
    from ecert.app import create_app
    from ecert.settings import Settings

    app = create_app(Settings.from_env(env))
    try:
        return "" if make is None else str(make(app))
    finally:
        app.extensions["ecert"].db.dispose()


@contextmanager
def served(env: dict[str, str], folder: Path, worker_class: str = "sync") -> Iterator[Site]:
    """gunicorn.conf.py's server, with sync workers unless told (its own: gthread, 4 threads)."""
    port = free_port()
    site = Site(f"http://127.0.0.1:{port}", folder / "access.log", folder / "gunicorn.err")
    env = {**env, "ECERT_BIND": f"127.0.0.1:{port}", "ECERT_ACCESS_LOG": str(site.access_log)}
    with site.errors.open("w") as errors:
        server = subprocess.Popen(
            [str(GUNICORN), "-c", "gunicorn.conf.py"]
            + (["--worker-class", "sync", "--threads", "1"] if worker_class == "sync" else []),
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
    try:
        deadline = time.monotonic() + 90
        opener = urllib.request.build_opener(NoRedirect)
        while True:
            if server.poll() is not None:
                pytest.fail(f"gunicorn exited with {server.returncode}: {site.errors.read_text()[-3000:]}")
            try:
                if fetch(opener, f"{site.base}/healthz").status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("gunicorn did not answer /healthz within 90 s")
            time.sleep(0.2)
        # Both workers up (each builds its own app) before the test begins.
        with ThreadPoolExecutor(max_workers=4) as pool:
            while len({pid for _, path, _, pid in site.lines() if path == "/healthz"}) < 2:
                assert time.monotonic() < deadline, "the second worker did not start"
                list(pool.map(lambda _: fetch(opener, f"{site.base}/healthz"), range(8)))
        yield site
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    log = site.errors.read_text()
    assert server.returncode == 0, log[-3000:]
    # Each record starts a line with "[time]"; only one Flask-Limiter logged as let through may
    # carry a traceback (``ecert.web``: a thread that met the Redis outage as it began).
    records = log.split("\n[")
    assert not [r for r in records if "Traceback" in r and "Swallowing error" not in r], log[-3000:]


def qr_page_answers(site: Site, count: int) -> list[int]:
    """``count`` QR page requests from one client, four at a time: their statuses."""
    opener = urllib.request.build_opener(NoRedirect)
    urls = [f"{site.base}/v/{secrets.token_urlsafe(15)}" for _ in range(count)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        return [answer.status for answer in pool.map(lambda url: fetch(opener, url), urls)]


def test_a_rate_limit_in_redis_holds_across_both_workers(home: dict[str, str], redis_url: str, tmp_path: Path) -> None:
    prepare(home)
    with served({**home, "ECERT_RATELIMIT_STORAGE_URI": redis_url}, tmp_path) as site:
        statuses = qr_page_answers(site, PAGE_LIMIT + 10)
        assert statuses.count(429) == 10, statuses
        readiness = json.loads(fetch(urllib.request.build_opener(), f"{site.base}/readyz").body)
        assert readiness["checks"]["rate_limits"] == {"ok": True, "detail": "shared"}
        # Refused by both workers, whichever takes the request: keep asking until each has.
        deadline = time.monotonic() + 60
        while len({pid for _, path, status, pid in site.lines() if path.startswith("/v/") and status == 429}) < 2:
            assert time.monotonic() < deadline, "one worker never answered"
            assert set(qr_page_answers(site, 8)) == {429}
        pages = [(status, pid) for _, path, status, pid in site.lines() if path.startswith("/v/")]
    served_by = {pid for _, pid in pages if pid}
    allowed_by = {pid for status, pid in pages if status != 429}
    assert len(served_by) == 2, pages
    assert allowed_by == served_by, pages  # the 20 allowed were spread over both workers ...
    assert sum(status != 429 for status, _ in pages) == PAGE_LIMIT  # ... and counted together
    assert "memory" not in site.errors.read_text()  # no warning: the counters are shared


def test_without_redis_each_worker_counts_alone_and_gunicorn_warns(home: dict[str, str], tmp_path: Path) -> None:
    """The control: the same requests with ``memory://`` get more than the limit through
    (each worker allows 20), which is what the test above would catch."""
    prepare(home)
    with served(home, tmp_path) as site:
        deadline = time.monotonic() + 60
        allowed_by: set[str] = set()
        while len(allowed_by) < 2:
            assert time.monotonic() < deadline, "one worker never answered"
            qr_page_answers(site, 8)
            allowed_by = {pid for _, path, status, pid in site.lines() if path.startswith("/v/") and status != 429}
        qr_page_answers(site, 2 * PAGE_LIMIT)
        allowed = [pid for _, path, status, pid in site.lines() if path.startswith("/v/") and status != 429]
    assert len(allowed) > PAGE_LIMIT
    assert "rate limits are counted in each of the 2 workers' own memory" in site.errors.read_text()


@pytest.mark.parametrize("worker_class", ["sync", "gthread"])
def test_while_redis_is_down_each_worker_limits_alone_and_no_request_fails(
    home: dict[str, str], tmp_path: Path, worker_class: str
) -> None:
    """An outage of Redis is no outage of the site: each worker counts in its own memory
    (the same limits, per worker) instead of answering 500 or letting every request in."""
    prepare(home)
    with (
        redis_server.server() as url,
        served({**home, "ECERT_RATELIMIT_STORAGE_URI": url}, tmp_path, worker_class) as site,
    ):
        assert set(qr_page_answers(site, 4)) == {404}  # counted in Redis
        redis_server.shut_down(url)
        statuses = qr_page_answers(site, 3 * PAGE_LIMIT)
        readiness = fetch(urllib.request.build_opener(), f"{site.base}/readyz")
        after = site.lines()
    # Still ready (the site serves, its limits hold per worker), and saying why to a monitor.
    assert readiness.status == 200, readiness.body
    assert json.loads(readiness.body)["checks"]["rate_limits"] == {
        "ok": True,
        "detail": "unreachable, counted per worker",
    }
    assert set(statuses) == {404, 429}, statuses
    # At most the limit from each of the two workers (and any request let through as the
    # outage began, each one logged).
    let_through = site.errors.read_text().count("Failed to rate limit. Swallowing error")
    assert statuses.count(404) <= 2 * PAGE_LIMIT + let_through
    assert all(status in (200, 404, 429) for _, _, status, _ in after), after  # no 500
    assert "falling back to in-memory storage" in site.errors.read_text()


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, page[:2000]
    return html.unescape(match[1])


def test_a_staff_login_made_by_one_worker_holds_on_the_other_until_logout_on_both(
    home: dict[str, str], redis_url: str, tmp_path: Path
) -> None:
    output = prepare(
        home,
        lambda app: (
            app.test_cli_runner()
            .invoke(args=["users", "create", "ops.li", "--role", "reviewer", "--with-totp"], input=PASSWORD + "\n")
            .output
        ),
    )
    secret = secret_of(output)
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(NoRedirect, urllib.request.HTTPCookieProcessor(jar))
    with served({**home, "ECERT_RATELIMIT_STORAGE_URI": redis_url}, tmp_path) as site:
        login = f"{site.base}/account/login"
        form = {"login": "ops.li", "password": PASSWORD, "csrf_token": csrf_of(fetch(browser, login).body)}
        assert fetch(browser, login, form).location.endswith("/account/totp")
        token = csrf_of(fetch(browser, f"{site.base}/account/totp").body)
        before_code = site.mark()
        answer = fetch(browser, f"{site.base}/account/totp", {"code": now_code(secret), "csrf_token": token})
        assert answer.status == 302 and answer.location.endswith("/console/"), answer
        [(_, _, _, logged_in_by)] = [line for line in site.lines(before_code) if line[1] == "/account/totp"]
        cookie = "; ".join(f"{c.name}={c.value}" for c in jar)  # a copy, kept to try again after the logout

        def console_answers(rounds: int = 8) -> list[Answer]:
            with ThreadPoolExecutor(max_workers=4) as pool:
                return list(pool.map(lambda _: fetch(browser, f"{site.base}/console/", Cookie=cookie), range(rounds)))

        def until_both_answered(since: int, check: Callable[[list[Answer]], None]) -> set[str]:
            deadline = time.monotonic() + 60
            while True:
                check(console_answers())
                pids = {pid for _, path, _, pid in site.lines(since) if path == "/console/"}
                if len(pids) == 2:
                    return pids
                assert time.monotonic() < deadline, "one worker never answered"

        def logged_in(answers: list[Answer]) -> None:
            assert all(a.status == 200 and "ops.li" in a.body for a in answers), [
                (a.status, a.location) for a in answers
            ]

        def sent_to_login(answers: list[Answer]) -> None:
            assert all(a.status == 302 and "/account/login" in a.location for a in answers), [a.status for a in answers]

        start = site.mark()
        before = until_both_answered(start, logged_in)
        assert logged_in_by in before and len(before) == 2  # the other worker honoured the login too

        token = csrf_of(fetch(browser, login).body)
        assert fetch(browser, f"{site.base}/account/logout", {"csrf_token": token}).status == 302
        after_logout = site.mark()
        after = until_both_answered(after_logout, sent_to_login)  # the copy made before the logout
        assert after == before
        assert {status for _, path, status, _ in site.lines(after_logout) if path == "/console/"} == {302}
        assert {status for _, path, status, _ in site.lines(start) if path == "/console/"} == {200, 302}
        # The browser's own cookie (cleared by the logout) is no better.
        assert fetch(browser, f"{site.base}/console/").status == 302

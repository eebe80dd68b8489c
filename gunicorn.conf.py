"""gunicorn settings for production: ``gunicorn -c gunicorn.conf.py`` (the app is named below).

The application itself reads its settings from ``ECERT_*`` (README, "Configuration"); this
file only says how the server runs it. Overrides, all optional:

- ``ECERT_BIND``: address(es) to listen on, comma-separated (default ``127.0.0.1:8000``:
  behind the reverse proxy, which sets ``ECERT_TRUSTED_PROXIES``).
- ``WEB_CONCURRENCY``: worker processes (default: the CPUs this process may use, at least 2).
- ``ECERT_WEB_THREADS``: threads per worker (default 4).
- ``ECERT_WEB_TIMEOUT``: seconds a request may take before its worker is replaced (default 60).
- ``ECERT_ACCESS_LOG``: where gunicorn writes its access log (default ``-``, standard output;
  empty: none, when the proxy's log is the one kept).
- ``ECERT_CONTROL_SOCKET``: path of gunicorn's control socket (default: none).
"""

from __future__ import annotations

import os

wsgi_app = "ecert.app:create_app()"

bind = [address.strip() for address in os.environ.get("ECERT_BIND", "127.0.0.1:8000").split(",") if address.strip()]

# Threads, not sync workers: a PDF check waits for a sandbox child (up to ECERT_SANDBOX_WAIT +
# ECERT_SANDBOX_TIMEOUT, 25 s by default) and a signature for the timestamp authority; with
# threads one slow request does not hold a whole process, and the sandbox's per-process queue
# (ECERT_SANDBOX_WORKERS, ECERT_SANDBOX_QUEUE) is what bounds the work, as designed.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY") or max(2, len(os.sched_getaffinity(0))))
threads = int(os.environ.get("ECERT_WEB_THREADS") or 4)

# Every worker builds its own app: its own database connection pool, its own lazily started
# sandbox forkserver (ecert.sandbox), its own signer (a PKCS#11 session is per process).
# Preloading would build the engine, threads and locks in the master and fork them into every
# worker, where a pooled connection or a held lock shared across processes breaks.
preload_app = False

# Longer than the slowest legitimate request: a PDF check (wait + timeout, 25 s by default) or
# a signature with two RFC 3161 requests of up to 10 s each. The proxy's own timeout should be
# a little longer still, so that it never answers 504 for a request still being served.
timeout = int(os.environ.get("ECERT_WEB_TIMEOUT") or 60)
graceful_timeout = 30  # a restart lets requests in flight (a signature being made) finish
keepalive = 5  # shorter than the proxy's idle timeout towards its upstream

# A worker is replaced after this many requests (with jitter, not all at once): memory a long
# run might gather is given back. Rate-limit counters are in shared storage in production.
max_requests = 5000
max_requests_jitter = 500

# Client addresses and schemes come from ProxyFix as ECERT_TRUSTED_PROXIES says (ecert.web),
# in one place: gunicorn itself trusts no forwarding header.
forwarded_allow_ips = ""

# The access log records the path without its query (%(U)s, never %(r)s or %(q)s): a QR URL's
# query is its signed claim, which no log keeps (ecert/access_log.py); nor the Referer, which
# may be such a URL. The worker's pid says which process served the request.
accesslog = os.environ.get("ECERT_ACCESS_LOG", "-") or None
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms pid=%(p)s'
errorlog = "-"
loglevel = "info"

# Recent gunicorn's control socket (gunicornc) defaults to one path in the user's home, shared by every
# instance on the machine (an issuer and a verifier, two test runs): off unless
# ECERT_CONTROL_SOCKET names this instance's own path. Signals (HUP, TERM, TTIN) still work.
control_socket = os.environ.get("ECERT_CONTROL_SOCKET", "")
control_socket_disable = not control_socket

# The heartbeat file of each worker on a memory file system, where there is one (a container's
# disk-backed /tmp can stall the heartbeat and get healthy workers killed).
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"


def when_ready(server):  # type: ignore[no-untyped-def]
    """Warn at start when workers would each keep their own rate-limit counters.

    Production refuses ``memory://`` outright (``Settings.check``); a development home
    served by several workers starts, but each worker then lets a client make the limit's
    number of requests, so the effective limit is that many times higher."""
    storage = os.environ.get("ECERT_RATELIMIT_STORAGE_URI", "memory://")
    count = server.cfg.workers  # the command line's -w, if given, wins over the file
    if count > 1 and storage.startswith("memory://"):
        server.log.warning(
            "rate limits are counted in each of the %d workers' own memory (ECERT_RATELIMIT_STORAGE_URI=%s): "
            "set ECERT_RATELIMIT_STORAGE_URI=redis://... so that they hold across workers and machines",
            count,
            storage,
        )

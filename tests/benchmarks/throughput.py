"""Target 2 (`make bench` only): under gunicorn with the production settings, 8 connections, the Members page of
the 100,000-member organization serves at least half the requests/s of the Billing page, with p95 <= 300 ms.

gunicorn listens on a free port of 127.0.0.1 only; wrk (apt-get install wrk) drives it, alternating Billing and
Members runs. Without wrk the comparison is skipped with a message.
"""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from tests.benchmarks.harness import ROOT, Verdict, print_table
from tests.benchmarks.seed import SeededOrganization

SECONDS = 8
ROUNDS = 3
CONNECTIONS = 8
# wrk's summary: requests/s and the 95th percentile latency (microseconds), one line.
WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT %f %f %d\\n", summary.requests / (summary.duration / 1e6),
                         latency:percentile(95), summary.errors.status + summary.errors.connect))
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _session_cookie(owner_id: int) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from members.models import User

    user = User.objects.get(pk=owner_id)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def _start_gunicorn(database_url: str, port: int, log) -> subprocess.Popen:
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "orgconsole.settings.production",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "ACCESS_LOG_LEVEL": "WARNING",
    }
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    command = [gunicorn, "-c", "orgconsole/gunicorn.conf.py", "orgconsole.wsgi"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("gunicorn did not start")


def _wrk(url: str, cookie: str, script: str) -> tuple[float, float]:
    output = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "-s", script, "-H", f"Cookie: sessionid={cookie}", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(line for line in output.splitlines() if line.startswith("RESULT"))
    rate, p95_us, errors = line.split()[1:]
    assert int(errors) == 0, output
    return float(rate), float(p95_us) / 1000


def run(*, database_url: str, org: SeededOrganization) -> list[Verdict]:
    if shutil.which("wrk") is None:
        print("\nTarget 2 skipped: wrk is not installed (apt-get install wrk).")
        return []
    from django.db import connections

    cookie = _session_cookie(org.owner_id)
    connections.close_all()
    port = free_port()
    base = f"http://127.0.0.1:{port}/o/{org.slug}"
    pages = {"Billing": f"{base}/billing/", "Members": f"{base}/members/"}
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in pages}
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script, tempfile.TemporaryFile("w+") as log:
        script.write(WRK_SCRIPT)
        script.flush()
        server = _start_gunicorn(database_url, port, log)
        try:
            for url in pages.values():  # warm-up: connections, templates
                subprocess.run(
                    ["wrk", "-t1", "-c2", "-d2s", "-H", f"Cookie: sessionid={cookie}", url],
                    check=True,
                    capture_output=True,
                )
            for round_number in range(ROUNDS):
                names = list(pages) if round_number % 2 == 0 else list(pages)[::-1]
                for name in names:
                    results[name].append(_wrk(pages[name], cookie, script.name))
        finally:
            server.terminate()
            server.wait(timeout=30)
    return _report(results, org)


def _report(results: dict[str, list[tuple[float, float]]], org: SeededOrganization) -> list[Verdict]:
    billing = statistics.median(rate for rate, _ in results["Billing"])
    members = statistics.median(rate for rate, _ in results["Members"])
    members_p95 = statistics.median(p95 for _, p95 in results["Members"])
    billing_p95 = statistics.median(p95 for _, p95 in results["Billing"])
    ratio = members / billing
    print_table(
        f"Target 2: gunicorn (production settings), {CONNECTIONS} connections, {org.members:,} members "
        f"(≥ 50 % of Billing, p95 ≤ 300 ms; median of {ROUNDS} alternating {SECONDS} s runs)",
        ["page", "requests/s", "p95"],
        [
            ["Billing", f"{billing:,.0f}", f"{billing_p95:,.0f} ms"],
            ["Members", f"{members:,.0f}", f"{members_p95:,.0f} ms"],
            ["Members / Billing", f"**{ratio:.0%}**", ""],
        ],
    )
    return [
        Verdict("2. Members/Billing requests per second", ratio, 0.5, higher_is_better=True),
        Verdict("2. Members p95 (ms)", members_p95, 300.0),
    ]

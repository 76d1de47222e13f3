"""Target 2 (`make bench` only): under gunicorn with the production settings, 8 connections, the Members page of
the 100,000-member organization serves at least half the requests/s of the Billing page, with p95 <= 300 ms.

gunicorn listens on a free port of 127.0.0.1 only; wrk (apt-get install wrk) drives it, alternating Billing and
Members runs. Without wrk the comparison is skipped with a message.
"""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tests.benchmarks.harness import ROOT, Verdict, print_table
from tests.benchmarks.seed import SeededOrganization

SECONDS = 8
ROUNDS = int(os.environ.get("BENCH_T2_ROUNDS", "3"))  # more rounds for a steadier median on a busy machine
CONNECTIONS = 8
# The production settings' SESSION_COOKIE_NAME. wrk counts a redirect as a success, so ``_check_signed_in`` makes sure
# each page answers 200 with this cookie: with the wrong name both pages were a cheap redirect to sign in.
COOKIE_NAME = "__Host-sessionid"
SECRET_KEY = "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
# wrk's summary: requests/s and the 95th percentile latency (microseconds), one line.
WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT %f %f %d\\n", summary.requests / (summary.duration / 1e6),
                         latency:percentile(95), summary.errors.status + summary.errors.connect))
end
"""


@dataclass
class Run:
    """One wrk run: requests/s, 95th percentile latency (ms), and the 1-minute load average after it."""

    rate: float
    p95: float
    load: float


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _session_cookie(owner_id: int) -> str:
    """A signed-in session for gunicorn: signed with its SECRET_KEY (session data and the auth hash are)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.test.utils import override_settings

    from members.models import User

    with override_settings(SECRET_KEY=SECRET_KEY):
        user = User.objects.get(pk=owner_id)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
    return session.session_key


def _start_gunicorn(database_url: str, port: int, log) -> subprocess.Popen:
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "orgconsole.settings.production",
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET_KEY,
        "SITE_URL": f"http://127.0.0.1:{port}",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "ACCESS_LOG_LEVEL": "WARNING",
    }
    # The production settings serve hashed static files from a manifest that collectstatic writes (as `make serve`).
    collect = [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"]
    subprocess.run(collect, cwd=ROOT, env=env, check=True)
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
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "-s", script, "-H", f"Cookie: {COOKIE_NAME}={cookie}", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(line for line in output.splitlines() if line.startswith("RESULT"))
    rate, p95_us, errors = line.split()[1:]
    assert int(errors) == 0, output
    return float(rate), float(p95_us) / 1000


def _check_signed_in(url: str, cookie: str) -> None:
    """The page itself, not a redirect to sign in (urllib would follow it: http.client does not)."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("GET", parts.path, headers={"Cookie": f"{COOKIE_NAME}={cookie}"})
        response = connection.getresponse()
        if response.status != 200:
            raise RuntimeError(f"{url} answered {response.status} {response.getheader('Location', '')}, not the page")
    finally:
        connection.close()


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
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script, tempfile.TemporaryFile("w+") as log:
        script.write(WRK_SCRIPT)
        script.flush()
        server = _start_gunicorn(database_url, port, log)
        try:
            results = _measure(pages, cookie, script.name)
        except (RuntimeError, subprocess.CalledProcessError, AssertionError) as error:
            log.seek(0)
            raise RuntimeError(f"{error}\ngunicorn's log:\n{log.read()[-4000:]}") from error
        finally:
            server.terminate()
            server.wait(timeout=30)
    return _report(results, org)


def _measure(pages: dict[str, str], cookie: str, script: str) -> dict[str, list[Run]]:
    """Alternating runs of each page; the machine's load average (1 min) after each, for context."""
    results: dict[str, list[Run]] = {name: [] for name in pages}
    for url in pages.values():  # warm-up: connections, templates
        _check_signed_in(url, cookie)
        subprocess.run(
            ["wrk", "-t1", "-c2", "-d2s", "-H", f"Cookie: {COOKIE_NAME}={cookie}", url], check=True, capture_output=True
        )
    for round_number in range(ROUNDS):
        names = list(pages) if round_number % 2 == 0 else list(pages)[::-1]
        for name in names:
            rate, p95 = _wrk(pages[name], cookie, script)
            results[name].append(Run(rate, p95, os.getloadavg()[0]))
    for url in pages.values():
        _check_signed_in(url, cookie)  # still signed in at the end: every run measured the page
    return results


def _report(results: dict[str, list[Run]], org: SeededOrganization) -> list[Verdict]:
    billing, members = results["Billing"], results["Members"]
    rate = {name: statistics.median(run.rate for run in runs) for name, runs in results.items()}
    p95 = {name: statistics.median(run.p95 for run in runs) for name, runs in results.items()}
    ratio = rate["Members"] / rate["Billing"]
    paired = statistics.median(m.rate / b.rate for m, b in zip(members, billing, strict=True))
    loads = [run.load for runs in results.values() for run in runs]
    print_table(
        f"Target 2: gunicorn (production settings), {CONNECTIONS} connections, {org.members:,} members "
        f"(≥ 50 % of Billing, p95 ≤ 300 ms; median of {ROUNDS} alternating {SECONDS} s runs; "
        f"load average {min(loads):.1f} to {max(loads):.1f})",
        ["page", "requests/s", "p95", "each run: requests/s, p95"],
        [
            *(
                [
                    name,
                    f"{rate[name]:,.0f}",
                    f"{p95[name]:,.0f} ms",
                    ", ".join(f"{r.rate:,.0f}/s {r.p95:,.0f} ms" for r in runs),
                ]
                for name, runs in results.items()
            ),
            [
                "Members / Billing",
                f"**{ratio:.0%}** (per-round {paired:.0%})",
                f"{p95['Members'] / p95['Billing']:.2f}x",
                "",
            ],
        ],
    )
    return [
        Verdict("2. Members/Billing requests per second", ratio, 0.5, higher_is_better=True, paired=paired),
        Verdict("2. Members p95 (ms)", p95["Members"], 300.0),
    ]

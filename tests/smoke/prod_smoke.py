"""Production smoke test (`make smoke-prod`): the real web and worker processes on PostgreSQL.

Creates a throwaway database, starts `make serve` (collectstatic, migrate, gunicorn with production settings
behind a pretend TLS proxy) and `make worker`, signs in over HTTP, invites someone through the Members page,
waits until the worker has delivered the invitation (anymail's console backend prints it to the worker's
output), checks the link in it comes from SITE_URL, then stops everything and drops the database.

Not collected by pytest (no test_ prefix). Environment: SMOKE_PG_URL (default postgres://postgres@127.0.0.1:5432),
SMOKE_PORT (default: a free port).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from html import unescape
from pathlib import Path
from urllib.parse import urlencode

import psycopg


def free_port() -> int:
    """A port nothing listens on now (another smoke run or test server may hold the usual ones)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


ROOT = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("SMOKE_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
PORT = int(os.environ.get("SMOKE_PORT") or 0) or free_port()
HOST = "127.0.0.1"
SITE_URL = "https://console.smoke.example"
OWNER_EMAIL, OWNER_PASSWORD = "owner@smoke.example", "smoke-test-correct-horse"
INVITEE = "new.person@smoke.example"
TIMEOUT = 60


def log(message: str) -> None:
    print(f"[smoke-prod] {message}", flush=True)


@contextmanager
def throwaway_database() -> Iterator[str]:
    name = f"orgconsole_smoke_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    log(f"created database {name}")
    try:
        yield f"{PG_URL}/{name}"
    finally:
        with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        log(f"dropped database {name}")


def production_env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "ANYMAIL_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="orgconsole.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=database_url,
        ALLOWED_HOSTS=HOST,
        SITE_URL=SITE_URL,
        # gunicorn sees plain HTTP from us; we play the TLS proxy and send X-Forwarded-Proto: https.
        BEHIND_TLS_PROXY="true",
        EMAIL_BACKEND="anymail.backends.console.EmailBackend",
        HOST=HOST,
        PORT=str(PORT),
        WEB_CONCURRENCY="2",
        GUNICORN_THREADS="2",
        PYTHONUNBUFFERED="1",
    )
    return env


class Browser:
    """Just enough of a browser: cookies (Secure ones too, since we are 'behind TLS'), CSRF, no redirects."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> http.client.HTTPResponse:
        headers = {
            "Host": f"{HOST}:{PORT}",
            "X-Forwarded-Proto": "https",
            "Accept-Encoding": "gzip",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"https://{HOST}:{PORT}"
            headers["Referer"] = f"https://{HOST}:{PORT}{path}"
        conn = http.client.HTTPConnection(HOST, PORT, timeout=15)
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.text = response.read().decode("utf-8", "replace")  # type: ignore[attr-defined]
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        conn.close()
        return response

    def get(self, path: str) -> http.client.HTTPResponse:
        return self.request("GET", path)

    def post(self, path: str, form: dict[str, str]) -> http.client.HTTPResponse:
        return self.request("POST", path, form)


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def form_field(html: str, pattern: str, tag: str = "(?:input|textarea|select)") -> str:
    match = re.search(rf'<{tag}[^>]*name="([^"]*{pattern}[^"]*)"', html)
    assert match, f"no form field matching {pattern!r}"
    return match.group(1)


def wait_until(what: str, predicate, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with suppress(OSError):
            if predicate():
                return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def start(target: str, env: dict[str, str], output: Path) -> subprocess.Popen:
    log(f"starting make {target} (output in {output})")
    return subprocess.Popen(
        ["make", "--no-print-directory", target],
        cwd=ROOT,
        env=env,
        stdout=output.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: make, its shell and gunicorn's workers stop together
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def seed(env: dict[str, str]) -> None:
    """The owner and the organization, through the ORM (migrations have run)."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from allauth.account.models import EmailAddress
    from django.db import connection

    from members import services
    from members.models import User

    owner = User.objects.create_user(OWNER_EMAIL, OWNER_PASSWORD, name="Smoke Owner")
    EmailAddress.objects.create(user=owner, email=OWNER_EMAIL, verified=True, primary=True)
    organization = services.create_organization(actor=owner, name="Smoke Org")
    assert organization.slug == "smoke-org", organization.slug
    connection.close()


def outbox_status(env: dict[str, str]) -> str | None:
    from members.models import OutboundEmail

    row = OutboundEmail.objects.filter(to_email=INVITEE, kind=OutboundEmail.Kind.INVITATION).first()
    return row.status if row else None


def main() -> int:
    logs = Path(tempfile.mkdtemp(prefix="orgconsole-smoke-"))
    with throwaway_database() as database_url:
        env = production_env(database_url)
        web = start("serve", env, logs / "web.log")
        worker = None
        try:
            browser = Browser()
            wait_until("gunicorn to answer /healthz", lambda: browser.get("/healthz").status == 200, timeout=120)
            log("web is up: /healthz is 200")
            seed(env)
            worker = start("worker", env, logs / "worker.log")

            page = browser.get("/accounts/login/")
            assert page.status == 200, page.status
            for header in ("Strict-Transport-Security", "Content-Security-Policy", "X-Request-ID"):
                assert page.headers.get(header), f"{header} missing on the sign-in page"
            stylesheet = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', page.text)  # type: ignore[attr-defined]
            assert stylesheet, "no hashed stylesheet URL (whitenoise manifest)"
            css = browser.get(stylesheet.group(1))
            assert css.status == 200 and css.headers.get("Content-Encoding") == "gzip", "static files not compressed"
            log("static files: hashed name, gzip, served by whitenoise")

            signed_in = browser.post(
                "/accounts/login/",
                {"csrfmiddlewaretoken": csrf_token(page.text), "login": OWNER_EMAIL, "password": OWNER_PASSWORD},  # type: ignore[attr-defined]
            )
            assert signed_in.status == 302, f"sign-in failed: {signed_in.status}"
            log("signed in")

            invite_path = "/o/smoke-org/members/invite/"
            form = browser.get(invite_path)
            assert form.status == 200, f"GET {invite_path}: {form.status}"
            html = form.text  # type: ignore[attr-defined]
            fields = {"csrfmiddlewaretoken": csrf_token(html), form_field(html, "email"): INVITEE}
            fields[form_field(html, "role", "select")] = "member"
            sent = browser.post(invite_path, fields)
            assert sent.status == 302, f"invite refused: {sent.status} {unescape(sent.text)[:2000]}"  # type: ignore[attr-defined]
            log(f"invited {INVITEE}")

            wait_until("the worker to send the invitation", lambda: outbox_status(env) == "sent")
            output = (logs / "worker.log").read_text()
            assert INVITEE in output, "the invitation is not in the worker's output"
            links = re.findall(r"https?://[^\s\"<>]+/", output)
            invite_links = [link for link in links if "invit" in link]
            assert invite_links and all(link.startswith(SITE_URL) for link in invite_links), invite_links
            log("the worker delivered the invitation; its link starts with SITE_URL")

            web_log = (logs / "web.log").read_text()
            lines = [json.loads(line) for line in web_log.splitlines() if line.startswith("{")]
            invite_lines = [line for line in lines if line.get("message") == "membership.invited"]
            assert invite_lines and invite_lines[0].get("request_id"), "no JSON log line for the invite"
            log("JSON log line for the invite carries a request id")
        except BaseException:
            for name in ("web.log", "worker.log"):
                path = logs / name
                if path.exists():
                    print(f"----- {name} (last 60 lines) -----\n" + "\n".join(path.read_text().splitlines()[-60:]))
            raise
        finally:
            if worker is not None:
                stop(worker)
            stop(web)
            with suppress(Exception):
                from django.db import connections

                connections.close_all()
    log("passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Browser journeys: Playwright (pytest-playwright) driving Chromium against pytest-django's live server.

Every page a test opens is watched (``BrowserProblems``): an uncaught JavaScript error, a console error, a
Content-Security-Policy violation, or a failed request for a static asset (or any other subresource) fails the
test at teardown. ``check_screen`` saves a screenshot under ``artifacts/screenshots/`` and runs axe-core on it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import axe_playwright_python
import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.test import Client
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Playwright, Request, Response, Route

from members.models import User
from tests.browser import chromium
from tests.helpers import run_worker

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
AXE_REPORTS = ARTIFACTS / "axe"
# The two images the README shows; rewritten only with UPDATE_SCREENSHOTS=1.
README_IMAGES = Path(__file__).resolve().parent / "screenshots"

# Debian's chromium when installed (`make test` installs it), else Playwright's own (`playwright install chromium`).
SYSTEM_CHROMIUM = chromium.system_chromium()
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"
VIEWPORT = {"width": 1280, "height": 800}
# Wall-clock time is not a test result on a shared machine (the same suite took 150 s quiet and 206 s at load 7):
# past its target the run says so; only a suite slow enough to threaten CI's 20-minute run fails it.
SUITE_TARGET_SECONDS = 180
SUITE_CEILING_SECONDS = 480

AXE_SOURCE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_FAILING_IMPACTS = {"serious", "critical"}
AXE_RUN = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => ({target: n.target.join(" "), summary: n.failureSummary})),
  }));
}"""

# axe-core takes a <label for> at its word; the browser gives it to the first element with that id. So
# check what the browser does: every visible control is labelled, and no id is used twice.
UNLABELLED_CONTROLS = """() => {
  const controls = document.querySelectorAll("input:not([type=hidden]), select, textarea");
  const unlabelled = [...controls].filter((el) => el.getClientRects().length
    && ![...el.labels].some((label) => label.textContent.trim())
    && !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby"));
  const ids = [...document.querySelectorAll("[id]")].map((el) => el.id);
  const duplicates = ids.filter((id, i) => ids.indexOf(id) !== i);
  return [...unlabelled.map((el) => `no label: ${el.outerHTML.slice(0, 120)}`),
          ...duplicates.map((id) => `duplicate id: ${id}`)];
}"""

# Reports each CSP violation to the test at once (a binding is not script the page runs, so the policy
# cannot block it, and the report survives the navigation that usually follows).
CSP_LISTENER = """document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__reportCspViolation(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"} at ${where}`);
});"""
FAILED_LOAD = re.compile(r"^Failed to load resource: the server responded with a status of \d+")


# --- The browser ------------------------------------------------------------------------------


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the browser journeys (marked ``browser`` in their modules) after every other test (see
    ``playwright`` below)."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)  # stable: keeps pytest-django's order
    if any(item.get_closest_marker("browser") for item in items) and not chromium.available():
        # One line that says what to do, rather than a traceback per browser test.
        raise pytest.UsageError(chromium.NO_BROWSER)


@pytest.fixture(scope="session")
def playwright(playwright: Playwright) -> Iterator[Playwright]:
    """Playwright's sync API drives the browser from an asyncio event loop that it leaves registered as
    the running loop of the main thread until the session ends. Django then takes every ORM call made
    by the tests (factories, assertions) for a call from async code and raises SynchronousOnlyOperation.
    Nothing runs concurrently on that loop, so the guard is switched off while the browser is up; the
    browser tests run last, so no other test runs with it off (a deploy check would rightly object)."""
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    yield playwright
    if previous is None:
        del os.environ[ASYNC_UNSAFE]
    else:
        os.environ[ASYNC_UNSAFE] = previous


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if SYSTEM_CHROMIUM and "channel" not in browser_type_launch_args:
        return {**browser_type_launch_args, "executable_path": SYSTEM_CHROMIUM, "args": CHROMIUM_ARGS}
    return browser_type_launch_args


@pytest.fixture(scope="session")
def base_url(live_server: Any) -> str:
    """Pages open relative to the live server (pytest-playwright passes this to every context)."""
    return live_server.url


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": VIEWPORT, "locale": "en-US", "timezone_id": "UTC"}


# --- Watching every page ----------------------------------------------------------------------


@dataclass
class BrowserProblems:
    """What went wrong in the browser during one test, from every context and page it opened."""

    found: list[str] = field(default_factory=list)
    console_errors: list[tuple[str, str]] = field(default_factory=list)
    documents: set[str] = field(default_factory=set)
    expected: list[str] = field(default_factory=list)

    def expect(self, *fragments: str) -> None:
        """A test that provokes a failure on purpose (a stale dialog's 409, a dropped connection) names it:
        a problem containing one of ``fragments`` is then what the test asked for, not a problem."""
        self.expected.extend(fragments)

    def watch(self, context: BrowserContext) -> None:
        context.expose_binding("__reportCspViolation", lambda source, text: self.found.append(f"CSP: {text}"))
        context.add_init_script(CSP_LISTENER)
        context.on("page", self.watch_page)

    def watch_page(self, page: Page) -> None:
        page.on("pageerror", lambda error: self.found.append(f"uncaught JavaScript error on {page.url}: {error}"))
        page.on("console", self._console)
        page.on("response", self._response)
        page.on("requestfailed", self._request_failed)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append((message.text, message.location.get("url", "")))

    def _response(self, response: Response) -> None:
        request = response.request
        if request.is_navigation_request():
            # A page answered with 403/404/410 is what some journeys expect; each asserts what it sees.
            self.documents.add(response.url)
        elif response.status >= 400:
            self.found.append(f"{request.resource_type} {request.method} {response.url} answered {response.status}")

    def _request_failed(self, request: Request) -> None:
        # ERR_ABORTED: the page navigated away before the request finished (a favicon still loading when a
        # test moves on); nothing was missing.
        if not request.is_navigation_request() and request.failure != "net::ERR_ABORTED":
            self.found.append(f"{request.resource_type} {request.method} {request.url} failed: {request.failure}")

    def problems(self) -> list[str]:
        problems = list(self.found)
        for text, url in self.console_errors:
            # Chromium logs an error for every 4xx page too; the journey checks those pages itself.
            if FAILED_LOAD.match(text) and url in self.documents:
                continue
            problems.append(f"console error at {url}: {text}")
        return [problem for problem in problems if not any(fragment in problem for fragment in self.expected)]

    def assert_none(self) -> None:
        problems = self.problems()
        assert not problems, "the browser reported problems:\n  " + "\n  ".join(problems)


@pytest.fixture
def browser_problems() -> Iterator[BrowserProblems]:
    problems = BrowserProblems()
    yield problems
    problems.assert_none()


# --- Pages, signed in or not ------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    """allauth counts sign-ins and sign-ups in the cache; each journey starts from zero."""
    cache.clear()


OpenPage = Callable[..., Page]
WITHOUT_JAVASCRIPT: weakref.WeakSet[BrowserContext] = weakref.WeakSet()


@pytest.fixture
def open_page(
    new_context: Callable[..., BrowserContext], live_server: Any, browser_problems: BrowserProblems
) -> OpenPage:
    """A page in a fresh browser context: ``open_page(user=u)`` is already signed in as ``u``,
    ``open_page(javascript=False)`` has JavaScript off. Every page it opens is watched."""

    def open_page(*, user: User | None = None, javascript: bool = True) -> Page:
        context = new_context(java_script_enabled=javascript)
        context.set_default_timeout(10_000)
        if not javascript:
            WITHOUT_JAVASCRIPT.add(context)
        browser_problems.watch(context)
        if user is not None:
            sign_in_with_cookie(context, user, live_server.url)
        return context.new_page()

    return open_page


def sign_in_with_cookie(context: BrowserContext, user: User, url: str) -> None:
    """Signed-in state without the sign-in form (journeys that test signing in use the form): a
    session made by Django's test client, handed to the browser as its session cookie."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": url}])


# --- Screens: a screenshot and an axe-core audit ----------------------------------------------


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.x A/AA violations on the page as it is now (all impacts)."""
    if page.context in WITHOUT_JAVASCRIPT:
        return _axe_violations_of_copy(page)
    # Injected with evaluate (the DevTools protocol), which the page's CSP does not govern.
    page.evaluate(AXE_SOURCE)
    return page.evaluate(AXE_RUN, AXE_TAGS)


def _axe_violations_of_copy(page: Page) -> list[dict[str, Any]]:
    """axe-core needs timers, which do not run with JavaScript off: audit the same document (its
    HTML as rendered, at the same URL, with the same stylesheets) in a page whose own scripts are
    not loaded, so it is what a visitor without JavaScript gets."""
    html, url = page.content(), page.url
    browser = page.context.browser
    assert browser is not None
    context = browser.new_context(viewport=VIEWPORT, locale="en-US")
    try:
        copy = context.new_page()

        def serve(route: Route) -> None:
            request = route.request
            if request.url == url and request.resource_type == "document":
                route.fulfill(body=html, content_type="text/html; charset=utf-8")
            elif request.resource_type == "script":
                route.abort()
            else:
                route.continue_()

        copy.route("**/*", serve)
        copy.goto(url)
        return axe_violations(copy)
    finally:
        context.close()


def check_screen(page: Page, name: str, *, readme_image: str | None = None, readme_viewport_only: bool = False) -> None:
    """Save a screenshot of the screen and fail on any serious or critical axe-core violation.
    ``readme_viewport_only``: the README's copy shows what fits the window (a phone's first screen)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    # caret="initial": hiding the caret leaves style="" on every input, which htmx then copies onto
    # the swapped-in form with setAttribute, and the CSP rightly blocks that.
    page.screenshot(path=path, full_page=True, caret="initial")
    if readme_image and os.environ.get("UPDATE_SCREENSHOTS") == "1":
        README_IMAGES.mkdir(exist_ok=True)
        if readme_viewport_only:
            page.screenshot(path=README_IMAGES / readme_image, caret="initial")
        else:
            shutil.copyfile(path, README_IMAGES / readme_image)
    violations = axe_violations(page)
    AXE_REPORTS.mkdir(parents=True, exist_ok=True)
    (AXE_REPORTS / f"{name}.json").write_text(json.dumps(violations, indent=2))
    failing = [v for v in violations if v["impact"] in AXE_FAILING_IMPACTS]
    assert not failing, f"axe-core on {name} ({page.url}):\n" + json.dumps(failing, indent=2)
    labelling = page.evaluate(UNLABELLED_CONTROLS)
    assert not labelling, f"controls without a label on {name} ({page.url}):\n  " + "\n  ".join(labelling)


# --- Email ------------------------------------------------------------------------------------


def deliver_emails() -> None:
    """Run the queued email tasks (what `manage.py db_worker` does in production)."""
    run_worker()


def emails_to(address: str) -> list[mail.EmailMessage]:
    return [message for message in mail.outbox if address in message.to]


def link_in(message: mail.EmailMessage, live_server_url: str) -> str:
    """The invitation link in an email, pointed at the live server: links are built from SITE_URL
    (https://console.example.test in tests); the path is what matters."""
    match = re.search(re.escape(settings.SITE_URL) + r"(/invitations/[^/\s]+/)", message.body)
    assert match, f"no invitation link in:\n{message.body}"
    return live_server_url + match.group(1)


# --- The suite's running time -----------------------------------------------------------------

_durations: list[float] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _durations.append(report.duration)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Keep the browser suite honest about its time: write it (every browser test's setup, call and teardown,
    the browser launch included), say so past the target, and fail the run only past the ceiling."""
    if not _durations:
        return
    seconds = sum(_durations)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "browser-suite-seconds.txt").write_text(f"{seconds:.1f}\n")
    if seconds <= SUITE_TARGET_SECONDS:
        return
    over_ceiling = seconds > SUITE_CEILING_SECONDS
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        limit = f"its {SUITE_CEILING_SECONDS} s ceiling" if over_ceiling else f"its {SUITE_TARGET_SECONDS} s target"
        message = f"browser suite took {seconds:.0f} s, over {limit}"
        reporter.write_line(message, red=over_ceiling, yellow=not over_ceiling)
    if over_ceiling:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED

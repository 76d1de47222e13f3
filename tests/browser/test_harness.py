"""The harness's own checks can fail: a page with a CSP violation, an uncaught error, a console error, a
missing static file or an unlabelled control is reported, so a journey that passes really had none."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, Route

from members.models import Organization, User
from tests.browser.conftest import BrowserProblems, check_screen, sign_in_with_cookie

# Marked here, at collection, so that `-m "not browser"` deselects them.
pytestmark = pytest.mark.browser

MEMBERS = "/o/acme/members/"


def members_page_with(
    new_context: Callable[..., BrowserContext], live_server: Any, owner: User, extra_html: str
) -> tuple[Page, BrowserProblems]:
    """The owner's Members page with ``extra_html`` added to <main> on its way to the browser."""
    problems = BrowserProblems()
    context = new_context()
    problems.watch(context)
    sign_in_with_cookie(context, owner, live_server.url)
    page = context.new_page()

    def tamper(route: Route) -> None:
        response = route.fetch()
        route.fulfill(response=response, body=response.text().replace("</main>", f"{extra_html}</main>"))

    page.route(f"**{MEMBERS}", tamper)
    page.goto(MEMBERS)
    return page, problems


def wait_for(problems: BrowserProblems, *fragments: str) -> list[str]:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        found = problems.problems()
        if all(any(fragment in problem for problem in found) for fragment in fragments):
            return found
        time.sleep(0.05)
    raise AssertionError(f"expected problems with {fragments}, got {problems.problems()}")


def test_the_harness_reports_csp_violations_errors_and_missing_static_files(
    new_context: Callable[..., BrowserContext], live_server: Any, owner: User, organization: Organization
) -> None:
    page, problems = members_page_with(
        new_context,
        live_server,
        owner,
        '<p style="color: red">x</p><script>void 0</script><img src="/static/missing.png" alt="">',
    )
    page.evaluate("() => { setTimeout(() => { throw new Error('thrown by the test'); }); }")
    page.evaluate("() => console.error('logged by the test')")

    found = wait_for(
        problems,
        "CSP: style-src-attr blocked inline",
        "CSP: script-src-elem blocked inline",
        "/static/missing.png answered 404",
        "uncaught JavaScript error",
        "logged by the test",
    )
    with pytest.raises(AssertionError, match="the browser reported problems"):
        problems.assert_none()
    assert len(found) >= 5

    # A test that provokes a failure on purpose names it; only that one stops counting.
    problems.expect("logged by the test")
    remaining = problems.problems()
    assert not any("logged by the test" in problem for problem in remaining)
    assert any("CSP: style-src-attr blocked inline" in problem for problem in remaining)


def test_the_harness_fails_a_screen_with_an_unlabelled_control(
    new_context: Callable[..., BrowserContext], live_server: Any, owner: User, organization: Organization
) -> None:
    page, problems = members_page_with(new_context, live_server, owner, '<input type="text" name="nameless">')
    with pytest.raises(AssertionError, match='"id": "label"'):
        check_screen(page, "harness-unlabelled-control")
    problems.assert_none()


def test_the_harness_fails_a_screen_whose_label_belongs_to_another_control(
    new_context: Callable[..., BrowserContext], live_server: Any, owner: User, organization: Organization
) -> None:
    """Two controls with one id: axe-core is satisfied, the browser labels only the first."""
    page, problems = members_page_with(
        new_context, live_server, owner, '<input id="filter_q" name="again"><label for="filter_q">Again</label>'
    )
    with pytest.raises(AssertionError, match="duplicate id: filter_q"):
        check_screen(page, "harness-duplicate-id")
    problems.assert_none()

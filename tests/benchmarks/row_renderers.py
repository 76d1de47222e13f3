"""The Members page's 50 rows, three renderers side by side in one run: the f-strings (member_table.py), the
Jinja2 fragment (templates/jinja2/members/member_rows.html) and Django's engine (a twin of it in
tests/benchmarks/templates/, compiled once, as the cached loader keeps it). Interleaved rounds, medians.

    .venv/bin/python tests/benchmarks/row_renderers.py [--rounds 200]

No database: the rows are built in memory, an owner's view (every column, every action). Each renderer's output
is checked to be the f-strings' markup first (the quote entities aside: html.escape and markupsafe spell them
differently)."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


def build_rows(count: int = 50) -> list:
    from members.models import Invitation, Organization, User
    from members.selectors import MemberRow
    from members.templatetags.member_table import with_action_urls

    start = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    inviter = User(id=1, name="Grace Hopper", email="grace@example.com")
    projects = [(f"Project {n}", "Project Read-Only") for n in range(4)]
    rows = []
    for n in range(count):
        date = start + timedelta(days=n % 20, hours=n)
        if n % 3:  # two members for each invitation
            rows.append(
                MemberRow(
                    kind="membership", id=100 + n, name=f"Member Number{n}" if n % 4 else "",
                    email=f"member{n}@example.com", role="owner" if n % 7 == 0 else "member",
                    status="verified", delivery="", date=date, invited_by=inviter if n % 2 else None,
                    projects=projects[: n % 5], user_id=1000 + n, two_factor=bool(n % 2),
                    last_active=date + timedelta(days=3) if n % 5 else None,
                )
            )  # fmt: skip
        else:
            delivery = ("sent", "link_only", "bounced")[(n // 3) % 3]
            expires = date + timedelta(days=7)
            rows.append(
                MemberRow(
                    kind="invitation", id=500 + n, name="", email=f"invitee{n}@example.com", role="member",
                    status="expired" if n % 9 == 0 else "pending", delivery=delivery, date=date,
                    invited_by=inviter, projects=projects[: n % 4], obj=Invitation(expires_at=expires),
                )
            )  # fmt: skip
    rows[1].name = "Ada <script>\"x\" 'y'</script> {{ 7*7 }} & {% now %}"  # escaped alike by each renderer
    return with_action_urls(rows, Organization(slug="acme"), viewer=1001)


def renderers(rows: list) -> dict:
    from django.template import engines
    from django.template.loader import get_template

    from members.templatetags.member_table import member_rows

    jinja = get_template("members/member_rows.html", using="jinja2")
    django_template = engines["django"].from_string((HERE / "templates" / "member_rows_django.html").read_text())
    context = {"rows": rows, "can_manage": True, "show_security": True, "viewer_id": 1001}
    return {
        "f-strings": lambda: member_rows(rows, True, True, 1001),
        "Jinja2": lambda: jinja.render(context),
        "Django": lambda: django_template.render(context),
    }


def same_markup(outputs: dict[str, str]) -> None:
    def plain(text: str) -> str:
        return text.replace("&#34;", "&quot;").replace("&#39;", "&#x27;").strip()

    reference = plain(outputs["f-strings"])
    for name, html in outputs.items():
        if plain(html) != reference:
            at = next(i for i, (a, b) in enumerate(zip(plain(html), reference, strict=False)) if a != b)
            raise SystemExit(f"{name} differs:\n  {plain(html)[at - 80 : at + 80]}\n  {reference[at - 80 : at + 80]}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200)
    rounds = parser.parse_args().rounds
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "orgconsole.settings.test"
    import django

    django.setup()
    rows = build_rows()
    sides = renderers(rows)
    same_markup({name: str(render()) for name, render in sides.items()})
    timings: dict[str, list[float]] = {name: [] for name in sides}
    order = list(sides)
    for round_ in range(rounds):
        for name in order if round_ % 2 else reversed(order):  # interleaved: A B C, C B A, ...
            began = time.perf_counter()
            sides[name]()
            timings[name].append((time.perf_counter() - began) * 1000)
    base = statistics.median(timings["f-strings"])
    print(f"{len(rows)} rows, {rounds} interleaved rounds, median (p90) ms:")
    for name, values in timings.items():
        median = statistics.median(values)
        p90 = statistics.quantiles(values, n=10)[-1]
        print(f"  {name:10} {median:6.2f} ({p90:5.2f})  {median / base:4.1f}x the f-strings")


if __name__ == "__main__":
    main()

"""orgconsole/jinja2.py: the Jinja2 engine escapes like Django's, fails loudly on a wrong name, formats dates as
Django's ``|date`` does, and does not output line breaks or indentation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.template import engines
from django.utils import timezone
from jinja2 import UndefinedError

from members.templatetags.avatars import avatar


def render(source: str, **context: object) -> str:
    return engines["jinja2"].from_string(source).render(context)


def test_values_are_escaped_and_safe_strings_are_not_escaped_twice():
    html = render("<p title='{{ name }}'>{{ name }}</p>{{ avatar(name, 'ada@example.com') }}", name="<b>'\"&")
    assert html == (
        "<p title='&lt;b&gt;&#39;&#34;&amp;'>&lt;b&gt;&#39;&#34;&amp;</p>" + avatar("<b>'\"&", "ada@example.com")
    )


def test_a_name_the_template_gets_wrong_is_an_error():
    with pytest.raises(UndefinedError):
        render("{{ row.nmae }}", row={"name": "Ada"})


def test_line_breaks_and_indentation_are_not_output_and_spaces_within_a_line_are():
    source = "<tr>\n  <td>{{ a }} {{ b }}</td>\n  {% if a %}\n    <td> x </td>\n  {% endif %}\n</tr>\n"
    assert render(source, a="1", b="2") == "<tr><td>1 2</td><td> x </td></tr>"


@pytest.mark.parametrize("pattern", ["c", "M j, Y", "M j, Y H:i"])
def test_the_date_filter_says_what_djangos_says_in_the_current_time_zone(pattern):
    moment = datetime(2026, 3, 1, 23, 30, 15, tzinfo=UTC)
    djangos = engines["django"].from_string("{{ moment|date:pattern }}")
    with timezone.override("America/New_York"):
        html = render("{{ moment|date(pattern) }}", moment=moment, pattern=pattern)
        assert html == djangos.render({"moment": moment, "pattern": pattern})
    assert html.startswith("2026-03-01T18:30:15-05:00" if pattern == "c" else "Mar 1, 2026")
    assert render("{{ moment|date('M j, Y') }}", moment=None) == ""

"""The Jinja2 environment (``TEMPLATES``' second engine, ``using="jinja2"``): for fragments rendered many times a
page, where Django's engine is too slow (README, "Performance"). Autoescaping is on, as in Django's engine."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from django.utils import dateformat, timezone
from django.utils.translation import get_language
from jinja2 import Environment, StrictUndefined, pass_context
from jinja2.ext import Extension
from jinja2.runtime import Context

from members.templatetags.avatars import avatar


class JoinLines(Extension):
    """A line break and the indentation after it are not output: a template can put one element on each line and
    still render the compact markup the page has always had. A space that matters is written within a line."""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        return "".join(line.lstrip() for line in source.splitlines())


@pass_context
def date(context: Context, value: datetime | None, pattern: str) -> str:
    """What Django's ``{{ value|date:pattern }}`` renders: in the current time zone, empty for no date. A caller
    rendering many rows puts ``timezone`` and ``language`` in the context, looked up once (each lookup reads a
    context-local variable: a third of the filter's time over a page of rows)."""
    if value is None:
        return ""
    moment = value.astimezone(context.get("timezone") or timezone.get_current_timezone())
    if pattern == "c":
        return moment.isoformat()
    return _formatted(moment.replace(second=0, microsecond=0), pattern, context.get("language") or get_language())


@lru_cache(maxsize=1024)
def _formatted(moment: datetime, pattern: str, language: str | None) -> str:
    """Rows share days (and minutes): each formatted once. The language names the month. (Only patterns without
    seconds: the moment is cut to the minute.)"""
    return dateformat.format(moment, pattern)


def environment(**options: Any) -> Environment:
    """Django's backend sets autoescape (on), the loader and reloading; a name the template gets wrong is an error
    here, not an empty cell."""
    options["undefined"] = StrictUndefined
    env = Environment(**options, extensions=[JoinLines])  # noqa: S701 - the backend turns autoescape on
    env.filters["date"] = date
    env.globals["avatar"] = avatar
    return env

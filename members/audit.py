"""Every audit row names the request that made it and the client's address.

A ``pre_save`` receiver fills ``request_id`` and ``ip_address`` of each new ``MembershipEvent`` from the request
being served (the request-id middleware's context), whichever code path writes the row: console views, the admin,
the allauth adapter. Rows written outside a request (the worker, a management command) keep them empty.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from members.http import client_ip
from members.models import MembershipEvent
from orgconsole.log import current


def current_request() -> HttpRequest | None:
    context = current.get()
    return context.request if context else None


def stamp_request(sender: type[MembershipEvent], instance: MembershipEvent, raw: bool = False, **kwargs: Any) -> None:
    request = current_request()
    if raw or request is None:
        return
    if not instance.request_id:
        instance.request_id = str(getattr(request, "request_id", ""))[:64]
    if instance.ip_address is None:
        instance.ip_address = client_ip(request) or None

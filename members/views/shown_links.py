"""The page that shows fresh invitation links once: after Copy invitation link, and after Invite User with
"Don't send the email". A link is only ever in the answer to a POST: never in a URL, a flash message, a log
line or an audit row, and the answer is not cached."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

from members.emails import invitation_url
from members.models import Invitation

TEMPLATE = "members/dialogs/invitation_links.html"


def show_links(request: HttpRequest, invitations: list[Invitation]) -> HttpResponse:
    """Each invitation's current link, once, with a copy button (static/js/copy_link.js); as a page, or the
    dialog's partial for htmx."""
    links = [{"invitation": invitation, "url": invitation_url(invitation)} for invitation in invitations]
    template = f"{TEMPLATE}#dialog" if request.htmx else TEMPLATE
    response = render(request, template, {"links": links, "active_nav": "members"})
    add_never_cache_headers(response)  # no copy of the page (and its links) in any cache
    if request.htmx:
        response["HX-Trigger"] = "members-changed"  # the table behind the dialog shows the new expiry
    return response

"""The two-factor requirement at the door: an organization that requires it admits a member only with
two-factor authentication; without it they are sent to set it up, and brought back afterwards."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from members.http import client_ip
from members.models import Organization
from members.services.security import has_two_factor, record_two_factor_block

# Where to go once two-factor authentication is set up (a path on this site), kept in the session.
RETURN_KEY = "members.two_factor_return"


def send_to_setup(request: HttpRequest, *, organization: Organization, return_to: str) -> HttpResponse:
    """Remember where the user was going and send them to the two-factor set-up page."""
    request.session[RETURN_KEY] = {"path": return_to, "organization": organization.name}
    messages.warning(
        request,
        _("%(organization)s requires two-factor authentication. Set it up to continue.")
        % {"organization": organization.name},
    )
    url = reverse("mfa_index")
    return HttpResponseClientRedirect(url) if getattr(request, "htmx", False) else HttpResponseRedirect(url)


def two_factor_gate(request: HttpRequest, organization: Organization) -> HttpResponse | None:
    """None when the member may see the organization; otherwise the redirect to the set-up (audited)."""
    if not organization.require_two_factor:
        return None
    if has_two_factor(request.user):
        request.session.pop(RETURN_KEY, None)
        return None
    record_two_factor_block(organization, actor=request.user, ip=client_ip(request))
    # A GET comes back to the same page; a refused POST (or htmx fragment) comes back to the Members page.
    return_to = request.get_full_path() if request.method == "GET" and not getattr(request, "htmx", False) else None
    return send_to_setup(
        request, organization=organization, return_to=return_to or reverse("members:members", args=[organization.slug])
    )


def two_factor_return(request: HttpRequest) -> dict[str, str] | None:
    """Where the user was sent from, once they have two-factor authentication (for a Continue link)."""
    target = request.session.get(RETURN_KEY)
    if not isinstance(target, dict) or not has_two_factor(request.user):
        return None
    path = str(target.get("path", ""))
    if not path.startswith("/") or not url_has_allowed_host_and_scheme(path, allowed_hosts=None):
        return None
    return {"path": path, "organization": str(target.get("organization", ""))}

"""Staff need two-factor authentication before any admin page (``ADMIN_REQUIRE_2FA``): a staff user
without it is sent to set it up, and back to the admin page afterwards."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from members.services.security import has_two_factor
from members.two_factor_gate import RETURN_KEY

View = Callable[..., HttpResponse]
# Signing out of the admin stays possible without two-factor authentication.
EXEMPT_URL_NAMES = {"logout"}


def staff_two_factor_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        exempt = getattr(request.resolver_match, "url_name", None) in EXEMPT_URL_NAMES
        if settings.ADMIN_REQUIRE_2FA and not exempt and not has_two_factor(request.user):
            request.session[RETURN_KEY] = {"path": request.get_full_path(), "organization": _("the admin")}
            messages.warning(request, _("The admin requires two-factor authentication. Set it up to continue."))
            return HttpResponseRedirect(reverse("mfa_index"))
        return view(request, *args, **kwargs)

    return wrapper


def require_two_factor_for_staff(site: admin.AdminSite) -> None:
    """Wrap every view the site puts behind its staff check (``admin_view``) with the two-factor check."""
    admin_view = site.admin_view

    def two_factor_admin_view(view: View, cacheable: bool = False) -> View:
        return admin_view(staff_two_factor_required(view), cacheable)

    site.admin_view = two_factor_admin_view  # type: ignore[method-assign]

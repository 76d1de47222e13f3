"""The organization's API tokens page: list, create (the secret is shown once) and revoke."""

from __future__ import annotations

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from members import roles, services
from members.access import organization_view
from members.api_tokens import token_in_organization, tokens_of
from members.exceptions import DomainError
from members.forms import ApiTokenForm
from members.http import client_ip
from members.models import Organization


@organization_view(roles.MANAGE_API_TOKENS)
@reauthentication_required(allow_get=True)
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest, organization: Organization) -> HttpResponse:
    """List the tokens and create one; the new secret is rendered in this response only."""
    form = ApiTokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            created = services.create_api_token(
                organization, actor=request.user, ip=client_ip(request), **form.cleaned_data
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            form = ApiTokenForm()
    context = {"form": form, "created": created, "tokens": tokens_of(organization), "active_nav": "api_tokens"}
    response = render(request, "members/api_tokens.html", context)
    response["Cache-Control"] = "no-store"  # the page may hold a secret
    return response


@organization_view(roles.MANAGE_API_TOKENS)
@reauthentication_required(allow_get=True)
@require_http_methods(["GET", "POST"])
def api_token_revoke(request: HttpRequest, organization: Organization, token_id: int) -> HttpResponse:
    """Revoke an API token (a confirmation page): it stops working at once."""
    token = token_in_organization(organization, token_id)
    if request.method == "POST":
        services.revoke_api_token(token, actor=request.user, ip=client_ip(request))
        messages.success(request, _("API token “%(name)s” revoked.") % {"name": token.name})
        return redirect("members:api_tokens", organization.slug)
    context = {
        "title": _("Revoke API token"),
        "question": _("Revoke the API token “%(name)s” (%(prefix)s…)? Anything using it stops working at once.")
        % {"name": token.name, "prefix": token.prefix},
        "submit_label": _("Yes"),
        "action_url": reverse("members:api_token_revoke", args=[organization.slug, token.pk]),
        "cancel_url": reverse("members:api_tokens", args=[organization.slug]),
        "danger": True,
    }
    return render(request, "members/api_token_revoke.html", context)

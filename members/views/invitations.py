"""Following an invitation link: open, join, accept, decline, switch account, and ask for a new invitation.

Not organization-scoped: the invitee is not a member (yet), and the invitation comes from the link
(then the session), never from an id in the URL."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from allauth.account.adapter import get_adapter as get_account_adapter
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect

from members import invitation_session, services
from members.exceptions import (
    DomainError,
    InvitationAlreadyUsedError,
    InvitationDeclinedError,
    InvitationError,
    InvitationExpiredError,
    InvitationInvalidError,
    InvitationRevokedError,
    InvitationSupersededError,
    InvitationWrongAccountError,
)
from members.http import client_ip
from members.invitation_checks import account_exists, ensure_usable, invitation_from_token, user_matches
from members.models import Invitation, User
from members.selectors import invitation_grants, is_member

# Each unusable link's page: 404 for a link that names no invitation, 403 for an invitation meant for another
# account, 410 (gone) for one that existed and can no longer be used. One table, like Zulip's
# render_confirmation_key_error: the exceptions say what went wrong, only this view speaks HTTP.
INVITATION_ERROR_PAGES: dict[type[InvitationError], tuple[int, Promise]] = {
    InvitationInvalidError: (404, gettext_lazy("Invitation link not valid")),
    InvitationWrongAccountError: (403, gettext_lazy("Signed in with another account")),
    InvitationExpiredError: (410, gettext_lazy("Invitation expired")),
    InvitationRevokedError: (410, gettext_lazy("Invitation revoked")),
    InvitationAlreadyUsedError: (410, gettext_lazy("Invitation already accepted")),
    InvitationDeclinedError: (410, gettext_lazy("Invitation declined")),
    InvitationSupersededError: (410, gettext_lazy("Invitation link replaced")),
}
UNUSABLE_INVITATION_PAGE = (410, gettext_lazy("Invitation unavailable"))


# The pages that offer Ask for a new invitation: the invitation ended without an answer.
RENEWABLE = (InvitationExpiredError, InvitationRevokedError)


def render_invitation_error(request: HttpRequest, error: InvitationError) -> HttpResponse:
    """The page that says why an invitation link cannot be used, with the status that fits. An expired or
    revoked invitation's page offers Ask for a new invitation, for this session only (it held the link)."""
    status, title = INVITATION_ERROR_PAGES.get(type(error), UNUSABLE_INVITATION_PAGE)
    context = {"error": error, "invitation": error.invitation, "status": status, "title": title}
    if isinstance(error, RENEWABLE) and isinstance(error.invitation, Invitation):
        invitation_session.remember_for_renewal(request, error.invitation)
        context["ask_again"] = {"after": services.may_ask_again_at(error.invitation)}
    return render(request, "members/invitation_invalid.html", context, status=status)


def _sign_in_url(invitation: Invitation) -> str:
    """Sign-in for someone who has an account with the invited address, sign-up for anyone else;
    either way back to the join page afterwards."""
    view = "account_login" if account_exists(invitation.email) else "account_signup"
    return f"{reverse(view)}?{urlencode({'next': reverse('members:invitation_join')})}"


def _with_session_invitation(
    view: Callable[[HttpRequest, Invitation], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Give the view the invitation this session opened; if it cannot be used (any more), forget it
    and show why."""

    @wraps(view)
    def wrapper(request: HttpRequest) -> HttpResponse:
        try:
            invitation = invitation_session.invitation_from_session(request)
        except InvitationError as error:
            if request.htmx:  # a dialog cannot show a 410 page: the whole page goes to the join page, which does
                return HttpResponseClientRedirect(reverse("members:invitation_join"))
            invitation_session.forget(request)
            return render_invitation_error(request, error)
        return view(request, invitation)

    return wrapper


@never_cache
@require_safe
def invitation_open(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link. Mail scanners open it too, so it changes nothing: it checks the token, keeps
    the invitation in the session and redirects to a page whose URL holds no token."""
    try:
        invitation = invitation_from_token(token)
    except InvitationError as error:
        return render_invitation_error(request, error)
    invitation_session.remember(request, invitation)
    return redirect("members:invitation_join")


@never_cache
@require_safe
@_with_session_invitation
def invitation_join(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    """Who invited you, to what, with which role and project access; Accept invitation or Decline."""
    context = {"invitation": invitation, "grants": invitation_grants(invitation)}
    if not request.user.is_authenticated:
        context["has_account"] = account_exists(invitation.email)
    elif not user_matches(request.user, invitation):
        return render(request, "members/invitation_wrong_account.html", context, status=403)
    else:
        context["already_member"] = is_member(request.user, invitation.organization_id)
    return render(request, "members/invitation_join.html", context)


@require_POST
@_with_session_invitation
def invitation_accept(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    """Accept invitation: join now when signed in as the invited address, otherwise sign in (or
    sign up) first and join straight after."""
    if not request.user.is_authenticated:
        invitation_session.set_accept_requested(request, True)
        return redirect(_sign_in_url(invitation))
    return invitation_session.accept_from_session(request)


@never_cache
@require_http_methods(["GET", "POST"])
@_with_session_invitation
def invitation_decline(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    """Decline: first a confirmation that says what declining does (a page, or a dialog with htmx), then the
    POST closes the invitation and tells the inviter. A signed-out visitor holding the link may decline; a
    different signed-in account may not."""
    if request.method == "GET":
        template = "members/invitation_decline.html"
        return render(request, f"{template}#dialog" if request.htmx else template, {"invitation": invitation})
    actor = request.user if request.user.is_authenticated else None
    try:
        services.decline_invitation(invitation, actor=actor, ip=client_ip(request))
    except InvitationWrongAccountError:
        return redirect("members:invitation_join")
    except InvitationError as error:
        invitation_session.forget(request)
        return render_invitation_error(request, error)
    invitation_session.forget(request)
    messages.info(
        request,
        _("You declined the invitation to join %(organization)s.") % {"organization": invitation.organization.name},
    )
    return redirect("members:home" if actor else "account_login")


@require_POST
@_with_session_invitation
def invitation_switch_account(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    """Sign out and continue: the invitation stays in the session for the account it was sent to."""
    state = invitation_session.saved_state(request)
    if request.user.is_authenticated:
        get_account_adapter(request).logout(request)  # flushes the session…
        invitation_session.restore_state(request, state)  # …so put the invitation back
    invitation_session.set_accept_requested(request, False)
    return redirect(_sign_in_url(invitation))


@never_cache
@require_http_methods(["GET", "POST"])
def invitation_ask_again(request: HttpRequest) -> HttpResponse:
    """Ask for a new invitation (POST), from the page of an expired or revoked invitation this session opened;
    then (GET) that invitation's page as it is now. Only the people who can invite are ever emailed."""
    try:
        invitation = invitation_session.invitation_to_renew(request)
    except InvitationError as error:
        return render_invitation_error(request, error)
    if request.method == "POST":
        actor = request.user if request.user.is_authenticated else None
        try:
            asked = services.ask_for_new_invitation(invitation, actor=actor, ip=client_ip(request))
        except DomainError as error:
            messages.info(request, error.message)
        else:
            messages.success(request, _asked_message(invitation, asked))
        return redirect("members:invitation_ask_again")
    try:
        ensure_usable(invitation, link_is_current=True)
    except InvitationError as error:
        return render_invitation_error(request, error)
    # Sent again since (usable once more): this page's link is not the one to use.
    invitation_session.forget_renewal(request)
    return render_invitation_error(request, InvitationSupersededError(invitation=invitation))


def _asked_message(invitation: Invitation, asked: list[User]) -> str:
    names = {"organization": invitation.organization.name}
    if len(asked) == 1 and asked[0].pk == invitation.invited_by_id:
        return _("%(inviter)s was asked by email to send you a new invitation.") % {
            **names,
            "inviter": asked[0].display_name,
        }
    return _("The Organization Owners of %(organization)s were asked by email to send you a new invitation.") % names

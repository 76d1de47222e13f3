"""Account pages OrgConsole adds around allauth's own: your display name; sign out one session; remove a
security key only when the MFA adapter allows it (allauth checks that hook for the authenticator app, not for
keys)."""

from __future__ import annotations

from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.webauthn.views import RemoveWebAuthnView
from allauth.usersessions.internal.flows.sessions import end_sessions
from allauth.usersessions.models import UserSession
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from members import services
from members.exceptions import DomainError
from members.forms import DisplayNameForm
from members.http import client_ip


class RemoveSecurityKeyView(RemoveWebAuthnView):
    def form_valid(self, form: object) -> HttpResponse:
        adapter = get_mfa_adapter()
        if not adapter.can_delete_authenticator(self.get_object()):
            messages.error(self.request, adapter.error_messages["cannot_delete_authenticator"])
            return HttpResponseRedirect(reverse("mfa_list_webauthn"))
        return super().form_valid(form)


remove_security_key = RemoveSecurityKeyView.as_view()


@login_required
@require_POST
def end_session(request: HttpRequest, session_id: int) -> HttpResponse:
    """Sign out one of the user's browsers (another user's session id is 404)."""
    session = get_object_or_404(UserSession, pk=session_id, user_id=request.user.pk)
    current = session.is_current()
    end_sessions(request, [session])
    if current:
        return redirect("account_login")
    messages.success(request, _("That session was signed out."))
    return redirect("usersessions_list")


@login_required
@require_http_methods(["GET", "POST"])
def display_name(request: HttpRequest) -> HttpResponse:
    """Your name: the display name others see on the Members page and in the emails your actions send."""
    form = DisplayNameForm(request.POST or None, initial={"name": request.user.name})
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.change_display_name(
                request.user, actor=request.user, name=form.cleaned_data["name"], ip=client_ip(request)
            )
        except DomainError as error:
            form.add_error("name", error.message)
        else:
            if changed:
                messages.success(request, _("Your name is now %(name)s.") % {"name": request.user.display_name})
            else:
                messages.info(request, _("Your name is unchanged."))
            return redirect("account_name")
    return render(request, "account/name.html", {"form": form})

"""Account pages OrgConsole adds around allauth's own: sign out one session; remove a security key
only when the MFA adapter allows it (allauth checks that hook for the authenticator app, not for keys)."""

from __future__ import annotations

from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.webauthn.views import RemoveWebAuthnView
from allauth.usersessions.internal.flows.sessions import end_sessions
from allauth.usersessions.models import UserSession
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST


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

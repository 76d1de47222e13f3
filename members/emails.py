"""What each notification email says: one builder per ``OutboundEmail.Kind``, and the renderer.

A builder returns a ``Notification`` (who it goes to and the plain values its templates need, never
a token); ``members.outbox`` records and delivers it. Nothing here queues or sends.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from members.models import ApiToken, Invitation, Membership, Organization, OutboundEmail, Project, User
from members.roles import OrgRole, ProjectRole
from members.selectors import invitation_grants
from members.tokens import invitation_token_generator

TEMPLATE_PREFIX = "members/email/"


@dataclass(frozen=True)
class Notification:
    """One email to record: its kind (which template triplet), recipient and template context."""

    kind: str
    to_email: str
    organization: Organization | None
    context: dict[str, Any] = field(default_factory=dict)
    invitation: Invitation | None = None
    # Set for an invitation email: the nonce its link is for (see ``OutboundEmail.is_superseded``).
    invitation_nonce: str = ""

    @classmethod
    def about_invitation(
        cls, invitation: Invitation, *, kind: str, to_email: str, context: dict[str, Any], invitation_nonce: str = ""
    ) -> Notification:
        """An email about ``invitation``: recorded against it, in its organization."""
        return cls(
            kind, to_email, invitation.organization, context, invitation=invitation, invitation_nonce=invitation_nonce
        )


def site_url(path: str) -> str:
    """An absolute URL on the configured site; never built from the request's Host header."""
    return f"{settings.SITE_URL}{path}"


def invitation_url(invitation: Invitation) -> str:
    token = invitation_token_generator.make_token(invitation)
    return site_url(reverse("members:invitation_open", args=[token]))


def role_label(role: str) -> str:
    return str(OrgRole(role).label)


def format_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def project_grants(invitation: Invitation) -> list[dict[str, str]]:
    """The project access an invitation grants, by project name: ``{"project": name, "role": label}``."""
    return [
        {"project": grant.project.name, "role": str(ProjectRole(grant.role).label)}
        for grant in invitation_grants(invitation)
    ]


def reply_to_address(user: User | None) -> str:
    """The address replies to ``user``'s emails go to: one they verified (the primary first), else none."""
    if user is None:
        return ""
    verified = EmailAddress.objects.filter(user_id=user.pk, verified=True).order_by("-primary", "pk")
    return verified.values_list("email", flat=True).first() or ""


def invitation_email(
    invitation: Invitation,
    *,
    inviter: User | None,
    grants: list[dict[str, str]] | None = None,
    reply_to: str | None = None,
    replaces_earlier: bool = False,
) -> Notification:
    """The invitation with its accept link; ``inviter`` is whoever sent (or resent) it, and replies go to
    their verified address. ``grants`` (as ``project_grants`` returns them) and ``reply_to`` (as
    ``reply_to_address`` does) save queries when many invitations are sent at once. ``replaces_earlier``: a
    resend, whose email says that the links sent before no longer work."""
    context = {
        "organization_name": invitation.organization.name,
        "inviter_name": inviter.display_name if inviter else "",
        "inviter_email": inviter.email if inviter else "",
        "role": invitation.role,
        "role_label": role_label(invitation.role),
        "projects": project_grants(invitation) if grants is None else grants,
        "expires_at": invitation.expires_at.isoformat(),
        "expires_at_display": format_utc(invitation.expires_at),
        "invitation_id": invitation.pk,
        "invitee_name": invitation.name,
        "replaces_earlier": replaces_earlier,
        "reply_to": reply_to_address(inviter) if reply_to is None else reply_to,
        # Built when the email is sent, from the invitation's nonce then; no token is ever stored.
        "links": {"accept_url": "invitation"},
    }
    return Notification.about_invitation(
        invitation,
        kind=OutboundEmail.Kind.INVITATION,
        to_email=invitation.email,
        context=context,
        invitation_nonce=invitation.nonce,
    )


def new_invitation_requested_email(invitation: Invitation, *, to: User) -> Notification:
    """To an owner who can invite again: the invitee of this expired or revoked invitation asks for a new one.
    Replies go to the invited address (the one an owner typed), so the owner can answer them."""
    context = {
        "organization_name": invitation.organization.name,
        "owner_name": to.display_name,
        "invitee_email": invitation.email,
        "role_label": role_label(invitation.role),
        "revoked": invitation.status == Invitation.Status.REVOKED,
        "inviter_name": invitation.invited_by.display_name if invitation.invited_by else "",
        "is_inviter": invitation.invited_by_id == to.pk,
        "interval_hours": settings.NEW_INVITATION_REQUEST_INTERVAL_HOURS,
        "members_path": reverse("members:members", args=[invitation.organization.slug]),
        "reply_to": invitation.email,
    }
    return Notification.about_invitation(
        invitation, kind=OutboundEmail.Kind.NEW_INVITATION_REQUESTED, to_email=to.email, context=context
    )


def invitation_revoked_email(invitation: Invitation, *, actor: User) -> Notification:
    context = {
        "organization_name": invitation.organization.name,
        "actor_name": actor.display_name,
        "actor_email": actor.email,
        "role_label": role_label(invitation.role),
    }
    return Notification.about_invitation(
        invitation, kind=OutboundEmail.Kind.INVITATION_REVOKED, to_email=invitation.email, context=context
    )


def _membership_context(membership: Membership, *, actor: User, old_role: str) -> dict[str, Any]:
    return {
        "organization_name": membership.organization.name,
        "user_name": membership.user.display_name,
        "actor_name": actor.display_name,
        "actor_email": actor.email,
        "old_role_label": role_label(old_role),
    }


def role_changed_email(membership: Membership, *, actor: User, old_role: str) -> Notification:
    context = _membership_context(membership, actor=actor, old_role=old_role)
    context["role_label"] = role_label(membership.role)
    return Notification(
        kind=OutboundEmail.Kind.ROLE_CHANGED,
        to_email=membership.user.email,
        organization=membership.organization,
        context=context,
    )


def access_changes(before: dict[Project, str], after: dict[Project, str]) -> list[dict[str, str]]:
    """Each project whose access differs, by name: ``{"project", "change": added|removed|changed,
    "old_role_label", "role_label"}``."""
    changes = []
    for project in sorted(before.keys() | after.keys(), key=lambda p: (p.name.casefold(), p.pk)):
        old, new = before.get(project), after.get(project)
        if old == new:
            continue
        change = "added" if old is None else "removed" if new is None else "changed"
        changes.append(
            {
                "project": project.name,
                "change": change,
                "old_role_label": str(ProjectRole(old).label) if old else "",
                "role_label": str(ProjectRole(new).label) if new else "",
            }
        )
    return changes


def access_changed_email(
    membership: Membership, *, actor: User, old_role: str, before: dict[Project, str], after: dict[Project, str]
) -> Notification:
    """To the member: one email listing what changed (their role, and each project added, removed or given
    another role). A change of role alone is the role-changed email."""
    if before == after:
        return role_changed_email(membership, actor=actor, old_role=old_role)
    context = _membership_context(membership, actor=actor, old_role=old_role)
    context |= {
        "role_label": role_label(membership.role),
        "role_changed": old_role != membership.role,
        # An Owner has every project as Project Admin: the projects they no longer hold by name are not a loss.
        "is_owner": membership.role == OrgRole.OWNER,
        "changes": access_changes(before, after),
    }
    return Notification(
        kind=OutboundEmail.Kind.ACCESS_CHANGED,
        to_email=membership.user.email,
        organization=membership.organization,
        context=context,
    )


def member_left_email(membership: Membership, *, to: User) -> Notification:
    """To one Organization Owner: the member of ``membership`` (just deleted) left on their own."""
    context = {
        "organization_name": membership.organization.name,
        "owner_name": to.display_name,
        "user_name": membership.user.display_name,
        "user_email": membership.user.email,
        "role_label": role_label(membership.role),
        "members_path": reverse("members:members", args=[membership.organization.slug]),
    }
    return Notification(
        kind=OutboundEmail.Kind.MEMBER_LEFT, to_email=to.email, organization=membership.organization, context=context
    )


def removed_email(membership: Membership, *, actor: User) -> Notification:
    """To the person removed; ``membership`` is the one just deleted (its role is the role they had)."""
    return Notification(
        kind=OutboundEmail.Kind.REMOVED,
        to_email=membership.user.email,
        organization=membership.organization,
        context=_membership_context(membership, actor=actor, old_role=membership.role),
    )


def invitation_answered_email(
    invitation: Invitation, *, kind: str, invitee: User | None, inviter: User
) -> Notification:
    """To the inviter: the invitation was accepted or declined (``kind``) by ``invitee``."""
    context = {
        "organization_name": invitation.organization.name,
        "members_path": reverse("members:members", args=[invitation.organization.slug]),
        "inviter_name": inviter.display_name,
        "invitee_email": invitation.email,
        "invitee_name": invitee.name if invitee else "",
        "role_label": role_label(invitation.role),
        "projects": project_grants(invitation),
        "invitation_id": invitation.pk,
    }
    return Notification.about_invitation(invitation, kind=kind, to_email=inviter.email, context=context)


def api_token_email(token: ApiToken, *, kind: str, actor: User, to: User) -> Notification:
    """To one Organization Owner: ``actor`` created or revoked (``kind``) an API token."""
    context = {
        "organization_name": token.organization.name,
        "owner_name": to.display_name,
        "actor_name": actor.display_name,
        "actor_email": actor.email,
        "token_name": token.name,
        "token_prefix": token.prefix,
        "scopes": token.scope_labels(),
        "expires_at_display": format_utc(token.expires_at),
        "tokens_path": reverse("members:api_tokens", args=[token.organization.slug]),
    }
    return Notification(kind=kind, to_email=to.email, organization=token.organization, context=context)


def address_released_email(user: User, *, to_email: str, address: str) -> Notification:
    """To an account that held ``address`` unverified: its owner verified it elsewhere, so it was removed."""
    return Notification(
        kind=OutboundEmail.Kind.ADDRESS_RELEASED,
        to_email=to_email,
        organization=None,
        context={"user_name": user.display_name, "address": address},
    )


def member_added_email(membership: Membership, *, actor: User) -> Notification:
    """To someone the identity provider added to the organization (they had a verified account)."""
    context = {
        "organization_name": membership.organization.name,
        "user_name": membership.user.display_name,
        "actor_name": actor.display_name,
        "role_label": role_label(membership.role),
    }
    return Notification(
        kind=OutboundEmail.Kind.MEMBER_ADDED,
        to_email=membership.user.email,
        organization=membership.organization,
        context=context,
    )


def two_factor_required_email(organization: Organization, *, user: User, actor: User) -> Notification:
    """To a member without two-factor authentication: the organization now requires it."""
    context = {
        "organization_name": organization.name,
        "user_name": user.display_name,
        "actor_name": actor.display_name,
        "setup_path": reverse("mfa_index"),
    }
    return Notification(
        kind=OutboundEmail.Kind.TWO_FACTOR_REQUIRED, to_email=user.email, organization=organization, context=context
    )


# The links an email's ``context["links"]`` names, built at send time from the email's row.
LINK_BUILDERS: dict[str, Callable[[OutboundEmail], str]] = {
    "invitation": lambda outbound: invitation_url(outbound.invitation) if outbound.invitation else "",
}


# --- allauth's own emails (confirmation, password reset, "account already exists", notifications). ---
# The adapter (members.account_emails) renders them in the request with allauth's templates, but a link
# that carries a secret (a confirmation key, a reset token) stands in the text as a marker and is built
# here at send time, from SITE_URL, so the outbox never stores a secret.

SECRET_LINK_MARKER = "ORGCONSOLE_SECRET_LINK_"


class LinkGoneError(Exception):
    """The address or account a secret link was for no longer exists: the email has nothing to offer."""


def confirm_email_url(email_address_id: int) -> str:
    address = EmailAddress.objects.filter(pk=email_address_id, verified=False).first()
    if address is None:
        raise LinkGoneError(f"email address {email_address_id} is gone or already verified")
    return site_url(reverse("account_confirm_email", args=[EmailConfirmationHMAC(address).key]))


def reset_password_url(user_id: int) -> str:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise LinkGoneError(f"user {user_id} is gone")
    key = f"{user_pk_to_url_str(user)}-{default_token_generator.make_token(user)}"
    path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
    return site_url(path.replace("UID-KEY", key))


SECRET_LINK_BUILDERS: dict[str, Callable[[int], str]] = {
    "confirm_email": confirm_email_url,
    "reset_password": reset_password_url,
}


def account_email(*, to_email: str, subject: str, text: str, html: str, links: dict[str, list[Any]]) -> Notification:
    """An allauth email rendered in the request; ``links`` maps each marker in it to ``[builder, id]``."""
    context = {"subject": subject, "text": text, "html": html, "secret_links": links}
    return Notification(kind=OutboundEmail.Kind.ACCOUNT, to_email=to_email, organization=None, context=context)


def _account_parts(outbound: OutboundEmail) -> tuple[str, str, str]:
    subject, text, html = (outbound.context[part] for part in ("subject", "text", "html"))
    for marker, (builder, object_id) in outbound.context.get("secret_links", {}).items():
        url = SECRET_LINK_BUILDERS[builder](object_id)
        text, html = text.replace(marker, url), html.replace(marker, url)
    return subject, text, html


def _template_parts(outbound: OutboundEmail) -> tuple[str, str, str]:
    context: dict[str, Any] = {**outbound.context, "site_url": settings.SITE_URL, "to_email": outbound.to_email}
    for name, builder in outbound.context.get("links", {}).items():
        context[name] = LINK_BUILDERS[builder](outbound)
    base = f"{TEMPLATE_PREFIX}{outbound.kind}"
    subject = " ".join(render_to_string(f"{base}_subject.txt", context).split())
    return subject, render_to_string(f"{base}_message.txt", context), render_to_string(f"{base}_message.html", context)


def render_email(outbound: OutboundEmail) -> EmailMultiAlternatives:
    """Build the message: from the kind's template triplet (subject, text, HTML), or for allauth's
    emails from the parts rendered in the request."""
    if outbound.kind == OutboundEmail.Kind.ACCOUNT:
        subject, text, html = _account_parts(outbound)
    else:
        subject, text, html = _template_parts(outbound)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[outbound.to_email],
        # The person an email comes from (an inviter), so that "Reply" reaches them rather than our sender.
        reply_to=[outbound.context["reply_to"]] if outbound.context.get("reply_to") else None,
    )
    if html:  # some of allauth's emails are text only
        message.attach_alternative(html, "text/html")
    message.tags = [outbound.kind]  # type: ignore[attr-defined]
    message.metadata = {"outbound_email_id": str(outbound.pk)}  # type: ignore[attr-defined]
    return message

"""allauth's own emails travel through our outbox, with links built from ``SITE_URL``.

The adapter's ``send_mail`` is the one place allauth sends from (confirmation, password reset, "account
already exists", "unknown account", and its security notifications). Here it renders the email with
allauth's templates as before, then records it with ``members.outbox`` instead of sending it: no request
waits on the email provider, and a provider outage delays an email instead of losing it.

Links: allauth builds them from the request's Host, which any name in ``ALLOWED_HOSTS`` (or another port)
can be; every absolute URL is rebased onto ``SITE_URL``. A link that carries a secret is replaced by a
marker and built at send time (``members.emails.SECRET_LINK_BUILDERS``), so no secret is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from allauth.account.models import EmailAddress
from allauth.core import context as allauth_context
from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives

from members import emails, outbox


@dataclass(frozen=True)
class SiteFromSettings:
    """What allauth's templates call ``current_site``: the configured site, not the request's Host."""

    name: str
    domain: str


def current_site() -> SiteFromSettings:
    return SiteFromSettings(name="OrgConsole", domain=urlsplit(settings.SITE_URL).netloc)


def on_site(url: str) -> str:
    """The same path, query and fragment on ``SITE_URL``."""
    parts = urlsplit(url)
    base = urlsplit(settings.SITE_URL)
    return urlunsplit((base.scheme, base.netloc, base.path.rstrip("/") + parts.path, parts.query, parts.fragment))


def _marker(name: str) -> str:
    return f"{emails.SECRET_LINK_MARKER}{name.upper()}"


def secret_links(email: str, context: dict[str, Any]) -> dict[str, list[Any]]:
    """Swap each secret-bearing link in allauth's ``context`` for a marker; say how to build it later."""
    links: dict[str, list[Any]] = {}
    user = context.get("user")
    if "activate_url" in context and user is not None:
        address = EmailAddress.objects.get_for_user(user, email)
        links[_marker("confirm_email")] = ["confirm_email", address.pk]
        context["activate_url"] = _marker("confirm_email")
        context["key"] = ""
    if "uid" in context and "password_reset_url" in context and user is not None:
        links[_marker("reset_password")] = ["reset_password", user.pk]
        context["password_reset_url"] = _marker("reset_password")
        context["key"] = context["uid"] = ""
    return links


def rebase_links(context: dict[str, Any]) -> None:
    for name, value in list(context.items()):
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            context[name] = on_site(value)


class OutboxMailMixin:
    """For the account adapter: ``send_mail`` records the email in the outbox."""

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        ctx: dict[str, Any] = {"request": allauth_context.request, "email": email, **context}
        ctx["current_site"] = current_site()
        links = secret_links(email, ctx)
        rebase_links(ctx)
        message: EmailMessage = self.render_mail(template_prefix, email, ctx)  # type: ignore[attr-defined]
        html = ""
        if isinstance(message, EmailMultiAlternatives):
            html = next((str(body) for body, mimetype in message.alternatives if mimetype == "text/html"), "")
        text = str(message.body)
        if message.content_subtype == "html":  # an HTML-only template
            text, html = "", text
        outbox.queue(
            emails.account_email(to_email=email, subject=str(message.subject), text=text, html=html, links=links)
        )

"""What is left of a deleted organization (imported by ``members.models``): its name and slug, who deleted it
and when. Its audit events point here and are kept for staff until ``DELETED_ORGANIZATION_AUDIT_RETENTION_DAYS``
after the deletion (``manage.py purge_activity``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DeletedOrganization(models.Model):
    # The deleted row's id, name and slug (the slug may since belong to a new organization).
    former_id = models.BigIntegerField(_("former id"))
    name = models.CharField(_("name"), max_length=100)
    slug = models.CharField(_("slug"), max_length=120)
    created_at = models.DateTimeField(_("created"))
    deleted_at = models.DateTimeField(_("deleted"), default=timezone.now, db_index=True)
    deleted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    deleted_by_email = models.EmailField(_("deleted by"), blank=True)
    members = models.PositiveIntegerField(_("members"), default=0)
    invitations = models.PositiveIntegerField(_("pending invitations"), default=0)
    projects = models.PositiveIntegerField(_("projects"), default=0)

    class Meta:
        ordering = ["-deleted_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.slug}), deleted {self.deleted_at:%Y-%m-%d}"

"""What SCIM provisioning remembers (imported by ``members.models``; it refers to the other models by
name, so there is no import cycle): each provisioned user and each group (an organization's project),
with the attributes the identity provider sent, so they are returned as sent (RFC 7643)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from members.roles import ProjectRole


class ScimUser(models.Model):
    """A person an identity provider provisioned: an open invitation until they join, then a member."""

    organization = models.ForeignKey("members.Organization", on_delete=models.CASCADE, related_name="scim_users")
    scim_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user_name = models.CharField(max_length=255)
    email = models.EmailField()
    active = models.BooleanField(default=True)
    resource = models.JSONField(default=dict)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    invitation = models.ForeignKey(
        "members.Invitation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint("organization", Lower("user_name"), name="one_scim_user_name_per_org"),
        ]

    def __str__(self) -> str:
        return self.user_name


class ScimGroup(models.Model):
    """A SCIM group: one project of the organization; its members get ``default_role`` on it."""

    organization = models.ForeignKey("members.Organization", on_delete=models.CASCADE, related_name="scim_groups")
    scim_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    project = models.OneToOneField("members.Project", on_delete=models.CASCADE, related_name="scim_group")
    default_role = models.CharField(max_length=20, choices=ProjectRole.choices, default=ProjectRole.READ_ONLY)
    resource = models.JSONField(default=dict)
    member_ids = models.JSONField(default=list)  # scim_id of each member, as strings
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return str(self.project)

"""Answers object permission checks from the role table in members.roles; signs in by verified address."""

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.backends import BaseBackend
from django.contrib.auth.base_user import AbstractBaseUser

from members import address_ownership
from members.models import Membership, Organization, Project, ProjectMembership
from members.roles import organization_permissions, project_permissions

APP_LABEL = "members"


class OrganizationRoleBackend(BaseBackend):
    """``user.has_perm("members.<codename>", organization_or_project)``.

    Roles are read from the database on every check: a removed member loses access on their
    next request, with nothing cached in the session.
    """

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if obj is None or not getattr(user_obj, "is_active", False) or user_obj.is_anonymous:
            return set()
        if isinstance(obj, Organization):
            role = _org_role(user_obj, obj.pk)
            codenames = organization_permissions(role)
        elif isinstance(obj, Project):
            org_role = _org_role(user_obj, obj.organization_id)
            project_role = (
                ProjectMembership.objects.filter(user=user_obj, project=obj).values_list("role", flat=True).first()
                if org_role
                else None
            )
            codenames = project_permissions(org_role=org_role, project_role=project_role)
        else:
            return set()
        return {f"{APP_LABEL}.{codename}" for codename in codenames}

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return perm in self.get_all_permissions(user_obj, obj)


def _org_role(user: Any, organization_id: int) -> str | None:
    return Membership.objects.filter(user=user, organization_id=organization_id).values_list("role", flat=True).first()


class VerifiedEmailBackend(AuthenticationBackend):
    """allauth's password backend, signing in only through an address the account has verified.

    allauth would also try every account that merely lists the address (unverified); any account can
    list any address, so that proves nothing about who is signing in."""

    def _authenticate_by_email(self, email: str, password: str) -> AbstractBaseUser | None:
        for user in address_ownership.verified_users(email):
            if self._check_password(user, password):
                return user
        return None

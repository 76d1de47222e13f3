"""Labels for the Activity page: an event stores role and project-role codes; people read their names."""

from django import template

from members.roles import OrgRole, ProjectRole

register = template.Library()


@register.filter
def role_label(role: str) -> str:
    """``owner`` → "Organization Owner"; anything unknown (an old code) as it was stored."""
    return str(OrgRole(role).label) if role in OrgRole.values else role


@register.filter
def project_labels(access: object) -> dict[str, str]:
    """``{"Production": "admin"}`` → ``{"Production": "Project Admin"}`` (empty for anything else)."""
    if not isinstance(access, dict):
        return {}
    return {
        str(name): str(ProjectRole(code).label) if code in ProjectRole.values else str(code)
        for name, code in access.items()
    }

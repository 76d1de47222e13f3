from django.http import HttpRequest

from members.selectors import organizations_for


def navigation(request: HttpRequest) -> dict[str, object]:
    """The organization switcher's entries, and the organization the page is about."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    context: dict[str, object] = {"nav_organizations": organizations_for(user)}
    if organization := getattr(request, "organization", None):
        context["current_organization"] = organization
    return context

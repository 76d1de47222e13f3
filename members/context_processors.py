from django.http import HttpRequest

from members.roles import MANAGE_API_TOKENS, VIEW_ACTIVITY, organization_permissions
from members.selectors import organizations_for
from members.two_factor_gate import RETURN_KEY, two_factor_return


def navigation(request: HttpRequest) -> dict[str, object]:
    """The organization switcher's entries, and the organization the page is about."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    context: dict[str, object] = {"nav_organizations": organizations_for(user)}
    if RETURN_KEY in request.session:
        # Sent to set up two-factor authentication by an organization: the way back, once it is set up.
        context["two_factor_return"] = two_factor_return(request)
    if organization := getattr(request, "organization", None):
        context["current_organization"] = organization
        membership = getattr(request, "membership", None)
        # From the role table and the membership already loaded: no extra query.
        permissions = organization_permissions(getattr(membership, "role", None))
        context["can_manage_api_tokens"] = MANAGE_API_TOKENS in permissions
        context["nav_can_view_activity"] = VIEW_ACTIVITY in permissions
    return context

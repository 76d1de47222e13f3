"""``/scim/v2/``: SCIM 2.0 for identity providers (Okta, Microsoft Entra ID, OneLogin)."""

from django.urls import path, re_path

from members.scim import views

app_name = "scim"

urlpatterns = [
    path("ServiceProviderConfig", views.service_provider_config_view, name="service_provider_config"),
    path("ResourceTypes", views.resource_types_view, name="resource_types"),
    path("ResourceTypes/<str:name>", views.resource_types_view, name="resource_type"),
    path("Schemas", views.schemas_view, name="schemas"),
    path("Schemas/<str:urn>", views.schemas_view, name="schema"),
    path(".search", views.root_search_view, name="root_search"),
    path("Users", views.users_view, name="users"),
    path("Users/.search", views.users_search_view, name="users_search"),
    path("Users/<str:scim_id>", views.user_view, name="user"),
    path("Groups", views.groups_view, name="groups"),
    path("Groups/.search", views.groups_search_view, name="groups_search"),
    path("Groups/<str:scim_id>", views.group_view, name="group"),
    # Anything else under /scim/v2/ is a SCIM 404, not the console's HTML page.
    re_path(r"^.*$", views.not_found, name="not_found"),
]

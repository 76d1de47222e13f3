from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from members.admin_access import require_two_factor_for_staff
from members.api.app import api
from members.api.docs import api_docs
from members.views import account as account_views
from orgconsole import views

# Staff sign in through allauth too, so rate limits and verification apply.
admin.site.login = secure_admin_login(admin.site.login)
require_two_factor_for_staff(admin.site)
admin.site.site_header = "OrgConsole administration"
admin.site.site_title = "OrgConsole admin"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("admin/", admin.site.urls),
    # Ahead of allauth's own routes for these paths: a security key is removed only when the MFA
    # adapter allows it, and one session at a time can be signed out.
    path("accounts/2fa/webauthn/keys/<int:pk>/remove/", account_views.remove_security_key, name="mfa_remove_webauthn"),
    path("accounts/sessions/<int:session_id>/end/", account_views.end_session, name="usersessions_end"),
    path("accounts/name/", account_views.display_name, name="account_name"),
    path("accounts/", include("allauth.urls")),
    # ESP tracking webhooks (delivered/bounced/rejected), authenticated by ANYMAIL["WEBHOOK_SECRET"]; anymail's
    # views, closed without a secret and answering 400 to malformed payloads.
    path("anymail/", include("members.webhooks")),
    path("api/v1/docs", api_docs, name="api_docs"),
    path("api/v1/", api.urls),
    path("scim/v2/", include("members.scim.urls")),
    path("", include("members.urls")),
]

handler403 = views.permission_denied
handler404 = views.page_not_found
handler500 = views.server_error

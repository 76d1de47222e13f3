from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from members.api.app import api
from members.api.docs import api_docs
from orgconsole import views

# Staff sign in through allauth too, so rate limits and verification apply.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "OrgConsole administration"
admin.site.site_title = "OrgConsole admin"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("admin/", admin.site.urls),
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

"""The project's URLconf plus a route with a secret in its path that answers 404, the way a dead invitation
link might."""

from django.http import Http404
from django.urls import path

from orgconsole.urls import handler403, handler404, handler500
from orgconsole.urls import urlpatterns as project_urlpatterns

__all__ = ["handler403", "handler404", "handler500"]


def secret(request, token):
    raise Http404("gone")


urlpatterns = [path("secret/<str:token>/", secret), *project_urlpatterns]

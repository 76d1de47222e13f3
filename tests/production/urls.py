"""The project's URLconf plus a view that fails, to see the 500 page's headers."""

from django.urls import path

from orgconsole.urls import handler403, handler404, handler500
from orgconsole.urls import urlpatterns as project_urlpatterns

__all__ = ["handler403", "handler404", "handler500"]


def boom(request):
    raise RuntimeError("boom")


urlpatterns = [path("boom/", boom), *project_urlpatterns]

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orgconsole.settings.production")

application = get_wsgi_application()
# Import the URLconf, so every view and the API's schemas, now rather than on each worker's first request (with
# gunicorn's preload_app, once for all workers). Nothing here touches the database.
get_resolver().url_patterns  # noqa: B018 - the import is the point

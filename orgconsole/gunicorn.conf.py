"""gunicorn settings for `make serve`: `gunicorn -c orgconsole/gunicorn.conf.py orgconsole.wsgi`.

Every value comes from the environment. Nothing is kept in process memory between requests (sessions and
the task queue live in the database, the rate-limit cache in the database or Redis), so any number of
these processes may run on any number of machines behind one load balancer.
"""

import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"  # noqa: S104 - behind a proxy
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow forever.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = 100
# Django logs one JSON line per request (with the route, not the path: paths can hold invitation tokens).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Only the local proxy may set X-Forwarded-*; widen with FORWARDED_ALLOW_IPS for a proxy on another host.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

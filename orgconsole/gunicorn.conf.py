"""gunicorn settings for `make serve`: `gunicorn -c orgconsole/gunicorn.conf.py orgconsole.wsgi`.

Every value comes from the environment. Nothing is kept in process memory between requests (sessions and
the task queue live in the database, the rate-limit cache in the database or Redis), so any number of
these processes may run on any number of machines behind one load balancer.
"""

import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"  # noqa: S104 - behind a proxy
# Synchronous workers, gunicorn's recommended 2 x cores + 1 of them: the console is CPU-bound (templates, ORM) and
# sits behind a buffering TLS proxy. Each worker takes one request at a time, so an idle one takes the next
# connection. Threaded workers (GUNICORN_THREADS > 1) hold keep-alive connections: under a client that keeps 8 open,
# one worker took all 8 while the other idled, halving throughput (issue 17, README "Performance").
workers = int(os.environ.get("WEB_CONCURRENCY", str(2 * len(os.sched_getaffinity(0)) + 1)))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow forever.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = 100
# Load Django (and, in orgconsole.wsgi, every view) once in the master: a worker forks ready to serve, where a
# worker booting on its own spent 1-3 s importing under load, while its share of the requests waited (issue 17).
# It holds no database connection (Django opens them per thread, on first use). Code changes need a restart, not HUP.
preload_app = os.environ.get("GUNICORN_PRELOAD", "true").lower() not in {"0", "false", "no", "off"}
# Django logs one JSON line per request (with the route, not the path: paths can hold invitation tokens).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Only the local proxy may set X-Forwarded-*; widen with FORWARDED_ALLOW_IPS for a proxy on another host.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

"""gunicorn settings of a Performa web process: `gunicorn -c deploy/gunicorn.conf.py performa.wsgi`.

A process keeps no state of its own that another needs: sessions, login throttling, the task
queue and the version of the stored scores live in the database, the API throttling counters
in the shared cache (`PERFORMA_CACHE=database`). So any number of these processes, on one
machine or several, can serve the same database behind the proxy.
"""

import os

bind = os.environ.get("PERFORMA_BIND", "0.0.0.0:8000")
# A sync worker serves one request at a time, so it keeps one database connection between
# requests instead of opening one per request (on SQLite the file and its PRAGMAs, on PostgreSQL
# a TCP connection and a login): ~4 ms of CPU per request measured on the medium ente. Set in
# the master before the workers load Django; `PERFORMA_DB_CONN_MAX_AGE=0` in the environment
# still wins.
os.environ.setdefault("PERFORMA_DB_CONN_MAX_AGE", "60")
# Two processes per CPU is a good start; each one holds its own score boards
# (`PERFORMA_SCORE_BOARDS`), so memory grows with the number of workers.
workers = int(os.environ.get("PERFORMA_WEB_WORKERS", "2"))
threads = int(os.environ.get("PERFORMA_WEB_THREADS", "1"))
# Long exports and the first computation of a large ente's scores can take a while.
timeout = int(os.environ.get("PERFORMA_WEB_TIMEOUT", "120"))
graceful_timeout = 30
# Restarted from time to time so that memory does not creep up.
max_requests = int(os.environ.get("PERFORMA_WEB_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# The proxy on the same host or network adds X-Forwarded-*; Django reads them
# (PERFORMA_BEHIND_PROXY, PERFORMA_TRUSTED_PROXIES).
forwarded_allow_ips = os.environ.get("PERFORMA_FORWARDED_ALLOW_IPS", "*")
accesslog = "-"
errorlog = "-"


def post_worker_init(worker):  # noqa: ARG001 (gunicorn's hook signature)
    """Import the URL configuration (and the views it names) before the first request, which
    would otherwise take a second or more of imports while a user waits."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (loaded for its side effect)

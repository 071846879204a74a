"""gunicorn settings for the app behind nginx: ``gunicorn -c deploy/gunicorn.conf.py wsgi:app``.

Command-line options override these, e.g. ``--bind 127.0.0.1:8001 --workers 2`` for a
second instance. The app's own settings come from ``SURVEY_APP_*`` variables.
"""

import os

# Loopback only: nginx in front terminates TLS and is the only client.
bind = os.environ.get("SURVEY_APP_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("SURVEY_APP_WORKERS", "2"))
worker_class = "sync"
timeout = 30
graceful_timeout = 20
# A worker is replaced now and then, so a slow leak cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200

# No access log: request lines carry answering links (/s/<token>). nginx writes a masked one.
accesslog = None
errorlog = "-"
loglevel = "warning"

# Requests larger than nginx lets through are refused here too.
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190

# nginx on this host sets X-Forwarded-*; the app reads them (SURVEY_APP_PROXY_COUNT=1).
forwarded_allow_ips = "127.0.0.1,::1"

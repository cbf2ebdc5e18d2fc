"""gunicorn settings for the web app, read by both docker-compose and bin/stack.

Every value can be overridden from the environment (GUNICORN_*), so the same file
serves a container (0.0.0.0:8000) and a bare machine (127.0.0.1).
"""

import multiprocessing
import os
from pathlib import Path

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 8)))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# Load the app once in the master and fork the workers from it: quicker starts, and a
# worker that dies is replaced at once.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") == "1"
# A request that takes longer than this is killed; its transaction rolls back.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# Restart workers now and then so a slow leak cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# The reverse proxy in front (TLS) is the only peer allowed to set forwarding headers.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Heartbeat files on tmpfs when there is one (containers), so a slow disk never
# makes the arbiter think a worker hung. gunicorn creates them with mkstemp (random
# name, mode 0600) and unlinks them at once, so a shared folder is safe here.
SHM = "/dev/shm"  # noqa: S108  # nosec B108
if Path(SHM).is_dir():
    worker_tmp_dir = SHM

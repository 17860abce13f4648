"""gunicorn settings for the web process (`gunicorn -c config/gunicorn.py config.wsgi`).

Command-line flags override these; the environment variables below are read once at start.
"""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_WORKERS", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
graceful_timeout = 5
worker_tmp_dir = "/dev/shm"  # noqa: S108 - heartbeat files on tmpfs, as gunicorn's docs advise
accesslog = "-"
# The request line carries the page cursor, which the API accepts up to 4000 characters (then
# answers a JSON 400); gunicorn's default (4094) would refuse a long cursor with its own HTML 414
# before the app sees it. Room for the path and the other parameters; anything longer still gets 414.
limit_request_line = 8190
# Headers (bearer tokens, cookies) keep gunicorn's defaults.
limit_request_fields = 100
limit_request_field_size = 8190

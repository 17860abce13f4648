"""The Celery application: settings come from Django's (CELERY_* names), tasks from each app.

Each worker process keeps its temporary files in its own folder under generation's WORK_DIR, never in
/tmp (generation.worker_tmp, connected when the worker imports generation's tasks).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("castfeed")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

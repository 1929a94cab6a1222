"""The Celery app. Redis is the broker in production (REDIS_URL); the demo runs tasks eagerly."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "magicmix.settings")

app = Celery("magicmix")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

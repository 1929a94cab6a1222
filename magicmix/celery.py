"""The Celery app: Redis as broker (REDIS_URL), a beat schedule for the reminders.

Without REDIS_URL (the demo) tasks run eagerly in the web process, and
`manage.py send_reminders` does the scheduler's work by hand.
"""

import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "magicmix.settings")

app = Celery("magicmix")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def catch_up_on_start(sender, **kwargs) -> None:
    """A worker that (re)starts catches up at once instead of waiting for the next hour."""
    from .models import RunTrigger

    sender.app.send_task("magicmix.tasks.run_reminders", kwargs={"trigger": RunTrigger.HOURLY})

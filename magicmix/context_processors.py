from projects import access

from . import reminders
from .models import Delivery


def roles(request):
    """What the navigation needs to know about the user, computed once per request.

    Two small queries on every page: the unread reminder count, and (for staff) the time of the
    last reminder run, so that a stopped scheduler shows as a warning on every staff page.
    """
    user = request.user
    if not user.is_authenticated:
        return {}
    is_staff = access.is_corporation_user(user)
    context = {
        "is_corporation_user": is_staff,
        "is_policy_officer": bool(access.municipality_ids(user)),
        "is_care_worker": bool(access.care_organisation_ids(user)),
        "unread_reminders": Delivery.objects.unread_for(user).count(),
    }
    if is_staff:
        run = reminders.last_run()
        context["reminder_run"] = run
        context["reminders_stale"] = reminders.heartbeat_stale(run)
    return context

from django.conf import settings

from projects import access
from residents.models import AssociationMembership

from . import reminders
from .models import Delivery


def roles(request):
    """What the navigation needs to know about the user, computed once per request.

    Small queries on every page: the unread reminder count, whether the user is in a residents'
    association (for the link to its votes), and (for staff) the time of the last reminder run, so
    that a stopped scheduler shows as a warning on every staff page.
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
        "is_association_member": AssociationMembership.objects.filter(person__user=user).exists(),
        "second_factor_optional": not settings.MFA_REQUIRED,
    }
    if is_staff:
        run = reminders.last_run()
        context["reminder_run"] = run
        context["reminders_stale"] = reminders.heartbeat_stale(run)
    return context

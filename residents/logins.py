"""A resident's or candidate's own login: staff invite them from their person page, and revoke it.

The login is a user identified by the person's e-mail address; with it the person sees their
association's votes (allocation). An address that already has a login is linked, not
duplicated: the owner keeps their password and is told what the login now also shows.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from projects import services as accounts
from projects.models import Invitation, Membership

from .letters import letter_language
from .models import Person


@transaction.atomic
def invite(*, person: Person, invited_by) -> str:
    """Give `person` a login and send the e-mail, in the person's language. Returns "invited"
    (a new link to choose a password) or "linked" (an existing login, told by e-mail)."""
    person = Person.objects.select_for_update().select_related("corporation").get(pk=person.pk)
    if person.anonymised_on:
        raise ValidationError(_("This person's data has been erased."))
    if not person.email:
        raise ValidationError(_("Add the person's e-mail address first."))
    if person.user_id and person.user.has_usable_password() and person.user.is_active:
        raise ValidationError(_("This person can log in already."))
    language = letter_language(person)
    user = person.user or accounts.find_login(person.email)
    if user is None:
        user = accounts.new_login(
            email=person.email,
            first_name=person.first_name,
            last_name=person.last_name,
            language=language,
        )
    elif Person.objects.filter(user=user).exclude(pk=person.pk).exists():
        raise ValidationError(
            _(
                "%(email)s is the login of another person's record. Give this person their own "
                "e-mail address."
            )
            % {"email": person.email}
        )
    elif Membership.objects.filter(user=user).exists() and person.user_id != user.pk:
        raise ValidationError(
            _(
                "%(email)s is the work login of someone at an organisation. A resident needs "
                "a login of their own."
            )
            % {"email": person.email}
        )
    linked = user.has_usable_password() and user.is_active
    person.user = user
    person.save(update_fields=["user"])
    with translation.override(language):
        what = _("the pages of %(name)s, such as the association's votes") % {
            "name": person.full_name
        }
    accounts.invite_or_notify(
        user,
        organisation=person.corporation,
        invited_by=invited_by,
        language=language,
        what=what,
        template="residents/email/login_invitation.txt",
        context={"person": person},
    )
    return "linked" if linked else "invited"


@transaction.atomic
def revoke(*, person: Person) -> None:
    """End the person's login: unlinked from the record, open invitations withdrawn, and the
    login itself closed (no password, inactive; its sessions end) unless it also works for an
    organisation."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    user = person.user
    if user is None:
        raise ValidationError(_("This person has no login."))
    person.user = None
    person.save(update_fields=["user"])
    Invitation.objects.filter(user=user, accepted_at=None, revoked_at=None).update(
        revoked_at=timezone.now()
    )
    if not Membership.objects.filter(user=user).exists():
        user.set_unusable_password()
        user.is_active = False
        user.save(update_fields=["password", "is_active"])


def login_state(person: Person) -> dict:
    """What the person page says of the login: none, invited (until when) or active."""
    user = person.user
    if user is None:
        return {"state": "none"}
    if user.has_usable_password() and user.is_active:
        return {"state": "active", "last_login": user.last_login, "email": user.email}
    invitation = user.invitations.first()
    return {
        "state": "invited",
        "email": user.email,
        "invitation": invitation,
        "expired": invitation is not None and invitation.state != "open",
    }

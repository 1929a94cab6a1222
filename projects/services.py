"""Writes about organisations, who works for them, and the invitations that give them a login.

A login is a user identified by its e-mail address alone (the username Django requires is the
same address). It gets its password through an invitation: a link that works once, until it
expires, and only while it is the newest one of its login (projects.models.Invitation).
"""

import datetime as dt
import hashlib
import secrets

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import Invitation, Membership, Organisation, Profile, Role


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def find_login(email: str):
    """The login of an e-mail address, if there is one (addresses compare case-insensitively)."""
    return get_user_model().objects.filter(email__iexact=email.strip()).first()


def new_login(*, email: str, first_name: str = "", last_name: str = "", language: str = ""):
    """A login without a password yet, for an address that has none; its e-mails and pages are
    in `language` (else the site's default)."""
    email = email.strip().lower()
    user = get_user_model()(
        username=email[:150], email=email, first_name=first_name, last_name=last_name
    )
    user.set_unusable_password()
    user.full_clean()
    user.save()
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    if language:
        Profile.objects.create(user=user, language=language)
    return user


def _mail_on_commit(subject: str, body: str, to: str) -> None:
    transaction.on_commit(lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to]))


def invitation_link(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("projects:invitation", args=[token])


def send_invitation(
    user,
    *,
    organisation: Organisation,
    invited_by,
    language: str,
    template: str = "projects/email/invitation.txt",
    context: dict | None = None,
) -> Invitation:
    """Withdraw the login's open invitations and send a new one, once the transaction commits."""
    now = timezone.now()
    Invitation.objects.filter(user=user, accepted_at=None, revoked_at=None).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        user=user,
        email=user.email,
        organisation=organisation,
        token_hash=token_hash(token),
        language=language,
        invited_by=invited_by if invited_by and invited_by.pk else None,
        created_at=now,
        expires_at=now + dt.timedelta(days=settings.INVITATION_DAYS),
    )
    context = {
        "user": user,
        "organisation": organisation,
        "invited_by": invited_by,
        "link": invitation_link(token),
        "expires_at": invitation.expires_at,
        "site_name": settings.SITE_NAME,
        **(context or {}),
    }
    with translation.override(language):
        subject = _("Your %(site)s login at %(org)s") % {
            "site": settings.SITE_NAME,
            "org": organisation,
        }
        body = render_to_string(template, context)
    _mail_on_commit(subject, body, user.email)
    return invitation


def send_access_notice(user, *, organisation: Organisation, language: str, what: str) -> None:
    """Tell a login that already has a password what it now also gives access to."""
    with translation.override(language):
        subject = _("Your %(site)s login at %(org)s") % {
            "site": settings.SITE_NAME,
            "org": organisation,
        }
        body = render_to_string(
            "projects/email/access_notice.txt",
            {
                "user": user,
                "organisation": organisation,
                "what": what,
                "login_link": settings.SITE_URL.rstrip("/") + reverse("account_login"),
                "site_name": settings.SITE_NAME,
            },
        )
    _mail_on_commit(subject, body, user.email)


def refuse_administrators(user) -> None:
    """An administrator's login is never given a role or a resident's record from a page: an
    administrator could otherwise be locked out, or a switched-off one switched on, by staff."""
    if user.is_superuser or user.is_staff:
        raise ValidationError(
            {
                "email": _("%(email)s is an administrator's login. Use another e-mail address.")
                % {"email": user.email}
            }
        )


def reopen(user, *, keep_membership=None) -> None:
    """A switched-off login may be opened again only when it gives no other access (no role
    elsewhere): then without its old password, so only the mailbox's owner gets in, through a
    new invitation. One an administrator switched off while it kept a role stays off."""
    others = Membership.objects.filter(user=user)
    if keep_membership is not None:
        others = others.exclude(pk=keep_membership.pk)
    if others.exists():
        raise ValidationError(
            {
                "email": _("The login of %(email)s has been switched off. Ask an administrator.")
                % {"email": user.email}
            }
        )
    user.is_active = True
    user.set_unusable_password()
    user.save(update_fields=["is_active", "password"])


def invite_or_notify(
    user, *, organisation, invited_by, language, what, keep_membership=None, **invitation
) -> None:
    """A login with a password hears what it gained; one without gets a (new) invitation; a
    switched-off one is opened again (see `reopen`) with a new invitation, or refused."""
    refuse_administrators(user)
    if not user.is_active:
        reopen(user, keep_membership=keep_membership)
    if user.has_usable_password():
        send_access_notice(user, organisation=organisation, language=language, what=what)
    else:
        send_invitation(
            user, organisation=organisation, invited_by=invited_by, language=language, **invitation
        )


@transaction.atomic
def member_invite(
    *,
    organisation: Organisation,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    invited_by,
    language: str = "nl",
) -> Membership:
    """Give someone a role at an organisation. A new address gets a login and an invitation to
    set its password; an address that has a login keeps it and is told of the new role."""
    user = find_login(email)
    if user is None:
        user = new_login(email=email, first_name=first_name, last_name=last_name, language=language)
    elif Membership.objects.filter(user=user, organisation=organisation).exists():
        message = _("%(email)s already has a role at %(org)s.") % {
            "email": user.email,
            "org": organisation,
        }
        raise ValidationError({"email": message})
    membership = Membership(user=user, organisation=organisation, role=role)
    membership.full_clean()
    membership.save()
    with translation.override(language):
        what = _("%(role)s at %(org)s") % {
            "role": Role(role).label,
            "org": organisation,
        }
    invite_or_notify(
        user,
        organisation=organisation,
        invited_by=invited_by,
        language=language,
        what=what,
        keep_membership=membership,
        context={"role": Role(role).label},
    )
    return membership


def open_invitation(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("user", "organisation")
        .filter(token_hash=token_hash(token))
        .first()
    )


@transaction.atomic
def accept_invitation(invitation: Invitation, password: str) -> bool:
    """Set the login's password, if the invitation is still open when it is locked; once only."""
    locked = Invitation.objects.select_for_update().select_related("user").get(pk=invitation.pk)
    user = locked.user
    if locked.state != "open" or not user.is_active or locked.email.lower() != user.email.lower():
        return False  # used, withdrawn, expired, switched off, or sent to an address since changed
    user.set_password(password)
    user.save(update_fields=["password"])
    locked.accepted_at = timezone.now()
    locked.save(update_fields=["accepted_at"])
    return True


def renewable(invitation: Invitation, user=None) -> bool:
    """Whether an expired link may send a new one to its address: it is the login's newest, and
    the login is open and still has no password."""
    user = user or invitation.user
    return (
        invitation.state == "expired"
        and Invitation.objects.filter(user=user).first() == invitation
        and not user.has_usable_password()
        and user.is_active
    )


@transaction.atomic
def renew_invitation(invitation: Invitation) -> Invitation | None:
    """A new link to the same address for an expired one (see `renewable`); None when there is
    nothing to renew."""
    # The login's row is locked: two requests at once send one new link, not two.
    user = get_user_model().objects.select_for_update().get(pk=invitation.user_id)
    if not renewable(invitation, user):
        return None
    return send_invitation(
        user,
        organisation=invitation.organisation,
        invited_by=invitation.invited_by,
        language=invitation.language,
        template=RENEWAL_TEMPLATE,
    )


RENEWAL_TEMPLATE = "projects/email/invitation_renewed.txt"

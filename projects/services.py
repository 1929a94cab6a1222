"""Writes about organisations and who works for them."""

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from .models import Membership, Organisation


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
    """Give someone a role at an organisation; a new user gets an e-mail to set a password."""
    User = get_user_model()
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if created:
        user = User(username=email, email=email, first_name=first_name, last_name=last_name)
        user.set_unusable_password()
        user.full_clean()
        user.save()
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    elif Membership.objects.filter(user=user, organisation=organisation).exists():
        message = _("%(email)s already has a role at %(org)s.") % {
            "email": email,
            "org": organisation,
        }
        raise ValidationError({"email": message})
    membership = Membership(user=user, organisation=organisation, role=role)
    membership.full_clean()
    membership.save()
    if created:
        link = settings.SITE_URL.rstrip("/") + reverse(
            "account_reset_password_from_key",
            kwargs={
                "uidb36": user_pk_to_url_str(user),
                "key": default_token_generator.make_token(user),
            },
        )
        context = {
            "user": user,
            "organisation": organisation,
            "role": membership.get_role_display,
            "invited_by": invited_by,
            "link": link,
            "site_name": settings.SITE_NAME,
        }
        with translation.override(language):
            subject = _("Your %(site)s account at %(org)s") % {
                "site": settings.SITE_NAME,
                "org": organisation,
            }
            body = render_to_string("projects/email/invitation.txt", context)
        transaction.on_commit(
            lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email])
        )
    return membership

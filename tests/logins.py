"""Logging a test client in as a user who has passed both factors.

`force_login` skips the password; `log_in` also gives a user who must have a second factor an
authenticator app and marks the session as having proved it, as allauth's two-factor step does
(magicmix.second_factor). Tests of the login itself (tests/test_security.py) go through the real
forms, codes included.
"""

from allauth.mfa.adapter import get_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import generate_totp_secret

from magicmix.second_factor import mark_passed, needs_second_factor


def log_in(client, user):
    client.force_login(user)
    if needs_second_factor(user):
        Authenticator.objects.get_or_create(
            user=user,
            type=Authenticator.Type.TOTP,
            defaults={"data": {"secret": get_adapter().encrypt(generate_totp_secret())}},
        )
        session = client.session
        mark_passed(session, user)
        session.save()
    return client

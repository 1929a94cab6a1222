"""Logging a test client in as a user who has passed both factors.

`force_login` skips the password; `log_in` also marks the session as having passed the second
factor, as allauth's two-factor step does (magicmix.middleware). Tests of the login itself
(tests/test_security.py) go through the real forms, codes included.
"""

from magicmix.middleware import SECOND_FACTOR_SESSION_KEY


def log_in(client, user):
    client.force_login(user)
    session = client.session
    session[SECOND_FACTOR_SESSION_KEY] = user.pk
    session.save()
    return client

"""Who must have a second factor, and whether this session has proved one.

A session proves a second factor only through allauth's own flows, in this session: logging in
with a code or key (the `authenticator_used` receiver below marks it), or setting up the first
one (SecondFactorRequiredMiddleware marks it when this session's own successful POST to the
set-up page made it: allauth announces a new factor only after the commit). Nothing else does:
not a factor that exists in the database (set up in another session, which would promote a
password-only session). And a mark does not outlive the factors: the middleware logs out a
session whose user's factors were all removed, or whose user has a factor it never proved.
"""

from allauth.mfa import signals
from allauth.mfa.models import Authenticator
from django.dispatch import receiver

SESSION_KEY = "magicmix_second_factor"


def needs_second_factor(user) -> bool:
    """Everyone who works in the product (any organisation role) and every administrator."""
    from projects import access

    # access.roles loads the memberships once per request; the pages use them anyway.
    return user.is_superuser or user.is_staff or bool(access.roles(user))


def has_factor(user, *, other_than=None) -> bool:
    """An authenticator app or a security key (recovery codes alone are no factor); with
    `other_than`, one besides that authenticator."""
    factors = Authenticator.objects.filter(user=user).exclude(
        type=Authenticator.Type.RECOVERY_CODES
    )
    if other_than is not None:
        factors = factors.exclude(pk=other_than.pk)
    return factors.exists()


def mark_passed(session, user) -> None:
    session[SESSION_KEY] = user.pk


def session_passed(request) -> bool:
    return request.session.get(SESSION_KEY) == request.user.pk


@receiver(signals.authenticator_used)
def _proved(sender, request, user, **kwargs) -> None:
    if request is not None and getattr(request, "session", None) is not None:
        mark_passed(request.session, user)


@receiver(signals.authenticator_removed)
def _removed(sender, request, user, **kwargs) -> None:
    """The user removed a factor in this session: with none left, the session has none."""
    session = getattr(request, "session", None) if request is not None else None
    if session is not None and not has_factor(user):
        session.pop(SESSION_KEY, None)

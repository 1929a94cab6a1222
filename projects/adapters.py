"""How allauth logs people in here: by invitation only, limited per account and address.

Failed logins are counted three ways (settings.ACCOUNT_RATE_LIMITS):
- per address (`10/m/ip`, allauth's own): one machine cannot try many accounts fast;
- per account *and* address (`login_failed`, keyed `<e-mail>|<ip>`): five wrong passwords from
  one place stop that place only. allauth's default keys this on the e-mail alone, which let
  anyone who knows an address lock its owner out;
- per account from anywhere (`login_failed_account`, a slower limit): a spread-out guessing
  attack stops too. It does not apply at an address this account logged in from before (with
  the right password, in the last 90 days), so the owner at their usual desk gets in even then;
  elsewhere its message offers the password reset, and a reset (which proves the mailbox) clears
  both counts.
A successful login gives back the attempt it was counted with, as allauth does. Addresses are
allauth's: IPv6 counted per /64, X-Forwarded-For only behind TRUSTED_PROXY_COUNT proxies.
"""

import base64
import hashlib
from types import SimpleNamespace
from urllib.parse import quote

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import ratelimit
from allauth.core.internal.ratelimit import get_ip
from allauth.mfa.adapter import DefaultMFAAdapter
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

KNOWN_ADDRESS_SECONDS = 90 * 24 * 3600


def site() -> SimpleNamespace:
    """The site's name and address for every e-mail: from settings, never the request's host."""
    return SimpleNamespace(name=settings.SITE_NAME, domain=settings.SITE_URL.rstrip("/"))


class InviteOnlyAdapter(DefaultAccountAdapter):
    """No open sign-up: staff or an administrator creates accounts and sends an invitation."""

    error_messages = DefaultAccountAdapter.error_messages | {
        "too_many_login_attempts": _(
            "Too many failed attempts from this address. Wait a few minutes and try again."
        ),
    }

    def is_open_for_signup(self, request) -> bool:
        return False

    # Rate limits

    @staticmethod
    def _login_of(credentials) -> str:
        return credentials.get("email", credentials.get("username", "")).lower()

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        return f"{self._login_of(credentials)}|{get_ip(request)}"

    def _known_address_key(self, request, credentials) -> str:
        digest = hashlib.sha256(self._get_login_attempts_cache_key(request, **credentials).encode())
        return f"magicmix:known-address:{digest.hexdigest()}"

    def authenticate(self, request, **credentials):
        user = super().authenticate(request, **credentials)
        if user is not None:
            cache.set(self._known_address_key(request, credentials), 1, KNOWN_ADDRESS_SECONDS)
        return user

    def pre_authenticate(self, request, **credentials) -> None:
        super().pre_authenticate(request, **credentials)
        self._account_rl_usage = None
        if cache.get(self._known_address_key(request, credentials)):
            return  # the owner's usual address: only the per-address limits apply
        account = self._login_of(credentials)
        self._account_rl_usage = ratelimit._impl.consume(
            request, app="allauth.account", action="login_failed_account", key=account
        )
        if not self._account_rl_usage:
            self._rollback_login_failed_rl_usage()
            reset = reverse("account_reset_password")
            raise ValidationError(
                _(
                    "This account has had too many failed logins from several places, so it "
                    "is paused for a while. You can still get in now: reset your password via "
                    "the link we e-mail you (%(reset)s)."
                )
                % {"reset": reset},
                code="too_many_login_attempts_account",
            )

    def _rollback_login_failed_rl_usage(self) -> None:
        super()._rollback_login_failed_rl_usage()
        usage = getattr(self, "_account_rl_usage", None)
        if usage:
            usage.rollback()

    def _delete_login_attempts_cached_email(self, request, **credentials) -> None:
        """After a password reset: the owner proved the mailbox, so both counts start again."""
        super()._delete_login_attempts_cached_email(request, **credentials)
        ratelimit.clear(request, action="login_failed_account", key=self._login_of(credentials))

    # E-mail: the site's name and address from settings

    def format_email_subject(self, subject: str) -> str:
        return f"[{settings.SITE_NAME}] {subject}"

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        super().send_mail(template_prefix, email, {"current_site": site(), **context})

    def get_reset_password_from_key_url(self, key: str) -> str:
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return settings.SITE_URL.rstrip("/") + path.replace("UID-KEY", quote(key))


class SecondFactorAdapter(DefaultMFAAdapter):
    """allauth.mfa as this site uses it: secrets encrypted, the last factor kept where required.

    allauth stores a TOTP secret (and the recovery codes' seed) as given; here they are encrypted
    with Fernet under `settings.MFA_ENCRYPTION_KEY`, so neither the database, a backup nor the
    admin shows a secret that could make codes. An account that must have a second factor
    (magicmix.second_factor.needs_second_factor) cannot remove its last one.
    """

    @staticmethod
    def _fernet() -> Fernet:
        digest = hashlib.sha256(settings.MFA_ENCRYPTION_KEY.encode()).digest()
        return Fernet(base64.urlsafe_b64encode(digest))

    def encrypt(self, text: str) -> str:
        return self._fernet().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        return self._fernet().decrypt(encrypted_text.encode()).decode()

    def can_delete_authenticator(self, authenticator) -> bool:
        from magicmix.second_factor import has_factor, needs_second_factor

        user = authenticator.user
        return not needs_second_factor(user) or has_factor(user, other_than=authenticator)

    def _get_site_name(self) -> str:
        return settings.SITE_NAME

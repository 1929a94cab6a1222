from django.conf import settings
from django.contrib import messages
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _


class DutchFirstLocaleMiddleware(LocaleMiddleware):
    """Dutch unless the user chose English with the language switch.

    Django's LocaleMiddleware would follow the browser's Accept-Language, which would show an
    English page to Dutch staff whose browser happens to be set to English. The product's
    default is Dutch; the choice made in the header (a cookie) is the only way to change it.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


# A session that passed a second factor (or set one up) carries the user's id under this key.
SECOND_FACTOR_SESSION_KEY = "magicmix_second_factor"


def needs_second_factor(user) -> bool:
    """Everyone who works in the product (any organisation role) and every administrator."""
    from projects import access

    # access.roles loads the memberships once per request; the pages use them anyway.
    return user.is_superuser or user.is_staff or bool(access.roles(user))


def passed_second_factor(request) -> bool:
    session = request.session
    if session.get(SECOND_FACTOR_SESSION_KEY) == request.user.pk:
        return True
    methods = session.get("account_authentication_methods", [])
    passed = any(method.get("method") == "mfa" for method in methods)
    if not passed:
        # Set up in this session: activating a factor proves it (allauth asks for a code).
        from allauth.mfa.models import Authenticator

        passed = (
            Authenticator.objects.filter(user=request.user)
            .exclude(type=Authenticator.Type.RECOVERY_CODES)
            .exists()
        )
    if passed:
        session[SECOND_FACTOR_SESSION_KEY] = request.user.pk
    return passed


class SecondFactorRequiredMiddleware:
    """After the password, a user who must have a second factor can do nothing else first.

    Staff, read-only, policy, care and administrator accounts (`needs_second_factor`) are sent to
    the two-factor pages until the session has passed one: logged in with it, or set it up. Only
    those pages, logging out, re-entering the password (which setting up asks for) and the
    language switch stay open. Residents may add a second factor and are not asked to.
    `settings.MFA_REQUIRED` is off only in the demo; the settings refuse that with DEBUG off.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def _open(self, path: str) -> bool:
        return path.startswith(self.open_prefixes) or path in self.open_paths

    def __call__(self, request):
        if not hasattr(self, "open_prefixes"):
            self.open_prefixes = (reverse("mfa_index"), settings.STATIC_URL)
            self.open_paths = {
                reverse("account_logout"),
                reverse("account_reauthenticate"),
                reverse("set_language"),
            }
        user = request.user
        if (
            settings.MFA_REQUIRED
            and user.is_authenticated
            and not self._open(request.path)
            and needs_second_factor(user)
            and not passed_second_factor(request)
        ):
            messages.warning(
                request,
                _(
                    "Your account gives access to personal data, so it needs a second factor. "
                    "Set up an authenticator app or a security key first."
                ),
            )
            return redirect("mfa_index")
        return self.get_response(request)

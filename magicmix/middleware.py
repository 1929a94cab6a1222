from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from . import second_factor


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


class SecondFactorRequiredMiddleware:
    """After the password, a user who must have a second factor can do nothing else first.

    Staff, read-only, policy, care and administrator accounts (`needs_second_factor`) are sent to
    the two-factor pages until the session has proved one (magicmix.second_factor): logged in
    with it, or set it up. Only those pages, logging out, re-entering the password (which setting
    up asks for) and the language switch stay open. Residents may add a second factor and are
    not asked to. `settings.MFA_REQUIRED` is off only in the demo; the settings refuse that with
    DEBUG off.

    For every user, required or not: a session that has not proved a factor while the user has
    one (set up elsewhere since this session logged in with the password), and a session that
    proved one the user no longer has (removed by an administrator), is logged out.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def _open(self, path: str) -> bool:
        return path.startswith(self.open_prefixes) or path in self.open_paths

    def __call__(self, request):
        if not hasattr(self, "open_prefixes"):
            self.open_prefixes = (reverse("mfa_index"),)
            self.open_paths = {
                reverse("account_logout"),
                reverse("account_reauthenticate"),
                reverse("set_language"),
            }
            self.setup_paths = {reverse("mfa_activate_totp"), reverse("mfa_add_webauthn")}
        user = request.user
        if not user.is_authenticated or request.path.startswith(settings.STATIC_URL):
            return self.get_response(request)
        passed = second_factor.session_passed(request)
        if passed != second_factor.has_factor(user):
            # Proved a factor that is gone, or has one this session never proved.
            logout(request)
            messages.warning(request, _("Your second factor has changed: please log in again."))
            return redirect("account_login")
        if (
            settings.MFA_REQUIRED
            and not passed
            and not self._open(request.path)
            and second_factor.needs_second_factor(user)
        ):
            messages.warning(
                request,
                _(
                    "Your account gives access to personal data, so it needs a second factor. "
                    "Set up an authenticator app or a security key first."
                ),
            )
            return redirect("mfa_index")
        if passed or request.method != "POST" or request.path not in self.setup_paths:
            return self.get_response(request)
        response = self.get_response(request)
        if response.status_code == 302 and second_factor.has_factor(user):
            second_factor.mark_passed(request.session, user)  # this session set up the first
        return response

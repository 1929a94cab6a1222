"""The security baseline, tried as an attacker and as the owner of an account would.

Every login here goes through the real forms (password, then the authenticator code), with the
production setting MFA_REQUIRED on, on the shared Redis cache that holds the rate limits.
"""

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from projects.models import Role

from .factories import MembershipFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "een-goed-wachtwoord-42"
LOGIN = reverse("account_login")


@pytest.fixture(autouse=True)
def fresh_limits():
    """Rate-limit counters, used TOTP codes and known addresses live in Redis, across tests and
    runs: start empty."""
    client = cache._cache.get_client(None, write=True)
    keys = list(client.scan_iter("*allauth*")) + list(client.scan_iter("*known-address*"))
    if keys:
        client.delete(*keys)


def person_with_role(role: str | None, email: str, org_factory=None):
    user = UserFactory(email=email, password=PASSWORD)
    if role == "admin":
        user.is_superuser = user.is_staff = True
        user.save()
    elif role is not None:
        from .factories import (
            CareOrganisationFactory,
            CorporationFactory,
            MunicipalityFactory,
        )

        kinds = {
            Role.STAFF: CorporationFactory,
            Role.READONLY: CorporationFactory,
            Role.POLICY: MunicipalityFactory,
            Role.CARE: CareOrganisationFactory,
        }
        MembershipFactory(user=user, organisation=kinds[role](), role=role)
    return user


def code_now(secret: str, *, offset: int = 0) -> str:
    counter = int(dt.datetime.now(dt.UTC).timestamp()) // 30 + offset
    return format_hotp_value(hotp_value(secret, counter))


def password_login(client, email, password=PASSWORD, ip="10.0.0.1"):
    return client.post(LOGIN, {"login": email, "password": password}, REMOTE_ADDR=ip)


def activate_totp(client) -> str:
    """Set up an authenticator app as the user would; the secret the app was given."""
    page = client.get(reverse("mfa_activate_totp"))
    if page.status_code == 302:  # allauth asks for the password again before a change
        assert page["Location"].startswith(reverse("account_reauthenticate"))
        again = client.post(page["Location"], {"password": PASSWORD})
        assert again["Location"] == reverse("mfa_activate_totp")
        page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = client.session["mfa.totp.secret"]
    response = client.post(reverse("mfa_activate_totp"), {"code": code_now(secret)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return secret


@pytest.fixture
def staff_with_totp(db):
    """A staff member who set up an authenticator app; the test starts logged out."""
    user = person_with_role(Role.STAFF, "totp@corp.example")
    client = Client()
    password_login(client, user.email)
    secret = activate_totp(client)
    client.post(reverse("account_logout"))
    return user, secret


# 1. A second factor is required for everyone who works in the product


@pytest.mark.parametrize("role", [Role.STAFF, Role.READONLY, Role.POLICY, Role.CARE, "admin"])
def test_after_the_password_a_worker_can_only_set_up_a_second_factor(db, role):
    assert settings.MFA_REQUIRED
    user = person_with_role(role, f"{role}@org.example")
    client = Client()
    assert password_login(client, user.email).status_code == 302
    for page in ["/", "/projects/", "/people/", "/dashboard/", "/admin/", "/reminders/"]:
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"] == reverse("mfa_index"), page
    setup = client.get(reverse("mfa_index"))
    assert setup.status_code == 200
    assert reverse("mfa_activate_totp") in setup.content.decode()
    activate_totp(client)
    assert client.get("/").status_code == 200


def test_a_resident_may_log_in_without_a_second_factor_and_may_add_one(db):
    resident = person_with_role(None, "bewoner@thuis.example")
    client = Client()
    password_login(client, resident.email)
    assert client.get("/").status_code == 200
    activate_totp(client)
    assert Authenticator.objects.filter(user=resident, type="totp").exists()


def test_with_a_factor_the_login_asks_for_the_code_before_anything_opens(staff_with_totp):
    user, secret = staff_with_totp
    client = Client()
    response = password_login(client, user.email)
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get("/").status_code == 302  # not logged in until the code
    assert client.get("/").url.startswith(LOGIN)
    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200
    done = client.post(reverse("mfa_authenticate"), {"code": code_now(secret)})
    assert done.status_code == 302
    assert client.get("/").status_code == 200


def test_a_recovery_code_logs_in_once(staff_with_totp):
    user, _secret = staff_with_totp
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    codes = RecoveryCodes(Authenticator.objects.get(user=user, type="recovery_codes"))
    code = codes.get_unused_codes()[0]
    client = Client()
    password_login(client, user.email)
    assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    assert client.get("/").status_code == 200
    client.post(reverse("account_logout"))
    password_login(client, user.email)
    again = client.post(reverse("mfa_authenticate"), {"code": code})
    assert again.status_code == 200  # used once, refused after


def test_a_worker_cannot_remove_the_last_factor(staff_with_totp):
    user, secret = staff_with_totp
    client = Client()
    password_login(client, user.email)
    client.post(reverse("mfa_authenticate"), {"code": code_now(secret)})
    asked = client.post(reverse("mfa_deactivate_totp"))
    assert asked["Location"].startswith(reverse("account_reauthenticate"))
    client.post(asked["Location"], {"password": PASSWORD})
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 200
    assert response.context["form"].errors["__all__"]
    assert Authenticator.objects.filter(user=user, type="totp").exists()


def test_the_secret_is_encrypted_and_the_admin_never_shows_it(staff_with_totp, admin_user):
    from .logins import log_in

    user, secret = staff_with_totp
    totp = Authenticator.objects.get(user=user, type="totp")
    assert secret not in str(totp.data)
    client = log_in(Client(), admin_user)
    change = client.get(reverse("admin:mfa_authenticator_change", args=[totp.pk]))
    assert change.status_code == 200
    assert secret not in change.content.decode()
    assert totp.data["secret"] not in change.content.decode()
    assert client.get(reverse("admin:mfa_authenticator_add")).status_code == 403


def test_the_demo_switch_is_refused_with_debug_off():
    env = os.environ | {"DEBUG": "0", "MFA_REQUIRED": "0", "SECRET_KEY": "x" * 60}
    result = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-c", "import magicmix.settings"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "MFA_REQUIRED=0 is for the demo only" in result.stderr


# 2. Every login path is limited, without locking the owner out


def test_the_admin_has_no_login_form_of_its_own(client, db):
    response = client.get("/admin/login/?next=/admin/residents/person/")
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=%2Fadmin%2Fresidents%2Fperson%2F"
    outside = client.get("/admin/login/?next=https://evil.example/")
    assert outside["Location"] == f"{LOGIN}?next=%2Fadmin%2F"


def test_a_logged_in_non_administrator_is_refused_by_the_admin_login(client, db):
    from .logins import log_in

    log_in(client, person_with_role(Role.STAFF, "s@corp.example"))
    assert client.get("/admin/login/?next=/admin/").status_code == 403


def test_thirty_wrong_admin_passwords_then_the_right_one_is_refused(db):
    admin = person_with_role("admin", "root@magicmix.example")
    client = Client()
    for _attempt in range(30):
        password_login(client, admin.email, "fout-wachtwoord", ip="203.0.113.9")
    response = password_login(client, admin.email, ip="203.0.113.9")
    assert response.status_code == 429  # "Too many requests" for this address
    assert not client.session.get("_auth_user_id")
    # The owner, at their own desk, is not locked out.
    owner = Client()
    assert password_login(owner, admin.email, ip="10.1.1.1").status_code == 302
    assert owner.get("/admin/").status_code == 302  # on to the second factor first
    assert owner.get("/admin/")["Location"] == reverse("mfa_index")


def test_five_wrong_passwords_stop_that_address_not_the_owner(db):
    user = person_with_role(None, "bewoner@thuis.example")
    stranger = Client()
    for _attempt in range(5):
        assert password_login(stranger, user.email, "fout", ip="198.51.100.7").status_code == 200
    refused = password_login(stranger, user.email, ip="198.51.100.7")
    assert refused.status_code == 200
    assert refused.context["form"].errors
    owner = Client()
    assert password_login(owner, user.email, ip="192.0.2.10").status_code == 302


def test_a_spread_out_attack_pauses_the_account_and_a_reset_reopens_it(db):
    user = person_with_role(None, "bewoner@thuis.example")
    for n in range(30):
        password_login(Client(), user.email, "fout", ip=f"198.51.100.{n + 1}")
    owner = Client()
    paused = password_login(owner, user.email, ip="192.0.2.10")
    assert paused.status_code == 200
    assert reverse("account_reset_password") in paused.content.decode()
    # The reset proves the mailbox, and the owner is in again.
    owner.post(reverse("account_reset_password"), {"email": user.email}, REMOTE_ADDR="192.0.2.10")
    link = re.search(r"http\S+/password/reset/key/\S+", mail.outbox[-1].body).group(0)
    set_password = owner.get(link.removeprefix(settings.SITE_URL.rstrip("/")))
    assert set_password.status_code == 302
    new = "een-nieuw-wachtwoord-77"
    done = owner.post(set_password["Location"], {"password1": new, "password2": new})
    assert done.status_code == 302
    owner.post(reverse("account_logout"))
    assert password_login(owner, user.email, new, ip="192.0.2.10").status_code == 302


def test_during_a_spread_out_attack_the_owner_still_gets_in_from_their_usual_address(db):
    user = person_with_role(None, "bewoner@thuis.example")
    usual = Client()
    assert password_login(usual, user.email, ip="192.0.2.44").status_code == 302
    usual.post(reverse("account_logout"))
    for n in range(30):
        password_login(Client(), user.email, "fout", ip=f"198.51.100.{n + 1}")
    elsewhere = password_login(Client(), user.email, ip="192.0.2.99")
    assert reverse("account_reset_password") in elsewhere.content.decode()
    assert password_login(usual, user.email, ip="192.0.2.44").status_code == 302
    # An IPv6 attacker counts per /64, not per address.
    for n in range(5):
        password_login(Client(), user.email, "fout", ip=f"2001:db8:1:2::{n + 1}")
    assert password_login(Client(), user.email, ip="2001:db8:1:2::99").status_code == 200


def test_password_reset_requests_are_limited_per_account(db):
    user = person_with_role(None, "bewoner@thuis.example")
    client = Client()
    statuses = [
        client.post(
            reverse("account_reset_password"), {"email": user.email}, REMOTE_ADDR="10.0.0.5"
        ).status_code
        for _request in range(7)
    ]
    assert statuses[:5] == [302] * 5
    assert 429 in statuses[5:]
    assert len(mail.outbox) == 5


def test_second_factor_codes_are_limited(staff_with_totp):
    user, secret = staff_with_totp
    client = Client()
    password_login(client, user.email)
    for _attempt in range(5):
        client.post(reverse("mfa_authenticate"), {"code": "123456"})
    right = client.post(reverse("mfa_authenticate"), {"code": code_now(secret)})
    assert right.status_code == 200
    assert client.get("/").status_code == 302


def test_a_totp_code_works_once(staff_with_totp):
    user, secret = staff_with_totp
    code = code_now(secret)
    first = Client()
    password_login(first, user.email)
    assert first.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    second = Client()
    password_login(second, user.email, ip="10.0.0.2")
    assert second.post(reverse("mfa_authenticate"), {"code": code}).status_code == 200
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)):
        later = code_now(secret)
        assert second.post(reverse("mfa_authenticate"), {"code": later}).status_code == 302


# 3. Headers, settings and e-mail


def test_pages_carry_a_content_security_policy_and_no_inline_script_or_style(client, db):
    from .logins import log_in

    log_in(client, person_with_role(Role.STAFF, "s@corp.example"))
    for page in ["/", LOGIN, "/projects/", "/people/"]:
        response = client.get(page)
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "style-src 'self'" in policy
        assert "unsafe-inline" not in policy
        html = response.content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html)
        assert ' style="' not in html


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    env |= {
        "DEBUG": "0",
        "SECRET_KEY": "k9" * 30 + "-production-like-secret",
        "ALLOWED_HOSTS": "magicmix.example",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    }
    env.pop("MFA_REQUIRED", None)
    result = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_e_mails_name_the_site_and_link_to_its_address(client, db):
    user = person_with_role(None, "bewoner@thuis.example")
    client.post(reverse("account_reset_password"), {"email": user.email})
    message = mail.outbox[-1]
    assert message.subject.startswith(f"[{settings.SITE_NAME}] ")
    assert settings.SITE_NAME in message.body
    assert "testserver" not in message.subject + message.body
    assert settings.SITE_URL.rstrip("/") + "/accounts/password/reset/key/" in message.body


def test_a_security_key_can_be_added_from_a_page_without_inline_script(db):
    """WebAuthn needs the browser's JavaScript; the page loads it from the site (CSP)."""
    user = person_with_role(Role.CARE, "zorg@zorg.example")
    client = Client()
    password_login(client, user.email)
    asked = client.get(reverse("mfa_add_webauthn"))
    client.post(asked["Location"], {"password": PASSWORD})
    page = client.get(reverse("mfa_add_webauthn"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'src="/static/mfa/js/webauthn.js"' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html)


def test_password_reset_links_are_limited_per_address(db):
    user = person_with_role(None, "bewoner@thuis.example")
    client = Client()
    url = reverse("account_reset_password_from_key", kwargs={"uidb36": "2s", "key": "set-password"})
    statuses = [
        client.post(url, {"password1": "x", "password2": "x"}, REMOTE_ADDR="10.9.9.9").status_code
        for _guess in range(22)
    ]
    assert 429 in statuses[20:]
    assert user.check_password(PASSWORD)


def test_e_mails_of_the_product_name_the_site_from_settings(
    settings, staff_a, corp_a, django_capture_on_commit_callbacks
):
    from projects.services import member_invite

    settings.SITE_NAME = "Woonplatform Utrecht"
    settings.SITE_URL = "https://wonen.utrecht.example/"
    with django_capture_on_commit_callbacks(execute=True):
        member_invite(
            organisation=corp_a,
            email="nieuw@corp.example",
            first_name="Nina",
            last_name="Nieuw",
            role=Role.STAFF,
            invited_by=staff_a,
        )
    message = mail.outbox[-1]
    assert "Woonplatform Utrecht" in message.subject
    assert "Woonplatform Utrecht" in message.body
    assert "https://wonen.utrecht.example/invitations/" in message.body
    assert "Magic Mix" not in message.subject + message.body


# A second factor proved in this session, and only while it exists


def test_the_last_security_key_of_a_worker_cannot_be_removed(db):
    from magicmix.second_factor import mark_passed

    user = person_with_role(Role.STAFF, "sleutel@corp.example")
    key = Authenticator.objects.create(user=user, type="webauthn", data={"name": "Sleutel"})
    client = Client()
    client.force_login(user)
    session = client.session
    mark_passed(session, user)  # as the login with the key would have
    session.save()
    url = reverse("mfa_remove_webauthn", args=[key.pk])
    asked = client.post(url)
    client.post(asked["Location"], {"password": PASSWORD})
    refused = client.post(url)
    assert refused.status_code == 302
    assert refused["Location"] == reverse("mfa_list_webauthn")
    assert Authenticator.objects.filter(pk=key.pk).exists()


def test_a_session_ends_when_its_factor_is_removed_by_an_administrator(staff_with_totp):
    user, secret = staff_with_totp
    client = Client()
    password_login(client, user.email)
    client.post(reverse("mfa_authenticate"), {"code": code_now(secret)})
    assert client.get("/people/").status_code == 200
    Authenticator.objects.filter(user=user).delete()  # the admin's "lost phone" removal
    response = client.get("/people/")
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert not client.session.get("_auth_user_id")


def test_a_factor_set_up_elsewhere_does_not_promote_a_password_only_session(db):
    user = person_with_role(Role.STAFF, "eigenaar@corp.example")
    attacker = Client()
    password_login(attacker, user.email, ip="198.51.100.66")
    assert attacker.get("/people/")["Location"] == reverse("mfa_index")
    owner = Client()
    password_login(owner, user.email)
    activate_totp(owner)
    assert owner.get("/people/").status_code == 200
    assert attacker.get(reverse("mfa_view_recovery_codes"))["Location"] == LOGIN
    assert not attacker.session.get("_auth_user_id")
    for page in ["/people/", reverse("mfa_view_recovery_codes"), reverse("mfa_index")]:
        assert attacker.get(page)["Location"].startswith(f"{LOGIN}?next="), page


def test_nobody_removes_another_users_security_key(db):
    owner = person_with_role(Role.STAFF, "eigen@corp.example")
    key = Authenticator.objects.create(user=owner, type="webauthn", data={"name": "Sleutel"})
    other = person_with_role(None, "ander@thuis.example")
    client = Client()
    client.force_login(other)
    asked = client.post(reverse("mfa_remove_webauthn", args=[key.pk]))
    client.post(asked["Location"], {"password": PASSWORD})
    assert client.post(reverse("mfa_remove_webauthn", args=[key.pk])).status_code == 404
    assert Authenticator.objects.filter(pk=key.pk).exists()

"""Logging in with e-mail and password, password reset by e-mail, no open sign-up."""

import pytest
from django.core import mail
from django.urls import reverse

from .factories import UserFactory
from .logins import log_in


@pytest.fixture
def user(db):
    return UserFactory(email="woonconsulent@a.example", password="een-goed-wachtwoord-42")


def test_login_with_email_and_password_lands_on_home(client, user):
    response = client.post(
        reverse("account_login"),
        {"login": "woonconsulent@a.example", "password": "een-goed-wachtwoord-42"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_wrong_password_is_refused_with_a_message(client, user):
    response = client.post(
        reverse("account_login"),
        {"login": "woonconsulent@a.example", "password": "fout"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert client.get(reverse("home")).status_code == 302


def test_login_page_is_dutch_by_default(client, db):
    page = client.get(reverse("account_login")).content.decode()
    assert 'lang="nl"' in page


def test_nobody_can_sign_up(client, db):
    client.post(
        reverse("account_signup"),
        {
            "email": "nieuw@example.test",
            "password1": "een-goed-wachtwoord-42",
            "password2": "een-goed-wachtwoord-42",
        },
    )
    assert not UserFactory._meta.model.objects.filter(email="nieuw@example.test").exists()


def test_password_reset_sends_an_email(client, user):
    response = client.post(reverse("account_reset_password"), {"email": user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert user.email in mail.outbox[0].to


def test_logout(client, user):
    log_in(client, user)
    client.post(reverse("account_logout"))
    assert client.get(reverse("home")).status_code == 302


def test_dutch_is_the_default_even_for_an_english_browser(client, db):
    page = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert 'lang="nl"' in page.content.decode()


def test_anyone_can_switch_to_english_before_logging_in(client, db):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert 'lang="en"' in client.get(reverse("account_login")).content.decode()

"""Staff invite colleagues: there is no open sign-up."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from projects.models import Membership, Role


def invite(client, corp, **data):
    payload = {"email": "nieuw@a.example", "first_name": "Nina", "last_name": "Jansen"}
    payload["role"] = Role.READONLY
    payload.update(data)
    return client.post(reverse("projects:invite", args=[corp.pk]), payload)


def test_staff_invites_a_colleague_who_sets_a_password_and_logs_in(
    staff_a, corp_a, client_for, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(client_for(staff_a), corp_a)
    assert response.status_code == 302
    user = get_user_model().objects.get(email="nieuw@a.example")
    assert Membership.objects.get(user=user).role == Role.READONLY
    assert not user.has_usable_password()
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/invitations/\S+/)", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    client.post(
        link.group(1),
        {"new_password1": "een-sterk-wachtwoord-7", "new_password2": "een-sterk-wachtwoord-7"},
    )
    assert client.login(username="nieuw@a.example", password="een-sterk-wachtwoord-7")


def test_an_existing_member_is_not_invited_twice(staff_a, readonly_a, corp_a, client_for):
    response = invite(client_for(staff_a), corp_a, email=readonly_a.email)
    assert "email" in response.context["form"].errors


def test_team_page_lists_colleagues_only_of_own_corporation(
    staff_a, readonly_a, staff_b, client_for
):
    page = client_for(staff_a).get(reverse("projects:team")).content.decode()
    assert readonly_a.email in page
    assert staff_b.email not in page


@pytest.mark.parametrize("persona", ["staff_b", "policy_a", "member_a", "outsider"])
def test_outsiders_cannot_invite_into_a_corporation(request, corp_a, client_for, persona):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("projects:invite", args=[corp_a.pk])).status_code == 404
    assert invite(client, corp_a).status_code == 404
    assert not get_user_model().objects.filter(email="nieuw@a.example").exists()


@pytest.mark.parametrize("persona", ["policy_a", "member_a", "outsider"])
def test_team_page_is_for_corporations_only(request, client_for, persona):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("projects:team")).status_code == 404


def test_read_only_role_cannot_invite(readonly_a, corp_a, client_for):
    client = client_for(readonly_a)
    assert client.get(reverse("projects:team")).status_code == 200
    assert invite(client, corp_a).status_code == 403


def test_anonymous_is_sent_to_login(client, corp_a):
    response = client.get(reverse("projects:invite", args=[corp_a.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))

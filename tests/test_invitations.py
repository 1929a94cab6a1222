"""Invitations: a link to choose the password of a login, once, until it expires; and the
resident's own login that staff give and end from the person page."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from projects import services as accounts
from projects.models import Invitation, Role
from residents.models import Person

from .factories import PersonFactory, UserFactory, association_member

PASSWORD = "een-sterk-wachtwoord-7"


def link_in(message) -> str:
    """The path of the invitation link in an e-mail."""
    match = re.search(r"https?://[^/\s]+(/invitations/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


def choose_password(client, path, password=PASSWORD):
    return client.post(path, {"new_password1": password, "new_password2": password})


@pytest.fixture
def resident(project_a):
    """A member of project A's association without a login yet."""
    return association_member(project_a, login=False, email="noor@bewoner.example")


def invite(client, person, capture):
    with capture(execute=True):
        return client.post(reverse("residents:login_invite", args=[person.pk]))


def test_staff_gives_a_resident_a_login_who_logs_in_and_sees_the_votes(
    staff_a, resident, client_for, django_capture_on_commit_callbacks
):
    staff = client_for(staff_a)
    confirm = staff.get(reverse("residents:login_invite", args=[resident.pk]))
    assert "noor@bewoner.example" in confirm.content.decode()
    assert not get_user_model().objects.filter(email="noor@bewoner.example").exists()

    response = invite(staff, resident, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.user.email == "noor@bewoner.example"
    assert not resident.user.has_usable_password()
    (message,) = mail.outbox
    assert message.to == ["noor@bewoner.example"]
    assert "Hallo" in message.body  # the person's language: Dutch

    visitor = Client()
    page = visitor.get(link_in(message))
    assert page.status_code == 200
    assert "noor@bewoner.example" in page.content.decode()
    assert choose_password(visitor, link_in(message)).url == reverse("account_login")
    logged_in = visitor.post(
        reverse("account_login"), {"login": "noor@bewoner.example", "password": PASSWORD}
    )
    assert logged_in.status_code == 302
    assert visitor.get(reverse("allocation:my_votes")).status_code == 200
    person_page = staff.get(resident.get_absolute_url()).content.decode()
    assert "Logt in als noor@bewoner.example" in person_page


def test_the_invitation_is_in_the_persons_language(
    staff_a, project_a, client_for, django_capture_on_commit_callbacks
):
    person = association_member(
        project_a, login=False, email="sam@resident.example", preferred_language="en"
    )
    invite(client_for(staff_a), person, django_capture_on_commit_callbacks)
    (message,) = mail.outbox
    assert message.body.startswith("Hello")
    assert "login" in message.subject
    page = Client().get(link_in(message)).content.decode()
    assert "Choose password" in page  # the page too, until the visitor picks a language


def test_a_link_works_once(staff_a, resident, client_for, django_capture_on_commit_callbacks):
    invite(client_for(staff_a), resident, django_capture_on_commit_callbacks)
    path = link_in(mail.outbox[0])
    assert choose_password(Client(), path).status_code == 302
    again = Client()
    used = again.get(path).content.decode()
    assert "al gebruikt" in used
    choose_password(again, path, "een-ander-wachtwoord-8")
    user = get_user_model().objects.get(email="noor@bewoner.example")
    assert user.check_password(PASSWORD)


def test_an_expired_link_says_so_and_sends_a_new_one_once(
    staff_a, resident, client_for, django_capture_on_commit_callbacks
):
    invite(client_for(staff_a), resident, django_capture_on_commit_callbacks)
    old = link_in(mail.outbox[0])
    Invitation.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    visitor = Client()
    page = visitor.get(old).content.decode()
    assert "verlopen" in page
    assert 'name="renew"' in page
    assert choose_password(visitor, old).status_code == 200  # no password set from it
    with django_capture_on_commit_callbacks(execute=True):
        visitor.post(old, {"renew": "1"})
    assert len(mail.outbox) == 2
    new = link_in(mail.outbox[1])
    assert new != old
    with django_capture_on_commit_callbacks(execute=True):
        visitor.post(old, {"renew": "1"})  # asked twice: still one new link
    assert len(mail.outbox) == 2
    assert "ingetrokken" in visitor.get(old).content.decode()
    assert choose_password(visitor, new).status_code == 302


def test_the_expiry_edge(resident, staff_a, client_for, django_capture_on_commit_callbacks):
    invite(client_for(staff_a), resident, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get()
    assert invitation.expires_at - invitation.created_at == dt.timedelta(days=14)
    invitation.expires_at = timezone.now() + dt.timedelta(seconds=30)
    invitation.save()
    assert invitation.state == "open"
    invitation.expires_at = timezone.now()
    assert invitation.state == "expired"


def test_a_newer_invitation_withdraws_the_older_link(
    staff_a, resident, client_for, django_capture_on_commit_callbacks
):
    staff = client_for(staff_a)
    invite(staff, resident, django_capture_on_commit_callbacks)
    invite(staff, resident, django_capture_on_commit_callbacks)
    first, second = (link_in(message) for message in mail.outbox)
    assert "ingetrokken" in Client().get(first).content.decode()
    assert choose_password(Client(), first).status_code == 200
    assert choose_password(Client(), second).status_code == 302
    assert get_user_model().objects.filter(email="noor@bewoner.example").count() == 1


def test_an_unknown_link_is_not_found(db):
    assert Client().get(reverse("projects:invitation", args=["nonsense"])).status_code == 404


def test_the_token_is_stored_only_as_a_hash(
    staff_a, resident, client_for, admin_user, django_capture_on_commit_callbacks
):
    invite(client_for(staff_a), resident, django_capture_on_commit_callbacks)
    token = link_in(mail.outbox[0]).rstrip("/").rsplit("/", 1)[1]
    invitation = Invitation.objects.get()
    assert token not in str(Invitation.objects.values().get())
    admin_page = client_for(admin_user).get(
        reverse("admin:projects_invitation_change", args=[invitation.pk])
    )
    assert token not in admin_page.content.decode()
    assert invitation.token_hash not in admin_page.content.decode()


def test_an_address_with_a_login_is_linked_not_duplicated(
    staff_a, project_a, client_for, django_capture_on_commit_callbacks
):
    existing = UserFactory(email="Kim@Bewoner.example", password=PASSWORD)
    person = association_member(project_a, login=False, email="kim@bewoner.example")
    invite(client_for(staff_a), person, django_capture_on_commit_callbacks)
    person.refresh_from_db()
    assert person.user == existing
    assert get_user_model().objects.filter(email__iexact="kim@bewoner.example").count() == 1
    (message,) = mail.outbox
    assert "/invitations/" not in message.body  # keeps their own password
    existing.refresh_from_db()
    assert existing.has_usable_password()


def test_another_persons_login_or_a_work_login_is_refused(
    staff_a, readonly_a, project_a, client_for, django_capture_on_commit_callbacks
):
    staff = client_for(staff_a)
    taken = association_member(project_a, email="twee@bewoner.example")
    taken.user.email = "twee@bewoner.example"
    taken.user.save()
    for email in ("twee@bewoner.example", readonly_a.email):
        person = PersonFactory(corporation=project_a.corporation, email=email)
        response = invite(staff, person, django_capture_on_commit_callbacks)
        person.refresh_from_db()
        assert person.user is None
        assert "eigen" in " ".join(m.message for m in response.wsgi_request._messages)
    assert mail.outbox == []


def test_a_person_without_an_address_gets_a_clear_message(
    staff_a, project_a, client_for, django_capture_on_commit_callbacks
):
    person = PersonFactory(corporation=project_a.corporation, email="")
    response = invite(client_for(staff_a), person, django_capture_on_commit_callbacks)
    assert "e-mailadres" in " ".join(m.message for m in response.wsgi_request._messages)
    assert mail.outbox == []


def test_ending_a_login_ends_its_session_and_link_and_it_can_be_given_again(
    staff_a, resident, client_for, django_capture_on_commit_callbacks
):
    staff = client_for(staff_a)
    invite(staff, resident, django_capture_on_commit_callbacks)
    pending = link_in(mail.outbox[0])
    resident.refresh_from_db()
    user = resident.user
    choose_password(Client(), pending)
    session = Client()
    session.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert session.get(reverse("allocation:my_votes")).status_code == 200

    assert staff.post(reverse("residents:login_revoke", args=[resident.pk])).status_code == 302
    resident.refresh_from_db()
    user.refresh_from_db()
    assert resident.user is None
    assert not user.is_active
    assert not user.has_usable_password()
    assert session.get(reverse("allocation:my_votes")).status_code == 302  # to the login page
    assert not Client().login(username=user.email, password=PASSWORD)

    invite(staff, resident, django_capture_on_commit_callbacks)
    resident.refresh_from_db()
    assert resident.user == user
    assert user.invitations.count() == 2
    assert choose_password(Client(), link_in(mail.outbox[-1])).status_code == 302
    assert Client().login(username=user.email, password=PASSWORD)


def test_revoking_a_pending_invitation_withdraws_its_link(
    staff_a, resident, client_for, django_capture_on_commit_callbacks
):
    staff = client_for(staff_a)
    invite(staff, resident, django_capture_on_commit_callbacks)
    staff.post(reverse("residents:login_revoke", args=[resident.pk]))
    assert choose_password(Client(), link_in(mail.outbox[0])).status_code == 200
    assert not get_user_model().objects.get(email="noor@bewoner.example").has_usable_password()


@pytest.mark.parametrize("name", ["login_invite", "login_revoke"])
@pytest.mark.parametrize("persona", ["staff_b", "policy_a", "member_a", "outsider", "care_worker"])
def test_outsiders_get_404(request, resident, client_for, name, persona):
    client = client_for(request.getfixturevalue(persona))
    url = reverse(f"residents:{name}", args=[resident.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert Person.objects.get(pk=resident.pk).user is None


@pytest.mark.parametrize("name", ["login_invite", "login_revoke"])
def test_read_only_gets_403(readonly_a, resident, client_for, name):
    client = client_for(readonly_a)
    url = reverse(f"residents:{name}", args=[resident.pk])
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    assert mail.outbox == []


def test_a_colleague_invited_to_an_existing_login_hears_of_the_new_role(
    staff_a, corp_b, django_capture_on_commit_callbacks
):
    staff_a.set_password(PASSWORD)
    staff_a.save()
    with django_capture_on_commit_callbacks(execute=True):
        accounts.member_invite(
            organisation=corp_b,
            email=staff_a.email.upper(),
            first_name="",
            last_name="",
            role=Role.READONLY,
            invited_by=staff_a,
        )
    (message,) = mail.outbox
    assert corp_b.name in message.body
    assert "/invitations/" not in message.body
    assert get_user_model().objects.filter(email__iexact=staff_a.email).count() == 1


def test_an_administrators_login_is_never_linked_to_a_person(
    staff_a, project_a, admin_user, client_for, django_capture_on_commit_callbacks
):
    """Else staff could end that login from the person page and lock the administrator out."""
    person = association_member(project_a, login=False, email=admin_user.email)
    invite(client_for(staff_a), person, django_capture_on_commit_callbacks)
    person.refresh_from_db()
    assert person.user is None
    assert mail.outbox == []


def test_a_switched_off_login_with_a_role_is_not_switched_on_by_an_invitation(
    staff_b, care_worker, care_org, client_for, django_capture_on_commit_callbacks
):
    """An administrator switched off a former employee who kept a role at corporation B: a care
    worker inviting that address must not bring the login (and its old password) back."""
    staff_b.set_password(PASSWORD)
    staff_b.is_active = False
    staff_b.save()
    data = {"email": staff_b.email, "first_name": "X", "last_name": "Y", "role": Role.CARE}
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(care_worker).post(
            reverse("projects:invite", args=[care_org.pk]), data
        )
    assert "uitgeschakeld" in response.content.decode()
    staff_b.refresh_from_db()
    assert not staff_b.is_active
    assert not staff_b.memberships.filter(organisation=care_org).exists()
    assert mail.outbox == []


def test_a_switched_off_login_without_a_role_comes_back_only_with_a_new_password(
    staff_a, project_a, client_for, django_capture_on_commit_callbacks
):
    old = UserFactory(email="oud@bewoner.example", password=PASSWORD, is_active=False)
    person = association_member(project_a, login=False, email=old.email)
    invite(client_for(staff_a), person, django_capture_on_commit_callbacks)
    old.refresh_from_db()
    assert old.is_active
    assert not old.has_usable_password()  # the old password never works again
    assert "/invitations/" in mail.outbox[0].body


def test_a_link_sent_to_an_address_since_changed_does_not_work(
    staff_a, resident, client_for, django_capture_on_commit_callbacks
):
    invite(client_for(staff_a), resident, django_capture_on_commit_callbacks)
    resident.refresh_from_db()
    resident.user.email = "nieuw@bewoner.example"
    resident.user.save()
    choose_password(Client(), link_in(mail.outbox[0]))
    resident.user.refresh_from_db()
    assert not resident.user.has_usable_password()


def test_an_expired_link_of_a_switched_off_login_offers_no_new_one(
    staff_a, resident, client_for, django_capture_on_commit_callbacks
):
    """The page offers a new link exactly when asking for one would send it."""
    invite(client_for(staff_a), resident, django_capture_on_commit_callbacks)
    Invitation.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    get_user_model().objects.filter(email="noor@bewoner.example").update(is_active=False)
    page = Client().get(link_in(mail.outbox[0])).content.decode()
    assert "verlopen" in page
    assert 'name="renew"' not in page

"""Administrators onboard organisations and their first users without the Django admin;
corporation staff invite the care workers of their care partners. A login is an e-mail address:
no page asks for a username."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from projects.models import Membership, Organisation, OrganisationKind, Role

from .factories import CareOrganisationFactory

PASSWORD = "een-sterk-wachtwoord-7"


def new_organisation(
    client, capture, *, kind, name="Woonstichting Nieuw", email="eerste@nieuw.example"
):
    data = {
        "name": name,
        "kind": kind,
        "city": "Utrecht",
        "first-email": email,
        "first-first_name": "Eva",
        "first-last_name": "Eerste",
    }
    with capture(execute=True):
        return client.post(reverse("projects:organisation_create"), data)


def accept(message) -> Client:
    path = re.search(r"https?://[^/\s]+(/invitations/\S+/)", message.body).group(1)
    visitor = Client()
    visitor.post(path, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    return visitor


@pytest.mark.parametrize(
    ("kind", "role"),
    [
        (OrganisationKind.CORPORATION, Role.STAFF),
        (OrganisationKind.MUNICIPALITY, Role.POLICY),
        (OrganisationKind.CARE, Role.CARE),
    ],
)
def test_administrator_creates_an_organisation_with_its_first_user(
    admin_user, client_for, django_capture_on_commit_callbacks, kind, role
):
    client = client_for(admin_user)
    form = client.get(reverse("projects:organisation_create")).content.decode()
    assert "username" not in form.lower()
    response = new_organisation(client, django_capture_on_commit_callbacks, kind=kind)
    organisation = Organisation.objects.get(name="Woonstichting Nieuw")
    assert response.url == reverse("projects:organisation", args=[organisation.pk])
    membership = Membership.objects.get(organisation=organisation)
    assert membership.role == role
    assert membership.user.username == membership.user.email == "eerste@nieuw.example"
    (message,) = mail.outbox
    assert message.to == ["eerste@nieuw.example"]
    accept(message)
    assert Client().login(username="eerste@nieuw.example", password=PASSWORD)
    detail = client.get(response.url).content.decode()
    assert "eerste@nieuw.example" in detail


def test_a_new_corporations_staff_member_sees_only_their_own_corporation(
    admin_user, staff_a, client_for, django_capture_on_commit_callbacks
):
    new_organisation(client_for(admin_user), django_capture_on_commit_callbacks, kind="corporation")
    first = get_user_model().objects.get(email="eerste@nieuw.example")
    team = client_for(first).get(reverse("projects:team")).content.decode()
    assert "Woonstichting Nieuw" in team
    assert staff_a.email not in team
    assert client_for(first).get(reverse("projects:create")).status_code == 200


def test_a_taken_name_or_a_first_user_who_already_has_a_role_there_saves_nothing(
    admin_user, corp_a, staff_a, client_for, django_capture_on_commit_callbacks
):
    client = client_for(admin_user)
    taken = new_organisation(
        client, django_capture_on_commit_callbacks, kind="corporation", name=corp_a.name
    )
    assert "name" in taken.context["form"].errors
    assert not get_user_model().objects.filter(email="eerste@nieuw.example").exists()
    bad_kind = new_organisation(client, django_capture_on_commit_callbacks, kind="bank")
    assert "kind" in bad_kind.context["form"].errors
    assert not Organisation.objects.filter(name="Woonstichting Nieuw").exists()
    assert mail.outbox == []


def test_an_existing_login_becomes_first_user_without_a_second_account(
    admin_user, staff_a, client_for, django_capture_on_commit_callbacks
):
    new_organisation(
        client_for(admin_user),
        django_capture_on_commit_callbacks,
        kind="municipality",
        email=staff_a.email.upper(),
    )
    assert get_user_model().objects.filter(email__iexact=staff_a.email).count() == 1
    assert Membership.objects.filter(user=staff_a, role=Role.POLICY).exists()


def test_administrator_invites_more_people_in_the_roles_of_the_kind(
    admin_user, municipality_a, corp_a, client_for, django_capture_on_commit_callbacks
):
    client = client_for(admin_user)
    url = reverse("projects:organisation_invite", args=[municipality_a.pk])
    data = {"email": "beleid2@gemeente.example", "first_name": "Bo", "last_name": "Beleid"}
    wrong = client.post(url, {**data, "role": Role.STAFF})
    assert "role" in wrong.context["form"].errors
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {**data, "role": Role.POLICY})
    assert Membership.objects.get(user__email="beleid2@gemeente.example").role == Role.POLICY
    corporation = client.get(reverse("projects:organisation_invite", args=[corp_a.pk]))
    assert set(dict(corporation.context["form"].fields["role"].choices)) == {
        Role.STAFF,
        Role.READONLY,
    }


def test_the_list_filters_by_kind_and_name(admin_user, corp_a, municipality_a, client_for):
    client = client_for(admin_user)
    url = reverse("projects:organisation_list")
    municipalities = client.get(url, {"kind": "municipality"}).content.decode()
    assert municipality_a.name in municipalities
    assert corp_a.name not in municipalities
    assert corp_a.name in client.get(url, {"q": corp_a.name[:6]}).content.decode()


ADMIN_PAGES = ["organisation_list", "organisation_create", "organisation", "organisation_invite"]


def _admin_url(name, org):
    if name in ("organisation_list", "organisation_create"):
        return reverse(f"projects:{name}")
    return reverse(f"projects:{name}", args=[org.pk])


@pytest.mark.parametrize("name", ADMIN_PAGES)
@pytest.mark.parametrize("persona", ["staff_a", "readonly_a", "policy_a", "member_a", "outsider"])
def test_organisation_pages_do_not_exist_for_anyone_but_administrators(
    request, corp_a, client_for, name, persona
):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(_admin_url(name, corp_a)).status_code == 404
    if name in ("organisation_create", "organisation_invite"):
        assert client.post(_admin_url(name, corp_a), {"name": "X"}).status_code == 404
    assert not Organisation.objects.filter(name="X").exists()


# Care workers of the project's care partners


@pytest.fixture
def partner(project_a, care_org):
    project_a.care_partners.add(care_org)
    return care_org


def test_staff_invite_a_care_worker_of_a_care_partner(
    staff_a, project_a, partner, care_worker, client_for, django_capture_on_commit_callbacks
):
    client = client_for(staff_a)
    page = client.get(reverse("projects:care_partners", args=[project_a.pk])).content.decode()
    assert partner.name in page
    assert care_worker.email in page
    url = reverse("projects:care_worker_invite", args=[project_a.pk, partner.pk])
    data = {"email": "zorg2@zorg.example", "first_name": "Zo", "last_name": "Zorg"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {**data, "role": Role.CARE})
    assert response.status_code == 302
    assert Membership.objects.get(user__email="zorg2@zorg.example").organisation == partner
    assert len(mail.outbox) == 1


def test_a_care_organisation_that_is_no_partner_of_the_project_is_not_found(
    staff_a, project_a, partner, client_for
):
    stranger = CareOrganisationFactory()
    url = reverse("projects:care_worker_invite", args=[project_a.pk, stranger.pk])
    assert client_for(staff_a).get(url).status_code == 404


@pytest.mark.parametrize("persona", ["staff_b", "policy_a", "member_a", "outsider", "care_worker"])
def test_care_partner_pages_404_for_outsiders(request, project_a, partner, client_for, persona):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("projects:care_partners", args=[project_a.pk])).status_code == 404
    url = reverse("projects:care_worker_invite", args=[project_a.pk, partner.pk])
    assert client.post(url, {"email": "x@x.example", "role": Role.CARE}).status_code == 404


def test_read_only_sees_the_care_partners_but_may_not_invite(
    readonly_a, project_a, partner, client_for
):
    client = client_for(readonly_a)
    assert client.get(reverse("projects:care_partners", args=[project_a.pk])).status_code == 200
    url = reverse("projects:care_worker_invite", args=[project_a.pk, partner.pk])
    data = {"email": "x@x.example", "first_name": "X", "last_name": "Y", "role": Role.CARE}
    assert client.post(url, data).status_code == 403
    assert not get_user_model().objects.filter(email="x@x.example").exists()


# The Django admin asks no username either


def test_the_admins_add_user_form_asks_an_e_mail_address_only(admin_user, client_for):
    client = client_for(admin_user)
    url = reverse("admin:auth_user_add")
    assert 'name="username"' not in client.get(url).content.decode()
    response = client.post(url, {"email": "Los@Nieuw.example", "first_name": "L", "last_name": "N"})
    assert response.status_code == 302
    user = get_user_model().objects.get(email="los@nieuw.example")
    assert user.username == "los@nieuw.example"
    assert not user.has_usable_password()
    again = client.post(url, {"email": "LOS@nieuw.example", "first_name": "", "last_name": ""})
    assert again.status_code == 200
    assert get_user_model().objects.filter(email__iexact="los@nieuw.example").count() == 1
    change = client.get(reverse("admin:auth_user_change", args=[user.pk])).content.decode()
    assert 'name="username"' not in change


def test_staff_may_not_invite_for_a_care_organisation_that_also_works_elsewhere(
    staff_a, project_a, partner, corp_b, client_for
):
    """A care worker sees every trajectory their organisation guides: a login made by one
    corporation must not open another corporation's residents."""
    from .factories import ProjectFactory

    ProjectFactory(corporation=corp_b).care_partners.add(partner)
    client = client_for(staff_a)
    page = client.get(reverse("projects:care_partners", args=[project_a.pk])).content.decode()
    assert reverse("projects:care_worker_invite", args=[project_a.pk, partner.pk]) not in page
    assert "ook met andere corporaties samen" in page
    url = reverse("projects:care_worker_invite", args=[project_a.pk, partner.pk])
    data = {"email": "x@x.example", "first_name": "X", "last_name": "Y", "role": Role.CARE}
    assert client.post(url, data).status_code == 403
    assert not get_user_model().objects.filter(email="x@x.example").exists()


def test_a_care_organisation_holding_a_contract_elsewhere_counts_too(
    staff_a, project_a, partner, project_b, client_for
):
    from .factories import ContractFactory, UnitFactory

    ContractFactory(
        unit=UnitFactory(project=project_b),
        contract_type_code="omklap",
        holder_organisation=partner,
    )
    url = reverse("projects:care_worker_invite", args=[project_a.pk, partner.pk])
    assert client_for(staff_a).get(url).status_code == 403


def test_care_workers_invite_their_own_colleagues(
    care_worker, care_org, corp_a, client_for, django_capture_on_commit_callbacks
):
    client = client_for(care_worker)
    team = client.get(reverse("projects:team")).content.decode()
    assert care_org.name in team
    url = reverse("projects:invite", args=[care_org.pk])
    data = {"email": "collega@zorg.example", "first_name": "C", "last_name": "Z"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {**data, "role": Role.CARE})
    assert response.status_code == 302
    assert Membership.objects.get(user__email="collega@zorg.example").role == Role.CARE
    assert client.get(reverse("projects:invite", args=[corp_a.pk])).status_code == 404


def test_staff_cannot_invite_into_a_care_organisation_from_the_team_page(
    staff_a, care_org, client_for
):
    response = client_for(staff_a).get(reverse("projects:invite", args=[care_org.pk]))
    assert response.status_code == 404


def test_staff_may_not_give_an_existing_login_a_care_role(
    staff_a, readonly_a, project_a, partner, client_for
):
    url = reverse("projects:care_worker_invite", args=[project_a.pk, partner.pk])
    for email in (staff_a.email, readonly_a.email):
        data = {"email": email, "first_name": "X", "last_name": "Y", "role": Role.CARE}
        response = client_for(staff_a).post(url, data)
        assert "email" in response.context["form"].errors
    assert not Membership.objects.filter(organisation=partner).exists()

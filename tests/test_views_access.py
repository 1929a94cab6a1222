"""Every staff page against every persona: who gets the page, a 404, a 403 or the login page.

Outsiders (another corporation, a policy officer, an association member, a user with no role)
get the same 404 as for a missing object; the read-only role gets 403 on every write.
"""

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from residents.dates import add_months
from residents.models import Notice, NoticeMeans

from .factories import (
    CareOrganisationFactory,
    ClusterFactory,
    ContractFactory,
    PersonFactory,
    UnitFactory,
    UserFactory,
)


@pytest.fixture
def world(project_a, care_org, settings, tmp_path):
    """Project A with a contract in every state a page needs (each on its own unit).

    `fixed_term`: a "tijdelijk" contract whose notice window is open, with a recorded notice and
    its document; `lapsed`: one whose window closed without notice (continues open-ended);
    `omklap`: an active omklap contract held by `care_org`; `foreign_omklap`: one held by another
    care organisation.
    """
    settings.MEDIA_ROOT = tmp_path
    today = timezone.localdate()
    cluster = ClusterFactory(project=project_a, name="Gang A")
    unit = UnitFactory(project=project_a, cluster=cluster)
    person = PersonFactory(corporation=project_a.corporation, first_name="Anouk")
    contract = ContractFactory(person=person, unit=unit, start_date=dt.date(2025, 2, 1))
    fixed_term = ContractFactory(
        unit=UnitFactory(project=project_a),
        contract_type_code="tijdelijk",
        start_date=add_months(today, -12),
        end_date=add_months(today, 2),
    )
    lapsed = ContractFactory(
        unit=UnitFactory(project=project_a),
        contract_type_code="tijdelijk",
        start_date=add_months(today, -12),
        end_date=today + dt.timedelta(days=10),
    )
    omklap = ContractFactory(
        unit=UnitFactory(project=project_a),
        contract_type_code="omklap",
        start_date=add_months(today, -6),
        holder_organisation=care_org,
    )
    foreign_omklap = ContractFactory(
        unit=UnitFactory(project=project_a),
        contract_type_code="omklap",
        start_date=add_months(today, -6),
        holder_organisation=CareOrganisationFactory(name="Andere Zorg"),
    )
    notice = Notice.objects.create(
        contract=fixed_term,
        given_on=today,
        means=NoticeMeans.LETTER,
        given_by=UserFactory(),
        document=ContentFile(b"%PDF-1.4 notice", name="opzegging.pdf"),
    )
    return {
        "project": project_a,
        "cluster": cluster,
        "unit": unit,
        "person": person,
        "contract": contract,
        "fixed_term": fixed_term,
        "lapsed": lapsed,
        "omklap": omklap,
        "foreign_omklap": foreign_omklap,
        "notice": notice,
    }


# (url name, the object its pk comes from, or None)
READ_OBJECT_VIEWS = [
    ("residents:project_detail", "project"),
    ("residents:unit_detail", "unit"),
    ("residents:person_detail", "person"),
    ("residents:contract_detail", "contract"),
    ("residents:contract_detail", "omklap"),
    ("residents:notice_document", "notice"),
]
READ_LIST_VIEWS = ["residents:project_list", "residents:person_list"]
WRITE_OBJECT_VIEWS = [
    ("projects:edit", "project"),
    ("projects:cluster_create", "project"),
    ("projects:cluster_edit", "cluster"),
    ("projects:unit_create", "project"),
    ("projects:unit_edit", "unit"),
    ("residents:person_edit", "person"),
    ("residents:contract_create", "person"),
    ("residents:contract_edit", "contract"),
    ("residents:contract_end", "contract"),
    ("residents:group_limits", "project"),
    ("residents:notice_create", "fixed_term"),
    ("residents:lapse_decide", "lapsed"),
    ("residents:checkin_create", "omklap"),
    ("residents:evaluate", "omklap"),
    ("residents:warning_create", "person"),
]
CREATE_VIEWS = ["projects:create", "residents:person_create"]
OBJECT_VIEWS = READ_OBJECT_VIEWS + WRITE_OBJECT_VIEWS


def view_ids(views):
    return [f"{name}-{key}" for name, key in views]


ALL_IDS = view_ids(OBJECT_VIEWS)
# Only a care worker of the holding care organisation opens these.
TRAJECTORY_VIEWS = [("residents:trajectory_list", None), ("residents:trajectory_detail", "omklap")]


def url_of(world, name, key=None):
    return reverse(name, args=[world[key].pk]) if key else reverse(name)


@pytest.mark.parametrize(("name", "key"), OBJECT_VIEWS, ids=ALL_IDS)
def test_staff_of_the_corporation_opens_every_page(world, staff_a, client_for, name, key):
    response = client_for(staff_a).get(url_of(world, name, key))
    assert response.status_code == 200


@pytest.mark.parametrize("name", READ_LIST_VIEWS + CREATE_VIEWS)
def test_staff_opens_lists_and_create_forms(staff_a, client_for, name):
    assert client_for(staff_a).get(reverse(name)).status_code == 200


@pytest.mark.parametrize("persona", ["staff_b", "policy_a", "member_a", "outsider"])
@pytest.mark.parametrize(("name", "key"), OBJECT_VIEWS, ids=ALL_IDS)
def test_outsiders_get_404_on_every_object_page(world, request, client_for, persona, name, key):
    user = request.getfixturevalue(persona)
    response = client_for(user).get(url_of(world, name, key))
    assert response.status_code == 404


@pytest.mark.parametrize("persona", ["staff_b", "policy_a", "member_a", "outsider"])
@pytest.mark.parametrize(("name", "key"), WRITE_OBJECT_VIEWS, ids=view_ids(WRITE_OBJECT_VIEWS))
def test_outsiders_cannot_post_either(world, request, client_for, persona, name, key):
    user = request.getfixturevalue(persona)
    response = client_for(user).post(url_of(world, name, key), {"name": "X", "number": "X"})
    assert response.status_code == 404


@pytest.mark.parametrize("persona", ["policy_a", "member_a", "outsider"])
@pytest.mark.parametrize("name", READ_LIST_VIEWS + CREATE_VIEWS)
def test_users_without_corporation_records_get_404_on_lists(request, client_for, persona, name):
    user = request.getfixturevalue(persona)
    assert client_for(user).get(reverse(name)).status_code == 404


def test_other_corporation_lists_do_not_show_our_records(world, staff_b, client_for):
    client = client_for(staff_b)
    projects = client.get(reverse("residents:project_list")).content.decode()
    people = client.get(reverse("residents:person_list")).content.decode()
    assert world["project"].name not in projects
    assert "Anouk" not in people


@pytest.mark.parametrize(("name", "key"), READ_OBJECT_VIEWS, ids=view_ids(READ_OBJECT_VIEWS))
def test_read_only_role_reads(world, readonly_a, client_for, name, key):
    assert client_for(readonly_a).get(url_of(world, name, key)).status_code == 200


@pytest.mark.parametrize(("name", "key"), WRITE_OBJECT_VIEWS, ids=view_ids(WRITE_OBJECT_VIEWS))
def test_read_only_role_gets_403_on_writes(world, readonly_a, client_for, name, key):
    client = client_for(readonly_a)
    assert client.get(url_of(world, name, key)).status_code == 403
    assert client.post(url_of(world, name, key), {}).status_code == 403


@pytest.mark.parametrize("name", CREATE_VIEWS)
def test_read_only_role_gets_403_on_create(readonly_a, client_for, name):
    assert client_for(readonly_a).get(reverse(name)).status_code == 403


def test_read_only_role_sees_no_edit_buttons(world, readonly_a, client_for):
    page = client_for(readonly_a).get(url_of(world, "residents:project_detail", "project"))
    assert reverse("projects:edit", args=[world["project"].pk]) not in page.content.decode()


@pytest.mark.parametrize(("name", "key"), OBJECT_VIEWS, ids=ALL_IDS)
def test_anonymous_users_are_sent_to_login(world, client, name, key):
    url = url_of(world, name, key)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize(
    "name",
    READ_LIST_VIEWS + CREATE_VIEWS + ["home", "reminder_inbox", "residents:trajectory_list"],
)
def test_anonymous_users_are_sent_to_login_from_lists(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_missing_and_foreign_objects_look_the_same(world, staff_b, client_for, project_b):
    client = client_for(staff_b)
    foreign = client.get(url_of(world, "residents:person_detail", "person"))
    missing = client.get(reverse("residents:person_detail", args=[999_999]))
    assert foreign.status_code == missing.status_code == 404


def test_site_administrator_sees_every_corporation(world, admin_user, client_for):
    client = client_for(admin_user)
    assert client.get(url_of(world, "residents:person_detail", "person")).status_code == 200
    assert client.get(reverse("admin:residents_contract_changelist")).status_code == 200


def test_staff_cannot_open_the_django_admin(staff_a, client_for):
    response = client_for(staff_a).get(reverse("admin:index"))
    assert response.status_code == 302


def test_refusals_explain_themselves_when_debug_is_off(
    world, readonly_a, staff_b, client_for, settings
):
    settings.DEBUG = False
    refused = client_for(readonly_a).get(url_of(world, "projects:edit", "project"))
    hidden = client_for(staff_b).get(url_of(world, "residents:person_detail", "person"))
    assert refused.status_code == 403
    assert "403.html" in [t.name for t in refused.templates]
    assert hidden.status_code == 404
    assert "404.html" in [t.name for t in hidden.templates]
    assert "Anouk" not in hidden.content.decode()


# The care worker: their trajectories, check-ins on them, and nothing of the corporation's


@pytest.mark.parametrize(("name", "key"), TRAJECTORY_VIEWS, ids=view_ids(TRAJECTORY_VIEWS))
def test_care_worker_opens_the_trajectories_of_their_organisation(
    world, care_worker, client_for, name, key
):
    assert client_for(care_worker).get(url_of(world, name, key)).status_code == 200


def test_care_worker_gets_404_on_a_trajectory_their_organisation_does_not_hold(
    world, care_worker, client_for
):
    client = client_for(care_worker)
    foreign = client.get(url_of(world, "residents:trajectory_detail", "foreign_omklap"))
    not_omklap = client.get(url_of(world, "residents:trajectory_detail", "contract"))
    missing = client.get(reverse("residents:trajectory_detail", args=[999_999]))
    assert foreign.status_code == not_omklap.status_code == missing.status_code == 404


@pytest.mark.parametrize(
    "persona", ["staff_a", "readonly_a", "staff_b", "policy_a", "member_a", "outsider"]
)
@pytest.mark.parametrize(("name", "key"), TRAJECTORY_VIEWS, ids=view_ids(TRAJECTORY_VIEWS))
def test_only_care_workers_open_trajectory_pages(world, request, client_for, persona, name, key):
    user = request.getfixturevalue(persona)
    assert client_for(user).get(url_of(world, name, key)).status_code == 404


@pytest.mark.parametrize(("name", "key"), TRAJECTORY_VIEWS, ids=view_ids(TRAJECTORY_VIEWS))
def test_anonymous_users_are_sent_to_login_from_trajectories(world, client, name, key):
    response = client.get(url_of(world, name, key))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# Every staff page but the check-in on a contract their organisation holds.
CARE_WORKER_404_VIEWS = [
    (name, key)
    for name, key in OBJECT_VIEWS
    if (name, key) != ("residents:checkin_create", "omklap")
] + [("residents:checkin_create", "foreign_omklap"), ("residents:evaluate", "foreign_omklap")]


@pytest.mark.parametrize(
    ("name", "key"), CARE_WORKER_404_VIEWS, ids=view_ids(CARE_WORKER_404_VIEWS)
)
def test_care_worker_gets_404_on_every_staff_page(world, care_worker, client_for, name, key):
    """Including the contract and the person they guide: their one way in is the trajectory."""
    client = client_for(care_worker)
    assert client.get(url_of(world, name, key)).status_code == 404
    assert client.post(url_of(world, name, key), {"name": "X"}).status_code == 404


@pytest.mark.parametrize("name", READ_LIST_VIEWS + CREATE_VIEWS)
def test_care_worker_gets_404_on_staff_lists(care_worker, client_for, name):
    assert client_for(care_worker).get(reverse(name)).status_code == 404


def test_care_worker_opens_the_check_in_form_of_a_guided_contract(world, care_worker, client_for):
    url = url_of(world, "residents:checkin_create", "omklap")
    assert client_for(care_worker).get(url).status_code == 200

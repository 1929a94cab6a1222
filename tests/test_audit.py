"""The audit log of sensitive reads, and the right-of-access file (AVG art. 15)."""

import datetime as dt
import json

import pytest
from django.core.files.base import ContentFile
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from allocation import voting
from allocation.models import Application
from projects.audit import purge_expired
from projects.models import AuditAction, AuditEntry
from residents.dates import add_months
from residents.models import Notice, ResidentRole

from .factories import ContractFactory, PersonFactory, UnitFactory, vote_candidate

TODAY = timezone.localdate()


@pytest.fixture
def person(project_a):
    person = PersonFactory(corporation=project_a.corporation, first_name="Saskia", last_name="Veld")
    ContractFactory(
        person=person,
        unit=UnitFactory(project=project_a),
        contract_type_code="tijdelijk",
        start_date=add_months(TODAY, -12),
        end_date=add_months(TODAY, 2),
    )
    return person


@pytest.fixture
def omklap(project_a, care_org, care_worker):
    person = PersonFactory(
        corporation=project_a.corporation,
        target_group_code="ex-dakloos",
        role=ResidentRole.VRAGEND,
        care_organisation=care_org,
    )
    return ContractFactory(
        unit=UnitFactory(project=project_a),
        person=person,
        contract_type_code="omklap",
        start_date=add_months(TODAY, -6),
        holder_organisation=care_org,
        care_worker=care_worker,
    )


def entries(**match):
    return list(AuditEntry.objects.filter(**match).order_by("pk"))


# What is recorded


def test_opening_a_persons_page_is_recorded_with_who_when_and_from_where(
    person, staff_a, client_for
):
    before = timezone.now()
    assert (
        client_for(staff_a).get(reverse("residents:person_detail", args=[person.pk])).status_code
        == 200
    )
    [entry] = entries()
    assert (entry.actor_id, entry.actor, entry.organisation) == (
        staff_a.pk,
        "staff@a.example",
        staff_a.memberships.get().organisation.name,
    )
    assert (entry.action, entry.object_type, entry.object_id) == (
        AuditAction.VIEW,
        "residents.person",
        person.pk,
    )
    assert entry.path == f"/people/{person.pk}/"
    assert before <= entry.at <= timezone.now()
    assert entry.keep_until.date() == (entry.at + dt.timedelta(days=730)).date()
    # The entry names the record, never the person.
    assert "Saskia" not in str(vars(entry))


def test_contract_application_trajectory_document_and_every_export_are_recorded(
    person, omklap, project_a, staff_a, readonly_a, care_worker, client_for, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    contract = person.contracts.get()
    notice = Notice.objects.create(
        contract=contract, given_on=TODAY, means="letter", given_by=staff_a
    )
    notice.document.save("aanzegging.pdf", ContentFile(b"%PDF-1.4 test"))
    application = vote_candidate(project_a, first_name="Karim")
    reader = client_for(readonly_a)
    pages = [
        (reader, reverse("residents:contract_detail", args=[contract.pk])),
        (reader, reverse("allocation:application_detail", args=[application.pk])),
        (reader, reverse("residents:notice_document", args=[notice.pk])),
        (reader, reverse("residents:units_export", args=[project_a.pk])),
        (reader, reverse("residents:project_people_export", args=[project_a.pk])),
        (reader, reverse("residents:people_export") + "?q=Veld"),
        (client_for(care_worker), reverse("residents:trajectory_detail", args=[omklap.pk])),
    ]
    for client, path in pages:
        assert client.get(path).status_code == 200, path
    logged = [(e.actor, e.action, e.object_type, e.object_id, e.path) for e in entries()]
    assert logged == [
        ("readonly@a.example", "view", "residents.contract", contract.pk, pages[0][1]),
        ("readonly@a.example", "view", "allocation.application", application.pk, pages[1][1]),
        ("readonly@a.example", "download", "residents.notice", notice.pk, pages[2][1]),
        ("readonly@a.example", "export", "projects.project", project_a.pk, pages[3][1]),
        ("readonly@a.example", "export", "projects.project", project_a.pk, pages[4][1]),
        ("readonly@a.example", "export", "residents.person", None, pages[5][1]),
        ("worker@zorg.example", "view", "residents.contract", omklap.pk, pages[6][1]),
    ]


def test_a_refused_page_records_nothing(person, staff_b, outsider, client_for):
    for user in (staff_b, outsider):
        response = client_for(user).get(reverse("residents:person_detail", args=[person.pk]))
        assert response.status_code == 404
    assert not AuditEntry.objects.exists()


def test_deleting_the_readers_account_keeps_what_they_read(person, staff_a, client_for):
    client_for(staff_a).get(reverse("residents:person_detail", args=[person.pk]))
    staff_a.delete()
    [entry] = entries()
    assert entry.actor == "staff@a.example"


# Nobody edits the log


def test_the_application_refuses_to_change_or_delete_an_entry(person, staff_a, client_for):
    client_for(staff_a).get(reverse("residents:person_detail", args=[person.pk]))
    entry = AuditEntry.objects.get()
    entry.actor = "someone-else@example.test"
    with pytest.raises(ValueError, match="never changed"):
        entry.save()
    with pytest.raises(ValueError, match="retention job"):
        entry.delete()
    assert AuditEntry.objects.get().actor == "staff@a.example"


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE projects_auditentry SET actor = 'x'",
        "DELETE FROM projects_auditentry",
    ],
)
def test_the_database_refuses_to_change_or_delete_an_entry_within_its_period(
    person, staff_a, client_for, sql
):
    client_for(staff_a).get(reverse("residents:person_detail", args=[person.pk]))
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert AuditEntry.objects.get().actor == "staff@a.example"


def test_entries_past_their_period_are_removed_and_no_others(db):
    now = timezone.now()
    common = {"actor": "a@b.example", "action": "view", "object_type": "residents.person"}
    old = AuditEntry.objects.create(at=now - dt.timedelta(days=800), keep_until=now, **common)
    AuditEntry.objects.create(
        at=now - dt.timedelta(days=10), keep_until=now + dt.timedelta(days=720), **common
    )
    assert purge_expired(now=now, dry_run=True) == 1
    assert AuditEntry.objects.count() == 2
    assert purge_expired(now=now) == 1
    assert not AuditEntry.objects.filter(pk=old.pk).exists()
    assert AuditEntry.objects.count() == 1


def test_the_admin_has_no_way_to_edit_the_log(admin_user, client_for):
    from django.contrib import admin

    assert AuditEntry not in admin.site._registry


# The log's page


def test_an_administrator_reads_and_filters_the_log(person, staff_a, readonly_a, client_for):
    client_for(staff_a).get(reverse("residents:person_detail", args=[person.pk]))
    client_for(readonly_a).get(reverse("residents:person_detail", args=[person.pk]))
    client_for(readonly_a).get(reverse("residents:people_export"))
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_user(
        "root", "root@magicmix.example", is_superuser=True, is_staff=True
    )
    client = client_for(admin)
    page = client.get(reverse("audit_log"))
    assert page.status_code == 200
    assert page.context["page_obj"].paginator.count == 3
    only_readonly = client.get(reverse("audit_log"), {"actor": "readonly@"})
    assert {e.actor for e in only_readonly.context["page_obj"]} == {"readonly@a.example"}
    about = client.get(
        reverse("audit_log"), {"object_type": "residents.person", "object_id": person.pk}
    )
    assert about.context["page_obj"].paginator.count == 2
    html = about.content.decode()
    assert f'href="/people/{person.pk}/"' in html
    bad = client.get(reverse("audit_log"), {"since": "gisteren"})
    assert bad.status_code == 200
    assert bad.context["filter"].form.errors["since"]


@pytest.mark.parametrize("who", ["staff_a", "readonly_a", "policy_a", "care_worker", "member_a"])
def test_nobody_but_an_administrator_reaches_the_log(request, who, client_for):
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse("audit_log")).status_code == 404


def test_the_log_asks_a_visitor_to_log_in(client, db):
    response = client.get(reverse("audit_log"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# Right of access


def test_the_access_file_holds_everything_about_the_person_and_no_vote(
    person, project_a, staff_a, member_a, client_for
):
    contract = person.contracts.get()
    Application.objects.create(
        project=project_a, person=person, registered_on=TODAY, intake_outcome="positive"
    )
    response = client_for(staff_a).post(reverse("person_access_file", args=[person.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="inzage-persoon-')
    data = json.loads(response.content)
    assert data["format"] == "magicmix-access-file/1"
    assert data["person"]["first_name"] == "Saskia"
    assert [c["start_date"] for c in data["contracts"]] == [contract.start_date.isoformat()]
    assert [a["registered_on"] for a in data["applications"]] == [TODAY.isoformat()]
    assert data["person_history"]
    text = response.content.decode()
    for absent in ["cell_key", "cell key", "receipt", "participation", "elector"]:
        assert absent not in text.lower()
    [entry] = entries(action=AuditAction.ACCESS_REQUEST)
    assert (entry.object_type, entry.object_id) == ("residents.person", person.pk)


def test_the_access_file_of_a_voter_says_nothing_of_their_votes(
    project_a, staff_a, member_a, client_for
):
    voter = member_a.person
    assert voting.member_project_ids(member_a, TODAY) == [project_a.pk]
    response = client_for(staff_a).post(reverse("person_access_file", args=[voter.pk]))
    data = json.loads(response.content)
    assert set(data) == {
        "format",
        "made_at",
        "person",
        "person_history",
        "contracts",
        "notices",
        "missed_notice_decisions",
        "check_ins",
        "guidance_extensions",
        "warnings",
        "association_memberships",
        "applications",
        "offers",
        "allocation_events",
        "shared_ballot_profiles",
    }
    assert len(data["association_memberships"]) == 1


def test_only_writing_staff_of_the_corporation_make_an_access_file(
    person, readonly_a, staff_b, outsider, client_for, staff_a
):
    url = reverse("person_access_file", args=[person.pk])
    assert client_for(readonly_a).post(url).status_code == 403
    assert client_for(staff_b).post(url).status_code == 404
    assert client_for(outsider).post(url).status_code == 404
    assert client_for(staff_a).get(url).status_code == 405
    assert not AuditEntry.objects.filter(action=AuditAction.ACCESS_REQUEST).exists()


def test_opening_a_person_or_contract_in_the_admin_is_recorded(person, admin_user, client_for):
    client = client_for(admin_user)
    contract = person.contracts.get()
    for path in [
        reverse("admin:residents_person_change", args=[person.pk]),
        reverse("admin:residents_person_history", args=[person.pk]),
        reverse("admin:residents_contract_change", args=[contract.pk]),
    ]:
        assert client.get(path).status_code == 200, path
    logged = [(e.actor, e.object_type, e.object_id) for e in entries()]
    assert logged == [
        ("admin@magicmix.example", "residents.person", person.pk),
        ("admin@magicmix.example", "residents.person", person.pk),
        ("admin@magicmix.example", "residents.contract", contract.pk),
    ]
    assert entries()[0].organisation == "administrator"


def test_edit_forms_and_earlier_versions_are_reads_too(person, staff_a, admin_user, client_for):
    contract = person.contracts.get()
    person.first_name = "Sas"
    person.save()
    version = person.history.order_by("history_id").first()
    pages = [
        (client_for(staff_a), reverse("residents:person_edit", args=[person.pk])),
        (client_for(staff_a), reverse("residents:contract_edit", args=[contract.pk])),
        (
            client_for(admin_user),
            reverse("admin:residents_person_simple_history", args=[person.pk, version.history_id]),
        ),
    ]
    for client, path in pages:
        assert client.get(path).status_code == 200, path
    logged = [(e.object_type, e.object_id, e.path) for e in entries()]
    assert logged == [
        ("residents.person", person.pk, pages[0][1]),
        ("residents.contract", contract.pk, pages[1][1]),
        ("residents.person", person.pk, pages[2][1]),
    ]


def test_an_offer_opened_is_recorded(project_a, staff_a, readonly_a, client_for):
    from allocation import services
    from residents.models import ContractType

    vacancy = services.vacancy_open(
        unit=UnitFactory(project=project_a),
        available_from=TODAY,
        contract_type=ContractType.objects.get(code="regulier"),
        user=staff_a,
    )
    offer = services.offer_make(
        vacancy=vacancy,
        application=vote_candidate(project_a, first_name="Ilse"),
        reason="Past buiten de bandbreedte; de enige kandidaat.",
        reply_by=TODAY,
        user=staff_a,
        today=TODAY,
    )
    path = reverse("allocation:offer_detail", args=[offer.pk])
    assert client_for(readonly_a).get(path).status_code == 200
    [entry] = entries()
    assert (entry.actor, entry.object_type, entry.object_id) == (
        "readonly@a.example",
        "allocation.offer",
        offer.pk,
    )

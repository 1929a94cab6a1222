"""A contract's life after signing, through the pages: notices and a missed window, check-ins,
warnings and the omklap evaluation; the care worker's trajectories; the reminder inbox and the
scheduler's heartbeat; and the language a logged-in user chooses.

Dates are relative to today, as the pages use `timezone.localdate()`. Page text is checked in
English (the language cookie), the source language, so that the checks hold whether or not the
Dutch catalogue has the new strings yet; the markers (CSS classes, roles, links) hold in both.
"""

import datetime as dt

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from magicmix.models import Delivery, Reminder, ReminderKind, ReminderRun, RunTrigger
from projects.models import Profile, Role
from residents.dates import add_months
from residents.models import (
    CHECKIN_DOMAINS,
    CheckIn,
    Contract,
    ContractStatus,
    EndReason,
    GuidanceExtension,
    LapseDecision,
    LapseOutcome,
    Notice,
    Outflow,
    ResidentRole,
    ResidentWarning,
)

from .factories import (
    CareOrganisationFactory,
    ContractFactory,
    MembershipFactory,
    PersonFactory,
    UnitFactory,
    UserFactory,
)

OPEN_ENDED = 'badge-bad">Continues open-ended<'
WARNINGS_ALERT = '<div class="alert" role="alert">'
HEARTBEAT = 'class="heartbeat" role="alert"'


def english(client):
    """Pages in English from now on (what the language switch's cookie does)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def day_en(value: dt.date) -> str:
    with translation.override("en"):
        return date_format(value, "j F Y")


def url(name, obj=None) -> str:
    return reverse(name, args=[obj.pk]) if obj is not None else reverse(name)


def page(client, name, obj=None) -> str:
    response = client.get(url(name, obj))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def recent_run(db, today):
    """The scheduler ran a minute ago, so no heartbeat warning on staff pages."""
    return ReminderRun.objects.create(
        trigger=RunTrigger.DAILY,
        today=today,
        finished_at=timezone.now() - dt.timedelta(minutes=1),
    )


@pytest.fixture
def staff(staff_a, client_for):
    return english(client_for(staff_a))


@pytest.fixture
def worker(care_worker, client_for):
    return english(client_for(care_worker))


@pytest.fixture
def fixed_term(project_a, today):
    """A "tijdelijk" contract ending in two months: its notice window is open today."""
    return ContractFactory(
        unit=UnitFactory(project=project_a),
        person__first_name="Fenna",
        contract_type_code="tijdelijk",
        start_date=add_months(today, -12),
        end_date=add_months(today, 2),
    )


@pytest.fixture
def lapsed(project_a, today):
    """A "tijdelijk" contract ending in ten days: its window closed without a notice."""
    return ContractFactory(
        unit=UnitFactory(project=project_a),
        person__first_name="Lotte",
        contract_type_code="tijdelijk",
        start_date=add_months(today, -12),
        end_date=today + dt.timedelta(days=10),
    )


@pytest.fixture
def omklap(project_a, care_org, care_worker, today):
    """An omklap contract held by care_org for six months, care_worker its care contact."""
    person = PersonFactory(
        corporation=project_a.corporation,
        first_name="Jamal",
        target_group_code="ex-dakloos",
        role=ResidentRole.VRAGEND,
        care_organisation=care_org,
    )
    return ContractFactory(
        unit=UnitFactory(project=project_a),
        person=person,
        contract_type_code="omklap",
        start_date=add_months(today, -6),
        holder_organisation=care_org,
        care_worker=care_worker,
    )


@pytest.fixture
def foreign_omklap(project_a, today):
    """An omklap contract in the same project, held by another care organisation."""
    return ContractFactory(
        unit=UnitFactory(project=project_a),
        person__first_name="Noor",
        contract_type_code="omklap",
        start_date=add_months(today, -6),
        holder_organisation=CareOrganisationFactory(name="Andere Zorg"),
    )


def checkin_data(day: dt.date, **scores) -> dict:
    return {"held_on": day.isoformat(), **dict.fromkeys(CHECKIN_DOMAINS, 4), **scores}


# 1. The care worker's way in: the trajectory pages, and a check-in


def test_care_worker_lists_only_what_their_organisation_guides(
    worker, omklap, foreign_omklap, fixed_term
):
    listing = page(worker, "residents:trajectory_list")
    assert "Jamal" in listing
    assert url("residents:trajectory_detail", omklap) in listing
    assert "Noor" not in listing
    assert "Fenna" not in listing


def test_care_worker_searches_their_trajectories(worker, omklap):
    found = worker.get(url("residents:trajectory_list"), {"q": "jam"})
    not_found = worker.get(url("residents:trajectory_list"), {"q": "Noor"})
    assert [row.contract for row in found.context["rows"]] == [omklap]
    assert not_found.context["rows"] == []
    assert "No trajectories match your search." in not_found.content.decode()


def test_the_trajectory_page_shows_check_ins_and_warnings(
    worker, omklap, staff_a, care_worker, today
):
    CheckIn.objects.create(
        contract=omklap,
        held_on=today,
        held_by=care_worker,
        note="Gaat goed",
        **{d: 5 for d in CHECKIN_DOMAINS},
    )
    ResidentWarning.objects.create(
        person=omklap.person, contract=omklap, given_on=today, reason="Overlast", given_by=staff_a
    )
    detail = page(worker, "residents:trajectory_detail", omklap)
    assert "Gaat goed" in detail
    assert "Overlast" in detail
    assert url("residents:checkin_create", omklap) in detail


def test_care_worker_records_a_check_in_and_returns_to_the_trajectory(
    worker, omklap, care_worker, today
):
    response = worker.post(
        url("residents:checkin_create", omklap), checkin_data(today, note="Eerste gesprek")
    )
    assert response.status_code == 302
    assert response["Location"] == url("residents:trajectory_detail", omklap)
    checkin = CheckIn.objects.get(contract=omklap)
    assert checkin.held_by == care_worker
    assert checkin.held_on == today
    followed = worker.get(response["Location"]).content.decode()
    assert "Check-in recorded." in followed
    assert "Eerste gesprek" in followed


def test_staff_records_a_check_in_and_returns_to_the_contract(staff, omklap, staff_a, today):
    response = staff.post(url("residents:checkin_create", omklap), checkin_data(today))
    assert response.status_code == 302
    assert response["Location"] == url("residents:contract_detail", omklap)
    assert CheckIn.objects.get(contract=omklap).held_by == staff_a


def test_the_navigation_shows_trajectories_to_care_workers_only(worker, staff, recent_run):
    link = f'href="{url("residents:trajectory_list")}"'
    assert link in page(worker, "home")
    assert link not in page(staff, "home")
    assert f'href="{url("residents:person_list")}"' not in page(worker, "home")


def test_the_check_in_form_cancels_back_to_where_it_came_from(worker, staff, omklap):
    to_worker = worker.get(url("residents:checkin_create", omklap))
    to_staff = staff.get(url("residents:checkin_create", omklap))
    assert to_worker.context["back_url"] == url("residents:trajectory_detail", omklap)
    assert to_staff.context["back_url"] == url("residents:contract_detail", omklap)


def test_care_worker_cannot_evaluate_give_notice_or_warn(worker, omklap, fixed_term, today):
    flip = worker.post(
        url("residents:evaluate", omklap), {"action": "flip", "flip-last_day": today.isoformat()}
    )
    notice = worker.post(
        url("residents:notice_create", fixed_term),
        {"given_on": today.isoformat(), "means": "letter"},
    )
    warning = worker.post(
        url("residents:warning_create", omklap.person),
        {"given_on": today.isoformat(), "reason": "X"},
    )
    assert flip.status_code == notice.status_code == warning.status_code == 404
    omklap.refresh_from_db()
    assert omklap.status == ContractStatus.ACTIVE
    assert not Contract.objects.filter(flipped_from=omklap).exists()
    assert not Notice.objects.exists()
    assert not ResidentWarning.objects.exists()


def test_care_worker_cannot_check_in_on_another_organisations_contract(
    worker, foreign_omklap, today
):
    response = worker.post(url("residents:checkin_create", foreign_omklap), checkin_data(today))
    assert response.status_code == 404
    assert not CheckIn.objects.exists()


def test_a_flipped_trajectory_leaves_the_care_workers_list(worker, staff, omklap, today):
    staff.post(
        url("residents:evaluate", omklap),
        {"action": "flip", "flip-last_day": today.isoformat(), "confirmed": "1"},
    )
    assert "Jamal" not in page(worker, "residents:trajectory_list")
    assert worker.get(url("residents:trajectory_detail", omklap)).status_code == 404


# 2. Notices and a missed notice window


def test_staff_record_a_notice_inside_the_window(
    staff, fixed_term, staff_a, today, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    document = SimpleUploadedFile("opzegging.pdf", b"%PDF-1.4 brief", "application/pdf")
    response = staff.post(
        url("residents:notice_create", fixed_term),
        {"given_on": today.isoformat(), "means": "letter", "document": document},
    )
    assert response.status_code == 302
    assert response["Location"] == url("residents:contract_detail", fixed_term)
    notice = Notice.objects.get(contract=fixed_term)
    assert (notice.given_on, notice.means, notice.given_by) == (today, "letter", staff_a)

    contract_page = staff.get(response["Location"]).content.decode()
    assert f"Notice recorded: the contract ends on {day_en(fixed_term.end_date)}." in contract_page
    assert f"Notice given on {day_en(today)} (Letter)" in contract_page
    # The window's "Open now." gives way to the notice; the history lists it; the state says it.
    assert "Open now." not in contract_page
    assert f"notice given on {day_en(today)} (Letter)" in contract_page
    assert f"Ends on {day_en(fixed_term.end_date)}" in contract_page
    assert url("residents:notice_document", notice) in contract_page

    download = staff.get(url("residents:notice_document", notice))
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == b"%PDF-1.4 brief"


def test_a_notice_outside_the_window_is_refused_and_names_the_window(staff, fixed_term):
    window = fixed_term.notice_window
    too_early = window.opens - dt.timedelta(days=1)
    response = staff.post(
        url("residents:notice_create", fixed_term),
        {"given_on": too_early.isoformat(), "means": "letter"},
    )
    assert response.status_code == 200
    [error] = response.context["form"].errors["given_on"]
    assert (
        f"must be given from {day_en(window.opens)} up to and including {day_en(window.closes)}"
        in error
    )
    assert "before the window opens" in error
    assert error in response.content.decode()
    assert not Notice.objects.exists()


def test_the_notice_form_names_the_window_and_takes_a_document(staff, fixed_term):
    window = fixed_term.notice_window
    html = page(staff, "residents:notice_create", fixed_term)
    assert 'enctype="multipart/form-data"' in html
    assert f"from {day_en(window.opens)} up to and including {day_en(window.closes)}" in html
    assert url("residents:notice_create", fixed_term) in page(
        staff, "residents:contract_detail", fixed_term
    )


def test_a_notice_without_a_document_has_no_download(staff, fixed_term, staff_a, today):
    notice = Notice.objects.create(
        contract=fixed_term, given_on=today, means="in_person", given_by=staff_a
    )
    assert staff.get(url("residents:notice_document", notice)).status_code == 404
    assert url("residents:notice_document", notice) not in page(
        staff, "residents:contract_detail", fixed_term
    )


def test_a_notice_in_the_future_is_refused(staff, fixed_term, today):
    response = staff.post(
        url("residents:notice_create", fixed_term),
        {"given_on": (today + dt.timedelta(days=1)).isoformat(), "means": "email"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["given_on"] == ["This date lies in the future."]
    assert not Notice.objects.exists()


def test_the_notice_form_is_refused_for_a_contract_without_a_window(staff, omklap):
    response = staff.get(url("residents:notice_create", omklap), follow=True)
    assert response.redirect_chain == [(url("residents:contract_detail", omklap), 302)]
    assert "This contract needs no notice." in response.content.decode()


def open_ended_pages(client, contract) -> dict[str, str]:
    return {
        "contract": page(client, "residents:contract_detail", contract),
        "person": page(client, "residents:person_detail", contract.person),
        "unit": page(client, "residents:unit_detail", contract.unit),
        "project": page(client, "residents:project_detail", contract.unit.project),
        "people": page(client, "residents:person_list"),
    }


def test_a_missed_window_shows_continues_open_ended_until_staff_decide(
    staff, lapsed, fixed_term, staff_a
):
    pages = open_ended_pages(staff, lapsed)
    for name, html in pages.items():
        assert html.count(OPEN_ENDED) == 1 + (name == "unit"), name  # unit: heading and table
    decide = url("residents:lapse_decide", lapsed)
    assert decide in pages["contract"]
    assert "Notice window missed: this contract continues open-ended." in pages["contract"]
    # A contract whose window is still open is not flagged.
    assert OPEN_ENDED not in page(staff, "residents:contract_detail", fixed_term)
    assert page(staff, "residents:lapse_decide", lapsed)

    response = staff.post(
        decide, {"outcome": "exception", "reason": "Notice given on time but recorded late."}
    )
    assert response.status_code == 302
    assert response["Location"] == url("residents:contract_detail", lapsed)
    decision = LapseDecision.objects.get(contract=lapsed)
    assert (decision.outcome, decision.decided_by) == (LapseOutcome.EXCEPTION, staff_a)
    assert decision.previous_end_date == lapsed.end_date

    for name, html in open_ended_pages(staff, lapsed).items():
        assert "continues open-ended" not in html.lower(), name
    contract_page = page(staff, "residents:contract_detail", lapsed)
    assert decide not in contract_page
    assert "Missed window: Exception recorded" in contract_page
    lapsed.refresh_from_db()
    assert lapsed.contract_type.code == "tijdelijk"
    assert lapsed.end_date is not None
    # Decided once: the form now sends staff back with a message.
    again = staff.get(decide, follow=True)
    assert again.redirect_chain == [(url("residents:contract_detail", lapsed), 302)]
    assert "no missed notice window to decide on" in again.content.decode()


def test_the_flag_is_shown_in_dutch_pages_too(client_for, staff_a, lapsed):
    """Dutch (the default) shows the same marker and link, whatever the catalogue says."""
    html = page(client_for(staff_a), "residents:contract_detail", lapsed)
    assert 'lang="nl"' in html
    assert 'class="badge badge-bad"' in html
    assert url("residents:lapse_decide", lapsed) in html


def test_converting_a_missed_window_makes_the_contract_open_ended(staff, lapsed):
    response = staff.post(
        url("residents:lapse_decide", lapsed),
        {"outcome": "converted", "reason": "The tenant stays."},
    )
    assert response.status_code == 302
    lapsed.refresh_from_db()
    assert lapsed.contract_type.code == "regulier"
    assert lapsed.end_date is None
    assert OPEN_ENDED not in page(staff, "residents:contract_detail", lapsed)


def test_a_decision_needs_a_reason(staff, lapsed):
    response = staff.post(url("residents:lapse_decide", lapsed), {"outcome": "exception"})
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert not LapseDecision.objects.exists()


# 2. The omklap evaluation: flip, extend, end


def test_the_evaluation_page_offers_three_separate_forms(staff, omklap):
    html = page(staff, "residents:evaluate", omklap)
    for action, field in (("flip", "last_day"), ("extend", "new_end"), ("end", "end_date")):
        assert f'name="action" value="{action}"' in html
        assert f'name="{action}-{field}"' in html
    assert url("residents:evaluate", omklap) in page(staff, "residents:contract_detail", omklap)


def test_flip_creates_the_regular_contract_from_the_next_day(staff, omklap, today, staff_a):
    data = {"action": "flip", "flip-last_day": today.isoformat()}
    # First a summary to confirm; nothing changes yet.
    summary = staff.post(url("residents:evaluate", omklap), data)
    assert summary.status_code == 200
    html = summary.content.decode()
    assert "Confirm: flip the contract" in html
    assert f"starts on {day_en(today + dt.timedelta(days=1))}" in html
    assert not Contract.objects.filter(flipped_from=omklap).exists()
    # "Change" brings the form back, filled in, still without acting.
    back = staff.post(url("residents:evaluate", omklap), data | {"confirmed": "1", "edit": "1"})
    assert back.status_code == 200
    assert back.context["forms"]["flip"]["last_day"].value() == today.isoformat()
    assert not Contract.objects.filter(flipped_from=omklap).exists()

    response = staff.post(url("residents:evaluate", omklap), data | {"confirmed": "1"})
    assert response.status_code == 302
    regular = Contract.objects.get(flipped_from=omklap)
    assert response["Location"] == url("residents:contract_detail", regular)
    assert regular.start_date == today + dt.timedelta(days=1)
    assert regular.contract_type.code == "regulier"
    assert regular.status == ContractStatus.ACTIVE
    assert (regular.signed_on, regular.signed_by) == (today, staff_a)
    assert (regular.person, regular.unit, regular.holder_organisation) == (
        omklap.person,
        omklap.unit,
        None,
    )
    omklap.refresh_from_db()
    assert (omklap.status, omklap.end_date, omklap.end_reason) == (
        ContractStatus.ENDED,
        today,
        EndReason.FLIPPED,
    )
    new_page = staff.get(response["Location"]).content.decode()
    assert "Flipped: a regular contract" in new_page
    assert url("residents:contract_detail", omklap) in new_page
    old_page = page(staff, "residents:contract_detail", omklap)
    assert url("residents:contract_detail", regular) in old_page


def test_extending_to_an_earlier_date_is_refused_and_changes_nothing(staff, omklap):
    guidance_end = omklap.guidance_end
    response = staff.post(
        url("residents:evaluate", omklap),
        {
            "action": "extend",
            "extend-new_end": (guidance_end - dt.timedelta(days=1)).isoformat(),
            "extend-reason": "Nog niet zelfstandig",
        },
    )
    assert response.status_code == 200
    forms = response.context["forms"]
    [error] = forms["extend"].errors["new_end"]
    assert day_en(guidance_end) in error
    assert error in response.content.decode()
    assert not forms["flip"].is_bound
    assert not forms["end"].is_bound
    omklap.refresh_from_db()
    assert omklap.guidance_extended_until is None
    assert omklap.status == ContractStatus.ACTIVE
    assert not GuidanceExtension.objects.exists()


def test_extending_to_a_later_date_moves_the_end_of_guidance(staff, omklap, staff_a):
    new_end = add_months(omklap.guidance_end, 6)
    response = staff.post(
        url("residents:evaluate", omklap),
        {"action": "extend", "extend-new_end": new_end.isoformat(), "extend-reason": "Meer tijd"},
    )
    assert response.status_code == 302
    assert response["Location"] == url("residents:contract_detail", omklap)
    omklap.refresh_from_db()
    assert omklap.guidance_end == new_end
    assert GuidanceExtension.objects.get(contract=omklap).decided_by == staff_a
    assert "Meer tijd" in page(staff, "residents:contract_detail", omklap)


def test_ending_with_an_outflow_ends_the_contract(staff, omklap, today):
    response = staff.post(
        url("residents:evaluate", omklap),
        {
            "action": "end",
            "end-end_date": today.isoformat(),
            "end-end_reason": EndReason.GUIDANCE_ENDED,
            "end-outflow": Outflow.INSTITUTION,
            "confirmed": "1",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == url("residents:contract_detail", omklap)
    omklap.refresh_from_db()
    assert (omklap.status, omklap.end_date, omklap.end_reason, omklap.outflow) == (
        ContractStatus.ENDED,
        today,
        EndReason.GUIDANCE_ENDED,
        Outflow.INSTITUTION,
    )
    assert not Contract.objects.filter(flipped_from=omklap).exists()
    # An ended contract is not evaluated again.
    again = staff.get(url("residents:evaluate", omklap), follow=True)
    assert again.redirect_chain == [(url("residents:contract_detail", omklap), 302)]


def test_the_end_form_offers_no_flip(staff, omklap, today):
    response = staff.post(
        url("residents:evaluate", omklap),
        {
            "action": "end",
            "end-end_date": today.isoformat(),
            "end-end_reason": EndReason.FLIPPED,
            "end-outflow": Outflow.UNKNOWN,
        },
    )
    assert response.status_code == 200
    assert "end_reason" in response.context["forms"]["end"].errors
    omklap.refresh_from_db()
    assert omklap.status == ContractStatus.ACTIVE


# 2. Warnings and check-ins


def test_a_second_warning_shows_the_prominent_alert(staff, omklap, staff_a, today, recent_run):
    person = omklap.person
    warn = url("residents:warning_create", person)
    first = staff.post(warn, {"given_on": today.isoformat(), "reason": "Geluidsoverlast"})
    assert first.status_code == 302
    assert first["Location"] == url("residents:person_detail", person)
    once = page(staff, "residents:person_detail", person)
    assert "has had one warning" in once
    assert 'role="alert"' not in once

    staff.post(warn, {"given_on": today.isoformat(), "reason": "Huurachterstand"})
    twice = page(staff, "residents:person_detail", person)
    assert WARNINGS_ALERT in twice
    assert "has had 2 warnings: after two, a resident can be asked to leave." in twice
    assert WARNINGS_ALERT in page(staff, "residents:contract_detail", omklap)
    warnings = ResidentWarning.objects.filter(person=person)
    assert [w.reason for w in warnings] == ["Geluidsoverlast", "Huurachterstand"]
    assert {w.contract for w in warnings} == {omklap}
    assert {w.given_by for w in warnings} == {staff_a}


@pytest.mark.parametrize("score", [0, 6, "x"])
def test_a_check_in_score_out_of_range_is_refused(worker, omklap, today, score):
    response = worker.post(url("residents:checkin_create", omklap), checkin_data(today, rent=score))
    assert response.status_code == 200
    assert "rent" in response.context["form"].errors
    assert not CheckIn.objects.exists()


def test_a_check_in_before_the_start_is_refused(worker, omklap):
    day = omklap.start_date - dt.timedelta(days=1)
    response = worker.post(url("residents:checkin_create", omklap), checkin_data(day))
    assert response.status_code == 200
    assert response.context["form"].errors["held_on"] == [
        "This date lies before the contract started."
    ]
    assert not CheckIn.objects.exists()


# 3. The reminder inbox


def deliver(contract, user, kind=ReminderKind.CHECKIN_DUE, due=None, **fields) -> Delivery:
    reminder, _ = Reminder.objects.get_or_create(
        contract=contract, kind=kind, due_date=due or timezone.localdate()
    )
    return Delivery.objects.create(reminder=reminder, recipient=user, **fields)


@pytest.fixture
def colleague(corp_a):
    user = UserFactory(email="collega@a.example")
    MembershipFactory(user=user, organisation=corp_a, role=Role.STAFF)
    return user


@pytest.fixture
def inbox(staff_a, colleague, omklap, fixed_term, lapsed, today):
    """staff_a: two unread and one cancelled; the colleague: one on another contract."""
    return {
        "checkin": deliver(omklap, staff_a),
        "notice": deliver(fixed_term, staff_a, ReminderKind.NOTICE_OPENS, fixed_term.start_date),
        "cancelled": deliver(
            omklap, staff_a, ReminderKind.CHECKIN_OVERDUE, cancelled_at=timezone.now()
        ),
        "theirs": deliver(lapsed, colleague, ReminderKind.NOTICE_MISSED),
    }


def nav_count(html: str) -> str | None:
    marker = '<span class="nav-count">'
    if marker not in html:
        return None
    return html.split(marker, 1)[1].split("<", 1)[0]


def test_a_user_sees_only_their_own_reminders(staff, inbox):
    response = staff.get(url("reminder_inbox"))
    assert list(response.context["page_obj"]) == [inbox["checkin"], inbox["notice"]]
    html = response.content.decode()
    assert "Jamal" in html
    assert "Fenna" in html
    assert "Lotte" not in html
    assert "Notice window opens" in html
    assert url("reminder_open", inbox["theirs"]) not in html
    assert url("reminder_open", inbox["cancelled"]) not in html


def test_the_unread_count_is_in_the_navigation_of_every_page(staff, inbox, omklap):
    assert nav_count(page(staff, "home")) == "2"
    assert nav_count(page(staff, "residents:contract_detail", omklap)) == "2"


def test_the_unread_filter_hides_read_reminders(staff, inbox):
    inbox["notice"].read_at = timezone.now()
    inbox["notice"].save()
    response = staff.get(url("reminder_inbox"), {"show": "unread"})
    assert list(response.context["page_obj"]) == [inbox["checkin"]]
    assert nav_count(response.content.decode()) == "1"


def test_opening_a_reminder_marks_it_read_and_goes_to_the_contract(staff, inbox, fixed_term):
    response = staff.post(url("reminder_open", inbox["notice"]))
    assert response.status_code == 302
    assert response["Location"] == url("residents:contract_detail", fixed_term)
    inbox["notice"].refresh_from_db()
    assert inbox["notice"].read_at is not None
    assert nav_count(staff.get(response["Location"]).content.decode()) == "1"


def test_a_reminder_opens_only_by_post_and_only_for_its_recipient(staff, inbox):
    assert staff.get(url("reminder_open", inbox["checkin"])).status_code == 405
    assert staff.post(url("reminder_open", inbox["theirs"])).status_code == 404
    inbox["theirs"].refresh_from_db()
    inbox["checkin"].refresh_from_db()
    assert inbox["theirs"].read_at is None
    assert inbox["checkin"].read_at is None


def test_a_care_worker_opens_a_reminder_on_the_trajectory(worker, care_worker, omklap):
    delivery = deliver(omklap, care_worker)
    assert nav_count(page(worker, "residents:trajectory_list")) == "1"
    response = worker.post(url("reminder_open", delivery))
    assert response.status_code == 302
    assert response["Location"] == url("residents:trajectory_detail", omklap)
    assert worker.get(response["Location"]).status_code == 200
    delivery.refresh_from_db()
    assert delivery.read_at is not None


def test_mark_all_read_marks_only_the_users_own(staff, inbox):
    assert "Mark all as read" in page(staff, "reminder_inbox")
    response = staff.post(url("reminder_inbox"))
    assert response.status_code == 302
    assert response["Location"] == url("reminder_inbox")
    for key in ("checkin", "notice", "theirs"):
        inbox[key].refresh_from_db()
    assert inbox["checkin"].read_at is not None
    assert inbox["notice"].read_at is not None
    assert inbox["theirs"].read_at is None
    after = staff.get(url("reminder_inbox")).content.decode()
    assert "All reminders marked as read." in after
    assert nav_count(after) is None
    assert "Mark all as read" not in after


def test_the_inbox_is_empty_for_a_user_without_reminders(client_for, outsider):
    html = page(english(client_for(outsider)), "reminder_inbox")
    assert "No reminders yet." in html


# 3. The scheduler's heartbeat


def test_staff_are_warned_when_deadlines_were_never_checked(staff):
    html = page(staff, "residents:project_list")
    assert HEARTBEAT in html
    assert "Contract deadlines have never been checked" in html


def test_staff_are_warned_when_the_last_run_is_more_than_26_hours_ago(staff, today):
    ReminderRun.objects.create(
        trigger=RunTrigger.DAILY,
        today=today - dt.timedelta(days=1),
        finished_at=timezone.now() - dt.timedelta(hours=27),
    )
    # A run that started but never finished is no sign of life either.
    ReminderRun.objects.create(trigger=RunTrigger.HOURLY, today=today)
    html = page(staff, "home")
    assert HEARTBEAT in html
    assert "Contract deadlines were last checked on" in html


def test_a_fresh_run_removes_the_warning(staff, client_for, readonly_a, today):
    assert HEARTBEAT in page(staff, "home")
    ReminderRun.objects.create(trigger=RunTrigger.HOURLY, today=today, finished_at=timezone.now())
    assert HEARTBEAT not in page(staff, "home")
    assert HEARTBEAT not in page(client_for(readonly_a), "home")


def test_read_only_staff_see_the_warning_too(client_for, readonly_a):
    assert HEARTBEAT in page(client_for(readonly_a), "home")


@pytest.mark.parametrize("persona", ["care_worker", "member_a", "policy_a"])
def test_others_never_see_the_heartbeat_warning(request, client_for, persona, omklap):
    client = client_for(request.getfixturevalue(persona))
    for name in ("home", "reminder_inbox"):
        assert "heartbeat" not in page(client, name)
    if persona == "care_worker":
        assert "heartbeat" not in page(client, "residents:trajectory_detail", omklap)


# 4. The language switch


def test_set_language_stores_the_choice_of_a_logged_in_user(client_for, staff_a):
    client = client_for(staff_a)
    response = client.post(url("set_language"), {"language": "en", "next": url("home")})
    assert response.status_code == 302
    assert Profile.objects.get(user=staff_a).language == "en"
    assert 'lang="en"' in page(client, "home")

    client.post(url("set_language"), {"language": "nl", "next": url("home")})
    assert Profile.objects.get(user=staff_a).language == "nl"
    assert Profile.objects.filter(user=staff_a).count() == 1


def test_set_language_ignores_an_unknown_language(client_for, staff_a):
    Profile.objects.create(user=staff_a, language="en")
    client_for(staff_a).post(url("set_language"), {"language": "xx"})
    assert Profile.objects.get(user=staff_a).language == "en"


def test_set_language_works_anonymously_without_storing_anything(db, client):
    response = client.post(url("set_language"), {"language": "en"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert not Profile.objects.exists()

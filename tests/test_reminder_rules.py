"""Contract reminders: the seven rules and their due dates, making each reminder once, e-mailing
each delivery once to the right people in their own language, retrying a failed e-mail after a
back-off, cancelling one that no longer applies, the scheduler's heartbeat, and the
`send_reminders` command.

The two contracts the rules are tested on:

- `temporary`, ending 1 May 2026: notice window 1 February up to and including 1 April 2026, so
  "opens" falls due on 1 February, "closes in 14 days" on 18 March, "missed" on 2 April;
- `omklap`, from 1 January 2025 with 36 months of guidance (to 31 December 2027) and check-ins
  every 3 months: "check-in due" on 1 April 2025, "overdue" 14 days later on 15 April,
  "evaluation due" 60 days before the end of guidance on 1 November 2027, "overdue" on
  1 January 2028.
"""

import datetime as dt
import io
import smtplib
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from magicmix.models import Delivery, Reminder, ReminderKind, ReminderRun, RunTrigger
from magicmix.reminders import (
    backoff,
    delivery_send,
    due_dates,
    due_on,
    heartbeat_stale,
    reminders_run,
    with_facts,
)
from projects.models import Profile, Role
from residents.lifecycle import (
    checkin_record,
    guidance_extend,
    lapse_decide,
    notice_record,
    omklap_end,
)
from residents.models import (
    CHECKIN_DOMAINS,
    Contract,
    ContractStatus,
    EndReason,
    LapseOutcome,
    NoticeMeans,
    Outflow,
    ResidentRole,
)

from .factories import ContractFactory, MembershipFactory, PersonFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

D = dt.date
ONE_DAY = dt.timedelta(days=1)
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
K = ReminderKind

# kind -> (contract fixture, the day it falls due); see the module docstring.
DUE = {
    K.NOTICE_OPENS: ("temporary", D(2026, 2, 1)),
    K.NOTICE_CLOSING: ("temporary", D(2026, 3, 18)),
    K.NOTICE_MISSED: ("temporary", D(2026, 4, 2)),
    K.CHECKIN_DUE: ("omklap", D(2025, 4, 1)),
    K.CHECKIN_OVERDUE: ("omklap", D(2025, 4, 15)),
    K.EVALUATION_DUE: ("omklap", D(2027, 11, 1)),
    K.EVALUATION_OVERDUE: ("omklap", D(2028, 1, 1)),
}
OPENS = DUE[K.NOTICE_OPENS][1]


class FailingBackend(BaseEmailBackend):
    """A mail server that refuses every message for now."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPException("421 Service not available, try again later")


FAILING_MAILER = {"default": {"BACKEND": f"{__name__}.FailingBackend"}}
WORKING_MAILER = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


# People and contracts


def staff_member(corporation, email, **kwargs):
    user = UserFactory(email=email, **kwargs)
    MembershipFactory(user=user, organisation=corporation, role=Role.STAFF)
    return user


@pytest.fixture
def temporary(project_a):
    return ContractFactory(
        unit=UnitFactory(project=project_a, number="101"),
        person=PersonFactory(corporation=project_a.corporation, first_name="Sanne"),
        contract_type_code="tijdelijk",
        start_date=D(2025, 1, 1),
        end_date=D(2026, 5, 1),
    )


@pytest.fixture
def omklap(project_a, care_org, care_worker):
    return ContractFactory(
        unit=UnitFactory(project=project_a, number="102"),
        person=PersonFactory(
            corporation=project_a.corporation,
            target_group_code="ex-dakloos",
            role=ResidentRole.VRAGEND,
            care_organisation=care_org,
        ),
        contract_type_code="omklap",
        start_date=D(2025, 1, 1),
        holder_organisation=care_org,
        care_worker=care_worker,
    )


# Helpers


def due_for(contract, day) -> set[tuple[str, dt.date]]:
    """(kind, due date) of the reminders due on `day` for this one contract."""
    return {(d.kind, d.due_date) for d in due_on(day) if d.contract_id == contract.pk}


def kinds_due(contract, day) -> set[str]:
    return {kind for kind, _ in due_for(contract, day)}


def send_all(ids: list[int]) -> None:
    for pk in ids:
        delivery_send(pk)


def send_nothing(ids: list[int]) -> None:
    pass


def run(day: dt.date, dispatch=send_all) -> ReminderRun:
    return reminders_run(today=day, trigger=RunTrigger.DAILY, dispatch=dispatch)


def recipients_of(contract, kind) -> set[str]:
    return set(
        Delivery.objects.filter(reminder__contract=contract, reminder__kind=kind).values_list(
            "recipient__email", flat=True
        )
    )


def counts() -> tuple[int, int, int]:
    return Reminder.objects.count(), Delivery.objects.count(), ReminderRun.objects.count()


# The rules: each kind on its day, and only on its day


@pytest.mark.parametrize("kind", list(DUE))
def test_each_kind_falls_due_on_its_day_and_not_the_day_before_or_after(request, kind):
    fixture, day = DUE[kind]
    contract = request.getfixturevalue(fixture)
    assert (kind, day) in due_for(contract, day)
    assert kind not in kinds_due(contract, day - ONE_DAY)
    assert kind not in kinds_due(contract, day + ONE_DAY)


@pytest.mark.parametrize("fixture", ["temporary", "omklap"])
def test_a_contract_has_exactly_the_documented_due_dates(request, fixture):
    contract = request.getfixturevalue(fixture)
    loaded = with_facts(Contract.objects.filter(pk=contract.pk)).get()
    expected = {(kind, day) for kind, (f, day) in DUE.items() if f == fixture}
    assert set(due_dates(loaded)) == expected


def test_an_open_ended_regular_contract_has_no_reminders(project_a):
    contract = ContractFactory(unit=UnitFactory(project=project_a), start_date=D(2025, 1, 1))
    loaded = with_facts(Contract.objects.filter(pk=contract.pk)).get()
    assert due_dates(loaded) == []


# The rules: conditions


def test_a_recorded_notice_silences_the_closing_and_missed_reminders(temporary, staff_a):
    notice_record(
        contract=temporary,
        given_on=D(2026, 2, 10),
        means=NoticeMeans.LETTER,
        given_by=staff_a,
        today=D(2026, 2, 10),
    )
    assert due_for(temporary, DUE[K.NOTICE_CLOSING][1]) == set()
    assert due_for(temporary, DUE[K.NOTICE_MISSED][1]) == set()


@pytest.mark.parametrize("outcome", [LapseOutcome.EXCEPTION, LapseOutcome.CONVERTED])
def test_a_decision_on_the_missed_window_silences_the_notice_reminders(temporary, staff_a, outcome):
    missed = DUE[K.NOTICE_MISSED][1]
    lapse_decide(
        contract=temporary, outcome=outcome, reason="Decided.", decided_by=staff_a, today=missed
    )
    assert due_for(temporary, missed) == set()


def test_a_checkin_moves_the_next_checkin_due_date(omklap, care_worker):
    checkin_record(
        contract=omklap,
        held_on=D(2025, 3, 20),
        held_by=care_worker,
        today=D(2025, 3, 20),
        **dict.fromkeys(CHECKIN_DOMAINS, 3),
    )
    assert due_for(omklap, D(2025, 4, 1)) == set()
    assert due_for(omklap, D(2025, 4, 15)) == set()
    assert due_for(omklap, D(2025, 6, 20)) == {(K.CHECKIN_DUE, D(2025, 6, 20))}
    assert due_for(omklap, D(2025, 7, 4)) == {(K.CHECKIN_OVERDUE, D(2025, 7, 4))}


def test_the_checkin_cadence_is_the_projects_setting(omklap, project_a):
    project_a.checkin_every_months = 6
    project_a.save()
    assert due_for(omklap, D(2025, 4, 1)) == set()
    assert due_for(omklap, D(2025, 7, 1)) == {(K.CHECKIN_DUE, D(2025, 7, 1))}


def test_the_checkin_grace_period_is_a_setting(omklap, settings):
    settings.REMINDER_CHECKIN_GRACE_DAYS = 7
    assert due_for(omklap, D(2025, 4, 8)) == {(K.CHECKIN_OVERDUE, D(2025, 4, 8))}
    assert due_for(omklap, D(2025, 4, 15)) == set()


def test_an_extension_moves_the_evaluation_dates(omklap, staff_a):
    guidance_extend(
        contract=omklap, new_end=D(2028, 6, 30), reason="More time.", decided_by=staff_a
    )
    assert due_for(omklap, D(2027, 11, 1)) == set()
    assert due_for(omklap, D(2028, 1, 1)) == set()
    assert due_for(omklap, D(2028, 5, 1)) == {(K.EVALUATION_DUE, D(2028, 5, 1))}
    assert due_for(omklap, D(2028, 7, 1)) == {(K.EVALUATION_OVERDUE, D(2028, 7, 1))}


def test_an_ended_omklap_contract_has_no_reminders(omklap):
    omklap_end(
        contract=omklap,
        last_day=D(2027, 12, 31),
        reason=EndReason.GUIDANCE_ENDED,
        outflow=Outflow.SOCIAL_RENT,
    )
    for kind in (K.CHECKIN_DUE, K.EVALUATION_DUE, K.EVALUATION_OVERDUE):
        assert due_for(omklap, DUE[kind][1]) == set()


@pytest.mark.parametrize("status", [ContractStatus.ENDED, ContractStatus.DRAFT])
def test_a_contract_that_is_not_active_has_no_reminders(temporary, status):
    Contract.objects.filter(pk=temporary.pk).update(
        status=status, end_reason="tenant_notice", outflow="unknown"
    )
    for kind in (K.NOTICE_OPENS, K.NOTICE_CLOSING, K.NOTICE_MISSED):
        assert due_for(temporary, DUE[kind][1]) == set()


# Making and sending each reminder once


def test_a_run_makes_the_reminder_and_emails_it_once(temporary, staff_a):
    first = run(OPENS)
    assert first.reminders_created == 1
    assert first.deliveries_queued == 1
    assert first.finished_at is not None
    reminder = Reminder.objects.get()
    assert (reminder.contract, reminder.kind, reminder.due_date) == (
        temporary,
        K.NOTICE_OPENS,
        OPENS,
    )
    assert [m.to for m in mail.outbox] == [[staff_a.email]]
    delivery = Delivery.objects.get()
    assert delivery.sent_at is not None
    assert delivery.attempts == 1

    second = run(OPENS)
    assert (second.reminders_created, second.deliveries_queued) == (0, 0)
    assert (Reminder.objects.count(), Delivery.objects.count()) == (1, 1)
    assert len(mail.outbox) == 1
    assert delivery_send(delivery.pk) == "skipped"
    assert len(mail.outbox) == 1


def test_a_run_sends_nothing_that_falls_due_later(temporary, staff_a):
    run(OPENS - ONE_DAY)
    assert counts()[:2] == (0, 0)
    assert mail.outbox == []


def test_a_run_the_day_after_catches_up_a_missed_day(temporary, staff_a):
    created = run(OPENS + ONE_DAY).reminders_created
    assert created == 1
    assert Reminder.objects.get().due_date == OPENS
    assert len(mail.outbox) == 1


def test_the_catch_up_reaches_back_the_lookback_days_and_no_further(temporary, staff_a, settings):
    settings.REMINDER_LOOKBACK_DAYS = 7
    assert run(OPENS + dt.timedelta(days=8)).reminders_created == 0
    assert run(OPENS + dt.timedelta(days=7)).reminders_created == 1
    assert len(mail.outbox) == 1


# Recipients


def test_the_projects_responsible_staff_receive_it_when_set(temporary, staff_a, project_a):
    chosen = staff_member(project_a.corporation, "chosen@a.example")
    project_a.responsible_staff.set([chosen])
    run(OPENS, dispatch=send_nothing)
    assert recipients_of(temporary, K.NOTICE_OPENS) == {"chosen@a.example"}


def test_without_responsible_staff_every_staff_member_of_the_corporation_receives_it(
    temporary, staff_a, readonly_a, staff_b, policy_a, care_worker, corp_a
):
    staff_member(corp_a, "colleague@a.example")
    staff_member(corp_a, "left@a.example", is_active=False)
    run(OPENS, dispatch=send_nothing)
    assert recipients_of(temporary, K.NOTICE_OPENS) == {staff_a.email, "colleague@a.example"}


@pytest.mark.parametrize(
    ("kind", "care_worker_too"),
    [
        (K.CHECKIN_DUE, True),
        (K.CHECKIN_OVERDUE, True),
        (K.EVALUATION_DUE, False),
        (K.EVALUATION_OVERDUE, False),
    ],
)
def test_the_care_worker_receives_the_checkin_reminders_only(
    omklap, staff_a, care_worker, kind, care_worker_too
):
    run(DUE[kind][1], dispatch=send_nothing)
    expected = {staff_a.email} | ({care_worker.email} if care_worker_too else set())
    assert recipients_of(omklap, kind) == expected


# The e-mail


@pytest.fixture
def english_and_dutch(corp_a, staff_a):
    """staff_a chose English; a colleague never chose a language (Dutch, the default)."""
    Profile.objects.create(user=staff_a, language="en")
    return staff_a, staff_member(corp_a, "colleague@a.example")


def mail_to(email):
    [message] = [m for m in mail.outbox if m.to == [email]]
    return message


def test_the_email_is_in_the_recipients_language(temporary, english_and_dutch):
    english, dutch = english_and_dutch
    # Whatever language is active around the run, each recipient gets their own.
    with translation.override("nl"):
        run(OPENS)
    with_english = mail_to(english.email)
    assert with_english.subject == "Magic Mix: Notice window opens – Sanne de Vries (Project A 101)"
    assert "from 1 February 2026 up to and including 1 April 2026" in with_english.body
    assert "1 May 2026" in with_english.body

    # Django's own Dutch month names are there whatever our catalogue holds.
    with_dutch = mail_to(dutch.email)
    assert "1 februari 2026" in with_dutch.body
    assert "1 april 2026" in with_dutch.body
    assert "February" not in with_dutch.body


def test_an_english_recipient_gets_english_when_dutch_is_active_and_vice_versa(
    temporary, english_and_dutch
):
    english, dutch = english_and_dutch
    run(OPENS, dispatch=send_nothing)
    for language, user in (("nl", english), ("en", dutch)):
        with translation.override(language):
            delivery_send(Delivery.objects.get(recipient=user).pk)
    assert "1 February 2026" in mail_to(english.email).body
    assert "1 februari 2026" in mail_to(dutch.email).body


def test_the_dutch_subject_is_translated(temporary, english_and_dutch):
    """Holds once locale/nl has the reminder strings; skipped (and says so) until then."""
    with translation.override("nl"):
        dutch_kind = str(K.NOTICE_OPENS.label)
    if dutch_kind == "Notice window opens":
        pytest.skip("locale/nl has no translation of the reminder kinds yet")
    english, dutch = english_and_dutch
    run(OPENS)
    subject = mail_to(dutch.email).subject
    assert subject.startswith(f"Magic Mix: {dutch_kind} – ")
    assert subject != mail_to(english.email).subject


def test_each_delivery_has_its_own_message_id_and_a_link_to_the_contract(
    temporary, english_and_dutch
):
    run(OPENS)
    assert len(mail.outbox) == 2
    ids = set()
    for delivery in Delivery.objects.select_related("recipient"):
        message = mail_to(delivery.recipient.email)
        message_id = message.message()["Message-ID"]
        assert message_id.startswith(f"<reminder-delivery-{delivery.pk}@")
        ids.add(message_id)
        assert temporary.get_absolute_url() in message.body
    assert len(ids) == 2


def test_the_care_worker_is_emailed_a_link_to_the_trajectory_and_staff_to_the_contract(
    omklap, staff_a, care_worker
):
    run(DUE[K.CHECKIN_DUE][1])
    assert len(mail.outbox) == 2
    trajectory = reverse("residents:trajectory_detail", args=[omklap.pk])
    assert trajectory in mail_to(care_worker.email).body
    assert omklap.get_absolute_url() in mail_to(staff_a.email).body
    assert trajectory not in mail_to(staff_a.email).body


def test_the_subject_is_plain_text_not_html_escaped(project_a, staff_a):
    project_a.name = "Huis & Haard"
    project_a.save()
    ContractFactory(
        unit=UnitFactory(project=project_a, number="7"),
        person=PersonFactory(
            corporation=project_a.corporation, first_name="Aoife", last_name="O'Brien"
        ),
        contract_type_code="tijdelijk",
        start_date=D(2025, 1, 1),
        end_date=D(2026, 5, 1),
    )
    run(OPENS)
    [message] = mail.outbox
    assert "Aoife O'Brien (Huis & Haard 7)" in message.body
    assert message.subject.endswith("– Aoife O'Brien (Huis & Haard 7)")


# A failing mail server, and a reminder that stopped applying


def test_a_failed_email_is_retried_after_the_backoff(temporary, staff_a, settings):
    start = dt.datetime(2026, 2, 1, 7, 0, tzinfo=AMSTERDAM)
    with time_machine.travel(start, tick=False) as traveller:
        settings.MAILERS = FAILING_MAILER
        run(OPENS)
        delivery = Delivery.objects.get()
        assert delivery.attempts == 1
        assert delivery.sent_at is None
        assert "421" in delivery.last_error
        assert delivery.next_attempt_at == start + dt.timedelta(minutes=2)
        assert mail.outbox == []

        # The server is back, but the back-off has not passed: the catch-up leaves it alone.
        settings.MAILERS = WORKING_MAILER
        traveller.shift(dt.timedelta(minutes=1))
        assert run(OPENS).deliveries_queued == 0
        assert mail.outbox == []

        traveller.shift(dt.timedelta(minutes=1, seconds=1))
        assert run(OPENS).deliveries_queued == 1
    delivery.refresh_from_db()
    assert delivery.sent_at is not None
    assert delivery.attempts == 2
    assert delivery.next_attempt_at is None
    assert len(mail.outbox) == 1


def test_the_backoff_doubles_and_is_capped_at_six_hours():
    assert [backoff(n) for n in (1, 2, 3)] == [dt.timedelta(minutes=m) for m in (2, 4, 8)]
    assert backoff(20) == dt.timedelta(hours=6)


def test_a_reminder_that_stopped_applying_is_cancelled_not_sent(temporary, staff_a):
    run(OPENS, dispatch=send_nothing)
    notice_record(
        contract=temporary,
        given_on=OPENS,
        means=NoticeMeans.EMAIL,
        given_by=staff_a,
        today=OPENS,
    )
    delivery = Delivery.objects.get()
    assert delivery_send(delivery.pk) == "cancelled"
    delivery.refresh_from_db()
    assert delivery.cancelled_at is not None
    assert delivery.sent_at is None
    assert mail.outbox == []
    assert run(OPENS).deliveries_queued == 0
    assert mail.outbox == []


def test_a_checkin_reminder_is_cancelled_once_the_checkin_is_recorded(omklap, staff_a, care_worker):
    day = DUE[K.CHECKIN_DUE][1]
    run(day, dispatch=send_nothing)
    checkin_record(
        contract=omklap,
        held_on=day,
        held_by=care_worker,
        today=day,
        **dict.fromkeys(CHECKIN_DOMAINS, 4),
    )
    outcomes = [delivery_send(pk) for pk in Delivery.objects.values_list("pk", flat=True)]
    assert outcomes == ["cancelled", "cancelled"]
    assert mail.outbox == []


# The scheduler's heartbeat


def test_the_heartbeat_is_stale_after_26_hours_without_a_finished_run():
    finished = dt.datetime(2026, 2, 1, 7, 0, 30, tzinfo=AMSTERDAM)
    last = ReminderRun(trigger=RunTrigger.DAILY, today=D(2026, 2, 1), finished_at=finished)
    assert not heartbeat_stale(last, now=finished + dt.timedelta(hours=26))
    assert heartbeat_stale(last, now=finished + dt.timedelta(hours=26, seconds=1))
    assert heartbeat_stale(None, now=finished)


def test_the_heartbeat_uses_the_current_time(db):
    finished = dt.datetime(2026, 3, 28, 7, 0, tzinfo=AMSTERDAM)
    last = ReminderRun.objects.create(
        trigger=RunTrigger.DAILY, today=D(2026, 3, 28), finished_at=finished
    )
    # Across the switch to summer time, 26 hours are 26 real hours.
    with time_machine.travel(dt.datetime(2026, 3, 29, 10, 0, tzinfo=AMSTERDAM), tick=False):
        assert not heartbeat_stale(last)
    with time_machine.travel(dt.datetime(2026, 3, 29, 10, 0, 1, tzinfo=AMSTERDAM), tick=False):
        assert heartbeat_stale(last)


# manage.py send_reminders


def command(*args) -> list[str]:
    out = io.StringIO()
    call_command("send_reminders", *args, stdout=out)
    return out.getvalue().splitlines()


def test_dry_run_changes_nothing_and_prints_one_line_per_email(temporary, english_and_dutch):
    english, dutch = english_and_dutch
    before = counts()
    lines = command("--dry-run", "--today", OPENS.isoformat())
    assert counts() == before
    assert mail.outbox == []
    per_email = [line for line in lines if line.endswith("would send")]
    assert len(per_email) == 2
    assert {line.split("-> ")[1].split()[0] for line in per_email} == {english.email, dutch.email}
    assert all("notice_opens" in line and "2026-02-01" in line for line in per_email)
    assert lines[-1] == "2026-02-01: would make 1 new reminders; 2 e-mails to send."


@pytest.mark.parametrize("bad", ["2026-02-30", "01-02-2026", "tomorrow"])
def test_a_bad_today_is_a_command_error(db, bad):
    with pytest.raises(CommandError, match="--today must be a date YYYY-MM-DD"):
        command("--today", bad)
    assert counts() == (0, 0, 0)


def test_the_command_sends_each_email_once(temporary, english_and_dutch):
    first = command("--today", OPENS.isoformat())
    assert len(mail.outbox) == 2
    assert len([line for line in first if line.endswith("  sent")]) == 2
    assert first[-1] == "2026-02-01: made 1 new reminders; 2 e-mails handled."

    second = command("--today", OPENS.isoformat())
    assert len(mail.outbox) == 2
    assert second == ["2026-02-01: made 0 new reminders; 0 e-mails handled."]
    assert ReminderRun.objects.filter(trigger=RunTrigger.MANUAL).count() == 2

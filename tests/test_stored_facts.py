"""Stored texts keep their facts: an offer's explanation and reason, and each step of a vacancy's
history, are shown in the reader's language whatever the language they were written in, with
dates in words (Amsterdam time), never ISO. Steps written as text before keep it, and the data
migration gives them their facts where the database still knows them."""

import datetime as dt
import importlib
import re

import pytest
from django.apps import apps
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import escape

from allocation import scoring, services, voting
from allocation.models import (
    AllocationEvent,
    Application,
    Decision,
    EventKind,
    IntakeOutcome,
    Offer,
    Outcome,
    VacancyRoute,
)
from allocation.models.core import OfferReason, offer_reason_sentence
from allocation.ranking import vacancy_ranking
from residents.models import ContractStatus, ContractType, EndReason, Outflow, ResidentRole

from .factories import (
    ClusterFactory,
    ContractFactory,
    PersonFactory,
    UnitFactory,
    association_member,
    vote_candidate,
)
from .logins import log_in

TODAY = timezone.localdate()
LANGUAGES = [("nl", "en"), ("en", "nl")]  # (written in, read in)
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
migration = importlib.import_module("allocation.migrations.0004_stored_facts_data")


def in_words(day: dt.date, language: str) -> str:
    with translation.override(language):
        return date_format(day, "j F Y")


def reader(user, language: str) -> Client:
    client = Client()
    log_in(client, user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def page(user, language: str, url: str) -> str:
    response = reader(user, language).get(url)
    assert response.status_code == 200
    return response.content.decode()


def history(vacancy, language: str) -> list[str]:
    """The vacancy's steps as the history shows them to a reader of `language`."""
    with translation.override(language):
        return [event.text for event in AllocationEvent.objects.filter(vacancy=vacancy)]


@pytest.fixture
def scene(project_a, staff_a):
    """Project A with "Gang B" (a corridor, 40-60% dragend): two dragend and two vragend
    residents, a vacant room B9 free from today, and one candidate, a starter."""
    cluster = ClusterFactory(
        project=project_a, name="Gang B", kind="corridor", dragend_min=40, dragend_max=60
    )
    for index in range(4):
        role = ResidentRole.DRAGEND if index < 2 else ResidentRole.VRAGEND
        ContractFactory(
            unit=UnitFactory(project=project_a, cluster=cluster),
            person=PersonFactory(corporation=project_a.corporation, role=role),
            start_date=dt.date(2024, 1, 1),
        )
    vacancy = services.vacancy_open(
        unit=UnitFactory(project=project_a, cluster=cluster, number="B9"),
        available_from=TODAY,
        contract_type=ContractType.objects.get(code="regulier"),
        user=staff_a,
    )
    person = PersonFactory(corporation=project_a.corporation, target_group_code="starter")
    application = Application(
        project=project_a,
        person=person,
        registered_on=dt.date(2024, 3, 5),
        intake_outcome=IntakeOutcome.DOUBTS,
        intake_on=dt.date(2026, 1, 1),
    )
    application.full_clean()
    application.save()
    return {"vacancy": vacancy, "application": application}


def make_offer(scene, user, *, reply_by=None) -> Offer:
    return services.offer_make(
        vacancy=scene["vacancy"],
        application=scene["application"],
        reason="",
        reply_by=reply_by or TODAY + dt.timedelta(days=14),
        user=user,
        today=TODAY,
    )


# The offer's explanation


EXPLANATION = {
    "nl": [
        "het project gaat van 50% naar 60% dragend (doel 50–80%)",
        "Gang B gaat van 50% naar 60% dragend (doel 40–60%)",
        "1e starter / jongere op deze gang",
        "ingeschreven sinds 5 maart 2024",
        "intakegesprek: positief met twijfels",
    ],
    "en": [
        "the project goes from 50% to 60% dragend (target 50–80%)",
        "Gang B goes from 50% to 60% dragend (target 40–60%)",
        "1st starter / young person on this corridor",
        "registered since 5 March 2024",
        "intake interview: positive with doubts",
    ],
}


@pytest.mark.parametrize(("written", "read"), LANGUAGES)
def test_an_offer_explains_itself_in_the_readers_language(scene, staff_a, written, read):
    with translation.override(written):
        made = make_offer(scene, staff_a)
    # The offer keeps the facts, not a sentence in the language it was made in.
    assert made.explanation[3] == {
        "key": "registered",
        "params": {"date": "2024-03-05"},
        "warn": False,
    }
    assert made.explanation[2]["params"] == {
        "nth": 1,
        "group": scene["application"].person.target_group_id,
        "kind": "corridor",
    }
    html = page(staff_a, read, made.get_absolute_url())
    for line in EXPLANATION[read]:
        assert escape(line) in html
    for line in EXPLANATION[written]:
        if line not in EXPLANATION[read]:
            assert escape(line) not in html
    with translation.override(read):
        assert [line.text for line in Offer.objects.get().explanation_lines] == EXPLANATION[read]


def test_the_explanation_is_the_one_the_ranking_showed(scene, staff_a):
    with translation.override("en"):
        shown = [line.text for line in vacancy_ranking(scene["vacancy"], today=TODAY).first.lines]
        made = make_offer(scene, staff_a)
        assert [line.text for line in made.explanation_lines] == shown


def test_an_explanation_stored_as_text_is_shown_as_it_is(scene, staff_a):
    made = make_offer(scene, staff_a)
    old = [{"text": "Gang B gaat van 50% naar 60% dragend", "warn": True}]
    Offer.objects.filter(pk=made.pk).update(explanation=old)
    html = page(staff_a, "en", made.get_absolute_url())
    assert '<li class="bad">' in html
    assert "Gang B gaat van 50% naar 60% dragend</li>" in html


# Steps of the history


@pytest.mark.parametrize(("written", "read"), LANGUAGES)
def test_an_expired_offer_says_so_in_the_readers_language(scene, staff_a, written, read):
    reply_by = TODAY + dt.timedelta(days=3)
    with translation.override(written):
        made = make_offer(scene, staff_a, reply_by=reply_by)
        assert services.offers_expire(today=reply_by + dt.timedelta(days=1)) == 1
    event = AllocationEvent.objects.get(kind=EventKind.EXPIRED)
    assert (event.facts, event.reason, event.offer) == (
        {"reply_by": reply_by.isoformat()},
        "",
        made,
    )
    said = {
        "nl": f"Uiterlijk op {in_words(reply_by, 'nl')} geen antwoord ontvangen.",
        "en": f"No reply by {in_words(reply_by, 'en')}.",
    }
    html = page(staff_a, read, scene["vacancy"].get_absolute_url())
    assert said[read] in html
    assert said[written] not in html
    assert reply_by.isoformat() not in html


@pytest.mark.parametrize(("written", "read"), LANGUAGES)
def test_a_vacancy_opened_from_a_contract_names_it_in_the_readers_language(
    project_a, staff_a, written, read
):
    unit = UnitFactory(project=project_a, number="C3")
    ended = ContractFactory(
        unit=unit,
        person=PersonFactory(corporation=project_a.corporation, first_name="Ada", last_name="Eis"),
        start_date=dt.date(2024, 1, 1),
        status=ContractStatus.ENDED,
        end_date=TODAY - dt.timedelta(days=3),
        end_reason=EndReason.TENANT_NOTICE,
        outflow=Outflow.SOCIAL_RENT,
    )
    with translation.override(written):
        [vacancy] = services.vacancies_open_from_contracts(today=TODAY)
    event = AllocationEvent.objects.get(kind=EventKind.OPENED)
    assert (event.facts, event.reason) == ({"contract": ended.pk}, "")
    said = {
        "nl": "Einde van contract Regulier (onbepaalde tijd) Ada Eis",
        "en": "End of contract Regular (open-ended) Ada Eis",
    }
    html = page(staff_a, read, vacancy.get_absolute_url())
    assert said[read] in html
    assert said[written] not in html


def test_a_vacancy_opened_by_hand_keeps_the_note_as_typed(project_a, staff_a):
    vacancy = services.vacancy_open(
        unit=UnitFactory(project=project_a),
        available_from=TODAY,
        contract_type=ContractType.objects.get(code="regulier"),
        note="Leeg na renovatie.",
        user=staff_a,
    )
    event = vacancy.events.get()
    assert (event.facts, event.reason) == ({}, "Leeg na renovatie.")
    assert history(vacancy, "en") == ["Leeg na renovatie."]


@pytest.fixture
def vote_scene(project_a, staff_a):
    """An association vacancy in project A with three voters and three consenting candidates."""
    cluster = ClusterFactory(project=project_a, name="Gang V", kind="corridor")
    voters = [association_member(project_a, cluster=cluster).user for _ in range(3)]
    for index, name in enumerate(("Anna", "Bram", "Cor")):
        vote_candidate(project_a, first_name=name, registered_on=dt.date(2020, 1, 1 + index))
    vacancy = services.vacancy_open(
        unit=UnitFactory(project=project_a, cluster=cluster, number="V1"),
        available_from=TODAY,
        contract_type=ContractType.objects.get(code="regulier"),
        route=VacancyRoute.ASSOCIATION,
        user=staff_a,
    )
    return {"vacancy": vacancy, "voters": voters}


@pytest.mark.parametrize(("written", "read"), LANGUAGES)
def test_a_vote_rounds_steps_are_told_in_the_readers_language(vote_scene, staff_a, written, read):
    vacancy, voters = vote_scene["vacancy"], vote_scene["voters"]
    last_day = TODAY + dt.timedelta(days=7)
    ranked = [i.candidate.application_id for i in vacancy_ranking(vacancy, today=TODAY).ranked]
    with translation.override(written):
        round_ = voting.round_open(
            vacancy=vacancy,
            application_ids=ranked,
            last_day=last_day,
            user=staff_a,
            today=TODAY,
        )
        second = round_.shortlist.get(rank_at_open=2)
        for voter in voters[:2]:
            voting.vote_cast(
                round_id=round_.pk,
                user=voter,
                choice=str(second.pk),
                token=voting.new_token(),
                previous=None,
            )
        assert voting.close_if_due(round_.pk, now=round_.closes_at)
        round_.refresh_from_db()
        decided = voting.round_decide(
            round_=round_,
            application=second.application,
            reason="",
            reply_by=TODAY + dt.timedelta(days=14),
            user=staff_a,
            today=TODAY,
        )
    assert (round_.outcome, decided.decision) == (Outcome.WINNER, Decision.CONFIRMED)
    facts = dict(AllocationEvent.objects.filter(vacancy=vacancy).values_list("kind", "facts"))
    assert facts[EventKind.VOTE_OPENED] == {
        "candidates": 3,
        "voters": 3,
        "last_day": last_day.isoformat(),
    }
    assert facts[EventKind.VOTE_CLOSED] == {"outcome": "winner", "voted": 2, "electorate": 3}
    assert facts[EventKind.OFFERED] == {"offer_reason": OfferReason.VOTE_WINNER}
    assert facts[EventKind.VOTE_DECIDED] == {"decision": Decision.CONFIRMED}
    assert not AllocationEvent.objects.filter(vacancy=vacancy).exclude(reason="").exists()

    said = {
        "nl": [
            f"3 kandidaten, 3 kiezers, laatste dag {in_words(last_day, 'nl')}",
            "Een winnaar; gestemd: 2 van 3",
            "Gekozen bij de stemming van de woonvereniging.",
        ],
        "en": [
            f"3 candidates, 3 voters, last day {in_words(last_day, 'en')}",
            "A winner; 2 of 3 voted",
            "Chosen by the residents' association's vote.",
        ],
    }
    html = page(staff_a, read, vacancy.get_absolute_url())
    for sentence in said[read]:
        assert escape(sentence) in html
    for sentence in said[written]:
        assert escape(sentence) not in html
    with translation.override(read):
        assert str(Decision.CONFIRMED.label) in history(vacancy, read)
    assert not any(ISO_DATE.search(text) for text in history(vacancy, read))
    # The offer page gives the vote as the reason for passing over number 1.
    offer_html = page(staff_a, read, decided.offer.get_absolute_url())
    assert escape(said[read][2]) in offer_html


def test_the_reason_of_a_vote_needs_the_vote(vote_scene, staff_a):
    """The system's reason stands in for staff's only where it is true: no closed round with a
    winner, no "chosen by the vote"."""
    vacancy = vote_scene["vacancy"]
    second = vacancy_ranking(vacancy, today=TODAY).ranked[1].candidate.application_id
    with pytest.raises(ValueError, match="vote_winner"):
        services.offer_make(
            vacancy=vacancy,
            application=Application.objects.get(pk=second),
            reason="",
            reason_code=OfferReason.VOTE_WINNER,
            reply_by=TODAY,
            user=staff_a,
            today=TODAY,
        )
    assert not Offer.objects.exists()


# The data migration


def test_the_migration_gives_old_steps_their_facts(scene, staff_a):
    vacancy = scene["vacancy"]
    reply_by = TODAY + dt.timedelta(days=3)
    made = make_offer(scene, staff_a, reply_by=reply_by)
    services.offers_expire(today=reply_by + dt.timedelta(days=1))
    ended = ContractFactory(
        unit=UnitFactory(project=vacancy.project),
        start_date=dt.date(2024, 1, 1),
        status=ContractStatus.ENDED,
        end_date=TODAY - dt.timedelta(days=3),
        end_reason=EndReason.TENANT_NOTICE,
        outflow=Outflow.SOCIAL_RENT,
    )
    [from_contract] = services.vacancies_open_from_contracts(today=TODAY)
    # Make them as they were written before steps kept facts: a Dutch sentence each.
    expired = AllocationEvent.objects.get(kind=EventKind.EXPIRED)
    opened = from_contract.events.get(kind=EventKind.OPENED)
    by_hand = vacancy.events.get(kind=EventKind.OPENED)
    AllocationEvent.objects.filter(pk=expired.pk).update(
        facts={}, reason=f"Uiterlijk op {reply_by.isoformat()} geen antwoord ontvangen."
    )
    AllocationEvent.objects.filter(pk=opened.pk).update(
        facts={}, reason=f"Einde van contract {ended}"
    )
    AllocationEvent.objects.filter(pk=by_hand.pk).update(reason="Leeg opgeleverd.")
    closed = AllocationEvent.objects.create(
        vacancy=vacancy, kind=EventKind.VOTE_CLOSED, reason="Geen quorum; gestemd: 0 van 3"
    )

    assert migration.convert(apps) == 2
    assert migration.convert(apps) == 0  # a rerun changes nothing
    expired.refresh_from_db()
    opened.refresh_from_db()
    assert (expired.facts, expired.reason) == ({"reply_by": reply_by.isoformat()}, "")
    assert (opened.facts, opened.reason) == ({"contract": ended.pk}, "")
    with translation.override("en"):
        assert expired.text == f"No reply by {in_words(reply_by, 'en')}."
        assert opened.text == f"End of contract {ended}"
        # What cannot be converted keeps its text, and is shown as it is.
        by_hand.refresh_from_db()
        closed.refresh_from_db()
        assert (by_hand.facts, by_hand.text) == ({}, "Leeg opgeleverd.")
        assert (closed.facts, closed.text) == ({}, "Geen quorum; gestemd: 0 van 3")
    assert made.pk == expired.offer_id


def test_the_migration_gives_old_vote_offers_their_reason(vote_scene, staff_a):
    vacancy = vote_scene["vacancy"]
    ranked = [i.candidate.application_id for i in vacancy_ranking(vacancy, today=TODAY).ranked]
    round_ = voting.round_open(
        vacancy=vacancy,
        application_ids=ranked,
        last_day=TODAY + dt.timedelta(days=7),
        user=staff_a,
        today=TODAY,
    )
    assert voting.close_if_due(round_.pk, now=round_.closes_at)  # nobody voted: no quorum
    round_.refresh_from_db()
    first = Application.objects.get(pk=ranked[0])
    decided = voting.round_decide(
        round_=round_,
        application=first,
        reason="",
        reply_by=TODAY + dt.timedelta(days=14),
        user=staff_a,
        today=TODAY,
    )
    old = "De stemming van de woonvereniging leverde geen winnaar op (geen quorum); nummer 1."
    Offer.objects.update(reason=old, reason_code="")
    AllocationEvent.objects.filter(kind=EventKind.OFFERED).update(reason=old, facts={})
    AllocationEvent.objects.filter(kind=EventKind.VOTE_DECIDED).update(
        reason="De rangorde besliste.", facts={}
    )

    assert migration.convert(apps) == 3
    offer = Offer.objects.get(pk=decided.offer.pk)
    assert (offer.reason, offer.reason_code) == ("", OfferReason.VOTE_NO_QUORUM)
    offered = AllocationEvent.objects.get(kind=EventKind.OFFERED)
    assert (offered.facts, offered.reason) == ({"offer_reason": "vote_no_quorum"}, "")
    decision = AllocationEvent.objects.get(kind=EventKind.VOTE_DECIDED)
    assert (decision.facts, decision.reason) == ({"decision": Decision.RANKING}, "")
    with translation.override("en"):
        assert offer.reason_text == (
            "The association's vote gave no winner (no quorum); number 1 of the ranking."
        )
        assert decision.text == "The allocation ranking decided"


def test_the_conversion_of_one_step():
    assert migration.event_facts("opened", source_contract_id=7) == {"contract": 7}
    assert migration.event_facts("opened", source_contract_id=None) is None
    assert migration.event_facts("expired", reply_by=dt.date(2026, 3, 2)) == {
        "reply_by": "2026-03-02"
    }
    assert migration.event_facts("expired", reply_by=None) is None
    assert migration.event_facts("vote_closed") is None
    assert migration.offer_reason_code(plan_id=4) == "plan"
    assert migration.offer_reason_code(decision="confirmed", outcome="winner") == "vote_winner"
    assert migration.offer_reason_code(decision="ranking", outcome="tie") == "vote_tie"
    assert (
        migration.offer_reason_code(decision="confirmed", outcome="winner", decision_reason="x")
        == ""
    )
    assert migration.offer_reason_code(decision="other", outcome="winner") == ""


# Dates and times in sentences


def test_a_plans_offer_names_the_plans_moment_in_amsterdam():
    moment = dt.datetime(2026, 7, 1, 22, 30, tzinfo=dt.UTC)  # 00:30 on 2 July in Amsterdam
    with translation.override("en"):
        said = offer_reason_sentence(OfferReason.PLAN, moment)
    assert said == "Batch plan of 2 July 2026 00:30: the best fill under the project's rules."
    with translation.override("nl"):
        said = offer_reason_sentence(OfferReason.PLAN, moment)
    assert said.startswith("Toewijzingsplan van 2 juli 2026 00:30:")


def test_no_line_of_an_explanation_has_an_iso_date():
    line = scoring.Line(scoring.REGISTERED, {"date": "2023-04-01"})
    for language in ("nl", "en"):
        with translation.override(language):
            assert not ISO_DATE.search(line.text)


def test_the_admin_shows_an_offer_and_its_steps_in_the_readers_language(scene, staff_a, admin_user):
    reply_by = TODAY + dt.timedelta(days=3)
    with translation.override("nl"):
        made = make_offer(scene, staff_a, reply_by=reply_by)
        services.offers_expire(today=reply_by + dt.timedelta(days=1))
    expired = AllocationEvent.objects.get(kind=EventKind.EXPIRED)
    event_page = page(
        admin_user, "en", reverse("admin:allocation_allocationevent_change", args=[expired.pk])
    )
    assert f"No reply by {in_words(reply_by, 'en')}." in event_page
    offer_page = page(admin_user, "en", reverse("admin:allocation_offer_change", args=[made.pk]))
    assert "registered since 5 March 2024" in offer_page

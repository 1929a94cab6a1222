"""The offer letter (made with the offer, e-mailed by Celery), the contract summary, the omklap
decision letter, and the batch of notice letters from the worklist: each read back out of its
PDF, each closed to outsiders (404) and to the read-only role for making one (403)."""

import datetime as dt
import io
import smtplib

import pypdf
import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from allocation import services
from allocation.letters import letter_send, offer_letter
from allocation.models import Application, EventKind, IntakeOutcome, LetterMail, Offer
from allocation.tasks import send_offer_letter
from magicmix.tasks import run_notice_batch
from projects.letters import render_pdf
from projects.models import AuditEntry
from residents.dates import add_months, long_date
from residents.letters import contract_letter
from residents.models import (
    BatchStatus,
    Contract,
    ContractDocument,
    ContractStatus,
    ContractType,
    Notice,
    NoticeBatch,
)

from .factories import ContractFactory, PersonFactory, UnitFactory

TODAY = timezone.localdate()


def pdf_reader(data: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(data))


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in pdf_reader(data).pages).split())


def nl(day: dt.date) -> str:
    with override("nl"):
        return long_date(day)


def download(client, url) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    return b"".join(response.streaming_content)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def project(project_a):
    project_a.address = "Oosterpoortlaan 7"
    project_a.postcode = "3511 AB"
    project_a.save()
    corporation = project_a.corporation
    corporation.address, corporation.postcode, corporation.city = "Postbus 12", "3500 AA", "Utrecht"
    corporation.email, corporation.phone = "verhuur@corp-a.example", "030 123 45 67"
    corporation.save()
    return project_a


# The offer letter


def candidate(project, *, email="sanne@example.org", language="nl"):
    person = PersonFactory(
        corporation=project.corporation,
        first_name="Sanne",
        last_name="de Wit",
        email=email,
        preferred_language=language,
        target_group_code="student",
    )
    application = Application(
        project=project,
        person=person,
        registered_on=dt.date(2024, 1, 1),
        intake_outcome=IntakeOutcome.POSITIVE,
        intake_on=dt.date(2026, 1, 1),
    )
    application.full_clean()
    application.save()
    return application


def vacancy_for(project, staff, *, rent="612.50", available_from=TODAY):
    return services.vacancy_open(
        unit=UnitFactory(project=project, number="B9", rent=rent),
        available_from=available_from,
        contract_type=ContractType.objects.get(code="regulier"),
        user=staff,
    )


def choose_url(vacancy, application):
    return reverse("allocation:candidate_choose", args=[vacancy.pk, application.pk])


@pytest.mark.parametrize(
    ("reply_by", "words"),
    [
        (dt.date(2027, 1, 31), "31 januari 2027"),
        (dt.date(2028, 2, 29), "29 februari 2028"),
        (dt.date(2027, 12, 31), "31 december 2027"),
    ],
)
def test_the_offer_letter_states_unit_rent_start_and_reply_date(project, staff_a, reply_by, words):
    vacancy = vacancy_for(project, staff_a)
    made = services.offer_make(
        vacancy=vacancy,
        application=candidate(project),
        reason="Past in de gang.",
        reply_by=reply_by,
        user=staff_a,
        today=TODAY,
    )
    text = pdf_text(render_pdf(offer_letter(made, made_on=TODAY)))
    assert "Geachte Sanne de Wit," in text
    assert (
        "biedt u de woonruimte Oosterpoortlaan 7 B9, 3511 AB Utrecht (wooneenheid B9) aan" in text
    )
    assert "Huurprijs: € 612,50 per maand" in text
    assert f"vanaf {nl(TODAY)}" in text
    assert f"uiterlijk {words} weten" in text
    # how to answer (the address may break across a line at its hyphen)
    assert "verhuur@corp-a.example, telefoon 030 123 45 67" in text.replace("corp- a", "corp-a")


def test_an_unknown_rent_is_said_to_be_unknown_and_english_speakers_read_english(project, staff_a):
    vacancy = vacancy_for(project, staff_a, rent="0", available_from=TODAY + dt.timedelta(days=40))
    made = services.offer_make(
        vacancy=vacancy,
        application=candidate(project, language="en"),
        reason="Past in de gang.",
        reply_by=TODAY + dt.timedelta(days=14),
        user=staff_a,
        today=TODAY,
    )
    text = pdf_text(render_pdf(offer_letter(made, made_on=TODAY)))
    assert "Dear Sanne de Wit," in text
    assert "Rent: not known yet" in text
    with override("en"):
        assert f"from {long_date(TODAY + dt.timedelta(days=40))}" in text


def test_making_an_offer_emails_the_letter_after_commit_and_the_page_shows_it(
    project, staff_a, client_for, published, django_capture_on_commit_callbacks, settings
):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    vacancy = vacancy_for(project, staff_a)
    application = candidate(project)
    client = client_for(staff_a)
    reply_by = TODAY + dt.timedelta(days=14)
    with django_capture_on_commit_callbacks(execute=True):
        made = client.post(
            choose_url(vacancy, application),
            {"reason": "Past in de gang.", "reply_by": reply_by.isoformat(), "send_letter": "on"},
        )
    offer = Offer.objects.get()
    assert made["Location"] == offer.get_absolute_url()
    assert offer.letter_mail == LetterMail.QUEUED
    assert [(name, args) for _id, name, args, _q in published] == [
        ("allocation.tasks.send_offer_letter", [offer.pk])
    ]
    assert mail.outbox == []  # nothing goes before the worker takes it

    assert send_offer_letter.apply(args=[offer.pk]).get() == "sent"
    assert send_offer_letter.apply(args=[offer.pk]).get() == "skipped"  # never twice
    [message] = mail.outbox
    assert message.to == ["sanne@example.org"]
    assert message.reply_to == ["verhuur@corp-a.example"]
    [(name, content, mimetype)] = message.attachments
    assert mimetype == "application/pdf"
    assert name == f"aanbieding-{offer.pk}-{TODAY.isoformat()}.pdf"
    assert f"uiterlijk {nl(reply_by)} weten" in pdf_text(content)

    page = client.get(offer.get_absolute_url()).content.decode()
    assert "sanne@example.org" in page
    assert reverse("allocation:offer_letter_file", args=[offer.pk]) in page
    kinds = list(offer.events.values_list("kind", flat=True))
    assert EventKind.LETTER_MADE in kinds
    assert EventKind.LETTER_SENT in kinds
    letter = download(client, reverse("allocation:offer_letter_file", args=[offer.pk]))
    assert "Geachte Sanne de Wit," in pdf_text(letter)
    assert AuditEntry.objects.filter(action="download", object_id=offer.pk).exists()


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPRecipientsRefused({"sanne@example.org": (550, b"no such user")})


def test_a_failed_email_is_shown_and_can_be_sent_again(
    project, staff_a, client_for, published, django_capture_on_commit_callbacks, settings
):
    vacancy = vacancy_for(project, staff_a)
    client = client_for(staff_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            choose_url(vacancy, candidate(project)),
            {"reason": "Past in de gang.", "reply_by": TODAY.isoformat(), "send_letter": "on"},
        )
    offer = Offer.objects.get()
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.RefusingBackend"}}
    assert letter_send(offer.pk) == "failed"
    offer.refresh_from_db()
    assert offer.letter_mail == LetterMail.FAILED
    assert "no such user" in offer.letter_mail_error
    page = client.get(offer.get_absolute_url()).content.decode()
    assert "no such user" in page
    assert 'name="action" value="resend"' in page

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("allocation:offer_letter", args=[offer.pk]), {"action": "resend"})
    assert letter_send(offer.pk) == "sent"
    assert len(mail.outbox) == 1


def test_without_an_email_address_the_letter_is_kept_and_staff_are_told(
    project, staff_a, client_for, published, django_capture_on_commit_callbacks
):
    vacancy = vacancy_for(project, staff_a)
    client = client_for(staff_a)
    with django_capture_on_commit_callbacks(execute=True):
        made = client.post(
            choose_url(vacancy, candidate(project, email="")),
            {"reason": "Past in de gang.", "reply_by": TODAY.isoformat(), "send_letter": "on"},
            follow=True,
        )
    offer = Offer.objects.get()
    assert offer.letter
    assert offer.letter_mail == LetterMail.NOT_SENT
    assert published == []
    assert "geen e-mailadres" in made.content.decode()


def test_an_offer_whose_letter_cannot_be_made_is_not_made(project_a, staff_a, client_for):
    vacancy = vacancy_for(project_a, staff_a)  # the project has no address
    response = client_for(staff_a).post(
        choose_url(vacancy, candidate(project_a)),
        {"reason": "Past in de gang.", "reply_by": TODAY.isoformat(), "send_letter": "on"},
    )
    assert response.status_code == 200
    assert "het adres van het project" in str(response.context["form"].errors)
    assert not Offer.objects.exists()
    vacancy.refresh_from_db()
    assert vacancy.status == "open"


def test_the_offer_letter_is_closed_to_outsiders_and_read_only_staff_cannot_make_one(
    project, staff_a, readonly_a, staff_b, outsider, policy_a, client_for
):
    vacancy = vacancy_for(project, staff_a)
    offer = services.offer_make(
        vacancy=vacancy,
        application=candidate(project, email=""),
        reason="Past in de gang.",
        reply_by=TODAY,
        user=staff_a,
        today=TODAY,
    )
    make = reverse("allocation:offer_letter", args=[offer.pk])
    file = reverse("allocation:offer_letter_file", args=[offer.pk])
    assert client_for(readonly_a).post(make, {"send_letter": "on"}).status_code == 403
    for other in (staff_b, outsider, policy_a):
        assert client_for(other).post(make, {"send_letter": "on"}).status_code == 404
    assert not Offer.objects.get().letter
    assert client_for(readonly_a).get(file).status_code == 404  # no letter yet
    client_for(staff_a).post(make, {"send_letter": "on"})
    assert Offer.objects.get().letter
    assert "Sanne de Wit" in pdf_text(download(client_for(readonly_a), file))
    for other in (staff_b, outsider, policy_a):
        assert client_for(other).get(file).status_code == 404


# The contract summary


def test_the_contract_summary_states_parties_unit_and_dates(project, staff_a, client_for):
    contract = ContractFactory(
        unit=UnitFactory(project=project, number="12", rent="540"),
        person=PersonFactory(corporation=project.corporation, first_name="Ravi", last_name="Pal"),
        contract_type_code="tijdelijk",
        start_date=dt.date(2026, 8, 31),
        end_date=dt.date(2028, 8, 30),
    )
    client = client_for(staff_a)
    response = client.post(reverse("residents:contract_summary", args=[contract.pk]))
    assert response["Location"] == contract.get_absolute_url()
    document = ContractDocument.objects.get(contract=contract)
    text = pdf_text(download(client, reverse("residents:contract_document", args=[document.pk])))
    assert f"Verhuurder: {project.corporation.name}" in text
    assert "Huurder: Ravi Pal" in text
    assert "Oosterpoortlaan 7 12, 3511 AB Utrecht (wooneenheid 12)" in text
    assert "Huurprijs: € 540,00 per maand" in text
    assert "Ingangsdatum: 31 augustus 2026" in text
    assert "Einddatum: 30 augustus 2028" in text
    assert "Omklap" not in text
    page = client.get(contract.get_absolute_url()).content.decode()
    assert reverse("residents:contract_document", args=[document.pk]) in page
    assert page.count(reverse("residents:contract_document", args=[document.pk])) == 2  # history


def test_an_omklap_summary_names_the_holder_and_the_guidance_period(project, care_org):
    contract = ContractFactory(
        unit=UnitFactory(project=project),
        person=PersonFactory(corporation=project.corporation, care_organisation=care_org),
        contract_type_code="omklap",
        start_date=dt.date(2026, 8, 31),
        holder_organisation=care_org,
        guidance_months=6,
    )
    text = pdf_text(render_pdf(contract_letter(contract, made_on=TODAY)))
    assert f"Huurder: {care_org.name}" in text
    assert "Einddatum: geen: de huurovereenkomst is voor onbepaalde tijd" in text
    # From 31 August, 6 months of guidance end at February's end (the month has no 31st).
    assert "duurt tot en met 28 februari 2027" in text


def test_making_a_contract_summary_is_closed_to_outsiders_and_read_only_staff(
    project, staff_a, readonly_a, staff_b, outsider, client_for
):
    contract = ContractFactory(unit=UnitFactory(project=project))
    url = reverse("residents:contract_summary", args=[contract.pk])
    assert client_for(readonly_a).post(url).status_code == 403
    assert client_for(staff_b).post(url).status_code == 404
    assert client_for(outsider).post(url).status_code == 404
    assert not ContractDocument.objects.exists()
    client_for(staff_a).post(url)
    document = ContractDocument.objects.get()
    file = reverse("residents:contract_document", args=[document.pk])
    assert client_for(readonly_a).get(file).status_code == 200
    assert client_for(staff_b).get(file).status_code == 404
    assert client_for(outsider).get(file).status_code == 404


def test_a_summary_without_the_projects_address_is_refused_with_what_is_missing(
    project_a, staff_a, client_for
):
    contract = ContractFactory(unit=UnitFactory(project=project_a))
    page = client_for(staff_a).post(
        reverse("residents:contract_summary", args=[contract.pk]), follow=True
    )
    assert "het adres van het project" in page.content.decode()
    assert not ContractDocument.objects.exists()


# The omklap decision letter


@pytest.fixture
def omklap(project, care_org, care_worker):
    return ContractFactory(
        unit=UnitFactory(project=project, number="3"),
        person=PersonFactory(
            corporation=project.corporation,
            first_name="Joris",
            last_name="Mulder",
            care_organisation=care_org,
        ),
        contract_type_code="omklap",
        start_date=dt.date(2025, 1, 31),
        holder_organisation=care_org,
        care_worker=care_worker,
    )


def evaluate(client, contract, data):
    return client.post(reverse("residents:evaluate", args=[contract.pk]), data)


def test_flipping_with_the_letter_keeps_it_with_the_omklap_contract(
    omklap, care_org, staff_a, client_for
):
    client = client_for(staff_a)
    last_day = dt.date(2027, 1, 31)
    response = evaluate(
        client,
        omklap,
        {
            "action": "flip",
            "flip-last_day": last_day.isoformat(),
            "flip-make_letter": "on",
            "confirmed": "1",
        },
    )
    assert response.status_code == 302
    omklap.refresh_from_db()
    assert omklap.end_reason == "flipped"
    document = ContractDocument.objects.get(contract=omklap)
    text = pdf_text(download(client, reverse("residents:contract_document", args=[document.pk])))
    assert "Geachte Joris Mulder," in text
    assert f"De huurovereenkomst van {care_org.name} eindigt op 31 januari 2027" in text
    assert "vanaf 1 februari 2027 huurt u de woonruimte zelf" in text


def test_extending_with_the_letter_states_the_new_end_and_the_reason(omklap, staff_a, client_for):
    evaluate(
        client_for(staff_a),
        omklap,
        {
            "action": "extend",
            "extend-new_end": "2028-02-29",
            "extend-reason": "Meer tijd voor de schuldhulp.",
            "extend-make_letter": "on",
        },
    )
    document = ContractDocument.objects.get(contract=omklap)
    text = pdf_text(document.file.read())
    assert "duurt nu tot en met 29 februari 2028" in text
    assert "Reden: Meer tijd voor de schuldhulp." in text


def test_a_decision_whose_letter_cannot_be_made_is_not_made(omklap, staff_a, client_for):
    project = omklap.unit.project
    project.address = ""
    project.save()
    response = evaluate(
        client_for(staff_a),
        omklap,
        {
            "action": "flip",
            "flip-last_day": "2027-01-31",
            "flip-make_letter": "on",
            "confirmed": "1",
        },
    )
    assert response.status_code == 200
    assert "het adres van het project" in response.content.decode()
    omklap.refresh_from_db()
    assert omklap.status == ContractStatus.ACTIVE
    assert not Contract.objects.filter(flipped_from=omklap).exists()
    assert not ContractDocument.objects.exists()


# The batch of notice letters


def due(project, number, *, first_name, end_months=2):
    """A temporary contract whose notice window is open today."""
    end = add_months(TODAY, end_months)
    return ContractFactory(
        unit=UnitFactory(project=project, number=number),
        person=PersonFactory(
            corporation=project.corporation, first_name=first_name, last_name="Tester"
        ),
        contract_type_code="tijdelijk",
        start_date=add_months(end, -24) + dt.timedelta(days=1),
        end_date=end,
    )


@pytest.fixture
def two_due(project):
    return [due(project, "1", first_name="Anna"), due(project, "2", first_name="Bert")]


def start_batch(client, published, capture, means="letter"):
    page = client.get(reverse("notice_batch_new"))
    ids = [row.contract.pk for row in page.context["rows"]]
    with capture(execute=True):
        response = client.post(reverse("notice_batch_new"), {"means": means, "contracts": ids})
    return response


def test_all_due_notices_are_made_as_one_pdf_and_recorded(
    two_due, staff_a, client_for, published, django_capture_on_commit_callbacks
):
    client = client_for(staff_a)
    home = client.get(reverse("home")).content.decode()
    assert reverse("notice_batch_new") in home
    response = start_batch(client, published, django_capture_on_commit_callbacks)
    batch = NoticeBatch.objects.get()
    assert response["Location"] == reverse("notice_batch", args=[batch.pk])
    assert [(name, args) for _id, name, args, _q in published] == [
        ("magicmix.tasks.run_notice_batch", [batch.pk])
    ]
    waiting = client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' in waiting
    assert "0 van 2" in waiting

    assert run_notice_batch.apply(args=[batch.pk]).get() == "done"
    assert run_notice_batch.apply(args=[batch.pk]).get() == "skipped"
    batch.refresh_from_db()
    assert (batch.status, batch.done) == (BatchStatus.DONE, 2)
    notices = Notice.objects.filter(contract__in=two_due).order_by("contract__person__first_name")
    assert [(n.given_on, n.means, n.given_by) for n in notices] == [(TODAY, "letter", staff_a)] * 2
    for notice in notices:
        assert "Geachte" in pdf_text(notice.document.read())

    done = client.get(reverse("notice_batch", args=[batch.pk])).content.decode()
    assert 'http-equiv="refresh"' not in done
    assert "2 van 2" in done
    data = download(client, reverse("notice_batch_file", args=[batch.pk]))
    reader = pdf_reader(data)
    assert len(reader.pages) == 2
    titles = [item.title for item in reader.outline]
    assert [t.split(":")[0] for t in titles] == ["Anna Tester", "Bert Tester"]
    for page, contract in zip(reader.pages, two_due, strict=True):
        text = " ".join(page.extract_text().split())
        assert f"Geachte {contract.person.full_name}," in text
        assert f"eindigt op {nl(contract.end_date)}" in text
    assert "Make all 2 notice letters" not in client.get(reverse("home")).content.decode()


def test_one_letter_that_cannot_be_made_records_none(
    two_due, project, staff_a, client_for, published, django_capture_on_commit_callbacks
):
    client = client_for(staff_a)
    start_batch(client, published, django_capture_on_commit_callbacks)
    batch = NoticeBatch.objects.get()
    project.address = ""
    project.save()
    assert run_notice_batch.apply(args=[batch.pk]).get() == "failed"
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED
    assert "Anna Tester" in batch.error
    assert not Notice.objects.exists()
    page = client.get(reverse("notice_batch", args=[batch.pk])).content.decode()
    assert "Er is niets vastgelegd." in page


def test_a_notice_recorded_meanwhile_fails_the_whole_batch(
    two_due, staff_a, client_for, published, django_capture_on_commit_callbacks
):
    client = client_for(staff_a)
    start_batch(client, published, django_capture_on_commit_callbacks)
    batch = NoticeBatch.objects.get()
    Notice.objects.create(contract=two_due[1], given_on=TODAY, means="letter", given_by=staff_a)
    assert run_notice_batch.apply(args=[batch.pk]).get() == "failed"
    assert Notice.objects.count() == 1  # the colleague's, and none of the batch
    batch.refresh_from_db()
    assert "Bert Tester" in batch.error


def test_a_list_that_changed_since_it_was_shown_is_refused(two_due, staff_a, client_for, published):
    client = client_for(staff_a)
    page = client.get(reverse("notice_batch_new"))
    ids = [row.contract.pk for row in page.context["rows"]]
    Notice.objects.create(contract=two_due[0], given_on=TODAY, means="letter", given_by=staff_a)
    response = client.post(reverse("notice_batch_new"), {"means": "letter", "contracts": ids})
    assert response.status_code == 200
    assert "veranderd" in str(response.context["form"].errors)
    assert not NoticeBatch.objects.exists()


def test_the_batch_is_closed_to_read_only_staff_and_to_everyone_but_its_starter(
    two_due,
    staff_a,
    readonly_a,
    staff_b,
    outsider,
    policy_a,
    client_for,
    published,
    django_capture_on_commit_callbacks,
):
    url = reverse("notice_batch_new")
    assert client_for(readonly_a).get(url).status_code == 403
    data = {"means": "letter", "contracts": [c.pk for c in two_due]}
    assert client_for(readonly_a).post(url, data).status_code == 403
    for other in (outsider, policy_a):
        assert client_for(other).get(url).status_code == 404
    assert url not in client_for(readonly_a).get(reverse("home")).content.decode()
    # staff of another corporation see none of these contracts, and cannot send them
    assert client_for(staff_b).get(url).context["rows"] == []
    assert client_for(staff_b).post(url, data).status_code == 200
    assert not NoticeBatch.objects.exists()

    start_batch(client_for(staff_a), published, django_capture_on_commit_callbacks)
    batch = NoticeBatch.objects.get()
    run_notice_batch.apply(args=[batch.pk])
    for other in (readonly_a, staff_b, outsider, policy_a):
        client = client_for(other)
        assert client.get(reverse("notice_batch", args=[batch.pk])).status_code == 404
        assert client.get(reverse("notice_batch_file", args=[batch.pk])).status_code == 404

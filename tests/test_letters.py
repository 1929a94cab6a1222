"""Letters as PDFs: the end-of-term notice, read back out of the PDF and checked fact by fact."""

import datetime as dt
import io

import pypdf
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from projects.letters import render_pdf, unknown_placeholders
from projects.models import AuditEntry, LetterKind, LetterTemplate
from residents.dates import add_months, long_date
from residents.letters import notice_letter
from residents.models import Notice

from .factories import ContractFactory, PersonFactory, UnitFactory

TODAY = timezone.localdate()


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    """The PDF's text with its line breaks as spaces, to find a sentence across a line end."""
    return " ".join(text.split())


@pytest.fixture
def project(project_a):
    project_a.address = "Oosterpoortlaan 7"
    project_a.postcode = "3511 AB"
    project_a.save()
    corporation = project_a.corporation
    corporation.address, corporation.postcode, corporation.city = "Postbus 12", "3500 AA", "Utrecht"
    corporation.save()
    return project_a


def fixed_term(project, *, end_date, language="nl", first_name="Fenna", last_name="Bakker"):
    person = PersonFactory(
        corporation=project.corporation,
        first_name=first_name,
        last_name=last_name,
        preferred_language=language,
    )
    return ContractFactory(
        unit=UnitFactory(project=project, number="101"),
        person=person,
        contract_type_code="tijdelijk",
        start_date=add_months(end_date, -24) + dt.timedelta(days=1),
        end_date=end_date,
    )


@pytest.mark.parametrize(
    ("end_date", "words"),
    [
        (dt.date(2027, 5, 31), "31 mei 2027"),
        (dt.date(2027, 2, 28), "28 februari 2027"),
        (dt.date(2028, 2, 29), "29 februari 2028"),
        (dt.date(2027, 12, 31), "31 december 2027"),
    ],
)
def test_the_notice_letter_states_the_end_date_and_the_window(project, end_date, words):
    contract = fixed_term(project, end_date=end_date)
    window = contract.notice_window
    text = flat(pdf_text(render_pdf(notice_letter(contract, given_on=window.opens))))
    assert "Geachte Fenna Bakker," in text
    assert f"uw huurovereenkomst eindigt op {words}" in text
    assert "Oosterpoortlaan 7 101" in text
    assert "3511 AB Utrecht" in text
    with override("nl"):
        opens, closes = long_date(window.opens), long_date(window.closes)
    assert f"niet eerder dan {opens} en niet later dan {closes}" in text
    assert f"Utrecht, {opens}" in text  # place and date of the letter
    assert "Postbus 12" in text  # the sender
    assert "3500 AA Utrecht" in text
    assert "1 / 1" in text  # the page number


def test_an_english_speaking_tenant_gets_the_letter_in_english(project):
    contract = fixed_term(project, end_date=dt.date(2027, 5, 31), language="en")
    text = flat(pdf_text(render_pdf(notice_letter(contract, given_on=TODAY))))
    assert "Dear Fenna Bakker," in text
    assert "your tenancy ends on 31 May 2027" in text


def test_what_a_person_typed_is_text_never_typst_code(project):
    contract = fixed_term(
        project, end_date=dt.date(2027, 5, 31), first_name='#panic("x") *vet*', last_name="$x$"
    )
    text = flat(pdf_text(render_pdf(notice_letter(contract, given_on=TODAY))))
    assert 'Geachte #panic("x") *vet* $x$,' in text


def test_the_corporations_own_wording_is_used(project):
    LetterTemplate.objects.create(
        corporation=project.corporation,
        kind=LetterKind.NOTICE,
        language="nl",
        subject="Uw huur stopt",
        body="Beste {tenant_name},\n\nOp {end_date} is het voorbij.",
    )
    contract = fixed_term(project, end_date=dt.date(2027, 5, 31))
    text = flat(pdf_text(render_pdf(notice_letter(contract, given_on=TODAY))))
    assert "Uw huur stopt" in text
    assert "Op 31 mei 2027 is het voorbij." in text


def test_a_template_with_an_unknown_placeholder_is_refused_naming_it(project):
    template = LetterTemplate(
        corporation=project.corporation,
        kind=LetterKind.NOTICE,
        language="nl",
        subject="Aanzegging",
        body="Beste {tenant_name}, u vertrekt op {eind_datum} of {end_date}.",
    )
    with pytest.raises(ValidationError) as refused:
        template.full_clean()
    assert "{eind_datum}" in str(refused.value.message_dict["body"])
    assert unknown_placeholders(LetterKind.NOTICE, template.body) == ["eind_datum"]


def test_a_contract_without_the_facts_the_letter_needs_is_refused(project_a):
    contract = fixed_term(project_a, end_date=dt.date(2027, 5, 31))  # project without address
    with (
        override("nl"),
        pytest.raises(ValidationError, match="het adres van het project ontbreekt"),
    ):
        notice_letter(contract, given_on=TODAY)


# Making the letter while recording the notice


@pytest.fixture
def in_window(project):
    """A contract whose notice window is open today."""
    return fixed_term(project, end_date=add_months(TODAY, 2))


def test_recording_a_notice_makes_the_letter_and_keeps_it_with_the_notice(
    in_window, staff_a, client_for, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client = client_for(staff_a)
    response = client.post(
        reverse("residents:notice_create", args=[in_window.pk]),
        {"given_on": TODAY.isoformat(), "means": "letter", "make_letter": "on"},
    )
    assert response.status_code == 302
    notice = Notice.objects.get(contract=in_window)
    assert notice.document.name.endswith(f"aanzegging-contract-{in_window.pk}-{TODAY}.pdf")
    download = client.get(reverse("residents:notice_document", args=[notice.pk]))
    assert download.status_code == 200
    text = flat(pdf_text(b"".join(download.streaming_content)))
    assert "Geachte Fenna Bakker," in text
    assert AuditEntry.objects.filter(action="download", object_id=notice.pk).exists()


def test_a_letter_that_cannot_be_made_records_no_notice(
    project_a, staff_a, client_for, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    contract = fixed_term(project_a, end_date=add_months(TODAY, 2))  # no project address
    response = client_for(staff_a).post(
        reverse("residents:notice_create", args=[contract.pk]),
        {"given_on": TODAY.isoformat(), "means": "letter", "make_letter": "on"},
    )
    assert response.status_code == 200
    assert "het adres van het project ontbreekt" in str(response.context["form"].errors)
    assert not Notice.objects.filter(contract=contract).exists()
    assert not list(tmp_path.rglob("*.pdf"))


def test_a_notice_date_outside_the_window_makes_no_letter(
    in_window, staff_a, client_for, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    too_early = in_window.notice_window.opens - dt.timedelta(days=1)
    response = client_for(staff_a).post(
        reverse("residents:notice_create", args=[in_window.pk]),
        {"given_on": too_early.isoformat(), "means": "letter", "make_letter": "on"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["given_on"]
    assert not Notice.objects.filter(contract=in_window).exists()
    assert not list(tmp_path.rglob("*.pdf"))


def test_only_writing_staff_of_the_corporation_make_a_notice_letter(
    in_window, readonly_a, staff_b, outsider, client_for
):
    url = reverse("residents:notice_create", args=[in_window.pk])
    data = {"given_on": TODAY.isoformat(), "means": "letter", "make_letter": "on"}
    assert client_for(readonly_a).post(url, data).status_code == 403
    assert client_for(staff_b).post(url, data).status_code == 404
    assert client_for(outsider).post(url, data).status_code == 404
    assert not Notice.objects.exists()


# The wording, edited by staff, with a preview


def edit_url(corporation, kind="notice", language="nl"):
    return reverse("residents:letter_edit", args=[corporation.pk, kind, language])


def test_staff_see_their_corporations_letters_and_edit_the_wording(project, staff_a, client_for):
    client = client_for(staff_a)
    listing = client.get(reverse("residents:letter_list"))
    assert listing.status_code == 200
    assert [(r["kind"], r["language"], r["own"]) for r in listing.context["rows"]] == [
        (kind, language, None)
        for kind in ("notice", "offer", "contract", "omklap")
        for language in ("nl", "en")
    ]
    page = client.get(edit_url(project.corporation))
    assert page.status_code == 200
    assert page.context["form"]["body"].value().startswith("Geachte {tenant_name},")
    saved = client.post(
        edit_url(project.corporation),
        {"action": "save", "subject": "Einde huur", "body": "Beste {tenant_name}."},
    )
    assert saved.status_code == 302
    own = LetterTemplate.objects.get(corporation=project.corporation, kind="notice")
    assert (own.language, own.subject) == ("nl", "Einde huur")
    client.post(edit_url(project.corporation), {"action": "reset"})
    assert not LetterTemplate.objects.exists()


def test_an_unknown_placeholder_is_refused_on_the_page_and_nothing_is_saved(
    project, staff_a, client_for
):
    response = client_for(staff_a).post(
        edit_url(project.corporation),
        {"action": "save", "subject": "Einde huur", "body": "Beste {naam}, tot {end_date}."},
    )
    assert response.status_code == 200
    assert "{naam}" in str(response.context["form"].errors["body"])
    assert not LetterTemplate.objects.exists()


def test_the_preview_is_the_pdf_with_a_real_contracts_facts(in_window, staff_a, client_for):
    corporation = in_window.unit.project.corporation
    response = client_for(staff_a).post(
        edit_url(corporation),
        {"action": "preview", "subject": "Proef", "body": "Beste {tenant_name}, tot {end_date}."},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    with override("nl"):
        end = long_date(in_window.end_date)
    assert f"Beste Fenna Bakker, tot {end}." in flat(pdf_text(response.content))
    assert not LetterTemplate.objects.exists()  # a preview saves nothing


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("contract", "Huurder: Fenna Bakker"), ("omklap", None), ("offer", None)],
)
def test_each_kind_of_letter_previews_with_the_corporations_own_records(
    in_window, staff_a, client_for, kind, expected
):
    """The contract summary shows the contract in its window; there is no omklap contract or
    offer of the corporation yet, and the page says so rather than failing."""
    corporation = in_window.unit.project.corporation
    page = client_for(staff_a).get(edit_url(corporation, kind=kind))
    assert page.status_code == 200
    body = page.context["form"]["body"].value()
    response = client_for(staff_a).post(
        edit_url(corporation, kind=kind),
        {"action": "preview", "subject": "Proef", "body": body},
    )
    assert response.status_code == 200
    if expected:
        assert response["Content-Type"] == "application/pdf"
        assert expected in flat(pdf_text(response.content))
    else:
        assert response.context["form"].non_field_errors()


def test_a_preview_without_a_contract_to_show_says_so(project, staff_a, client_for):
    response = client_for(staff_a).post(
        edit_url(project.corporation),
        {"action": "preview", "subject": "Proef", "body": "Beste {tenant_name}."},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_letter_wording_is_closed_to_outsiders_and_read_only_staff(
    project, staff_a, readonly_a, staff_b, outsider, policy_a, client_for
):
    url = edit_url(project.corporation)
    data = {"action": "save", "subject": "x", "body": "y"}
    assert client_for(readonly_a).get(url).status_code == 403
    assert client_for(readonly_a).post(url, data).status_code == 403
    assert client_for(staff_b).get(url).status_code == 404
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(policy_a).get(reverse("residents:letter_list")).status_code == 404
    assert (
        client_for(staff_b).get(edit_url(project.corporation, kind="nonsense")).status_code == 404
    )
    readonly_list = client_for(readonly_a).get(reverse("residents:letter_list"))
    assert readonly_list.status_code == 200
    assert not any(row["can_write"] for row in readonly_list.context["rows"])
    assert not LetterTemplate.objects.exists()

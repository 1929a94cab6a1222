"""Letters: a template's wording, the facts of one case, and the PDF made from them.

A letter is made in three steps, each refusing what it cannot do before anything is stored:
1. `template_for(corporation, kind, language)`: the corporation's LetterTemplate, or the wording
   that ships (DEFAULTS);
2. the app that owns the case gathers its facts (residents.letters.notice_facts, say), a dict of
   placeholder -> text, refusing a case that lacks one the letter needs;
3. `render_pdf(letter)` fills the placeholders and typesets an A4 page with the corporation's
   name and address, the date in words, the page number ("1 / 2") and the text, with Typst
   (the `typst` package carries its compiler and fonts, so nothing is fetched at run time).

The text goes to Typst as data (`sys.inputs`), never as markup: what staff or a tenant typed
cannot change the layout or run Typst code, and needs no escaping.
"""

import io
import json
import re
from dataclasses import dataclass, field

import typst
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import override
from pypdf import PdfWriter

from .models import LetterKind, LetterTemplate

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")

# The facts each kind of letter may use; every fact is a text. A fact in OPTIONAL may be empty
# (the terms of an omklap contract, for a regular one); a paragraph left empty is dropped.
COMMON = ("tenant_name", "tenant_address", "corporation", "today")
PLACEHOLDERS = {
    LetterKind.NOTICE: COMMON
    + (
        "unit",
        "unit_address",
        "contract_type",
        "start_date",
        "end_date",
        "window_opens",
        "window_closes",
        "given_on",
    ),
    LetterKind.OFFER: COMMON
    + ("unit", "unit_address", "contract_type", "start_date", "rent", "reply_by", "reply_to"),
    LetterKind.CONTRACT: COMMON
    + (
        "unit",
        "unit_address",
        "contract_type",
        "start_date",
        "end_date",
        "rent",
        "holder",
        "omklap_terms",
    ),
    LetterKind.OMKLAP: COMMON
    + (
        "unit",
        "unit_address",
        "care_organisation",
        "decision",
        "decided_on",
        "start_date",
        "end_date",
        "reason",
    ),
}
OPTIONAL = frozenset({"tenant_address", "omklap_terms", "reason"})

DEFAULTS = {
    (LetterKind.NOTICE, "nl"): (
        "Aanzegging einde huurovereenkomst {unit_address}",
        "Geachte {tenant_name},\n\n"
        "U huurt van {corporation} de woonruimte {unit_address} met een huurovereenkomst "
        "{contract_type}, ingegaan op {start_date}.\n\n"
        "Met deze brief laten wij u weten, zoals de wet vraagt (artikel 7:271 lid 1 van het "
        "Burgerlijk Wetboek), dat uw huurovereenkomst eindigt op {end_date}. Op die dag moet "
        "u de woonruimte leeg en schoon aan ons opleveren.\n\n"
        "Wij sturen u deze aanzegging binnen de termijn die de wet geeft: niet eerder dan "
        "{window_opens} en niet later dan {window_closes}.\n\n"
        "Hebt u vragen, neem dan contact met ons op.\n\n"
        "Met vriendelijke groet,\n{corporation}",
    ),
    (LetterKind.NOTICE, "en"): (
        "Notice of the end of your tenancy at {unit_address}",
        "Dear {tenant_name},\n\n"
        "You rent {unit_address} from {corporation} on a {contract_type} tenancy that began "
        "on {start_date}.\n\n"
        "With this letter we tell you, as the law requires (article 7:271(1) of the Dutch "
        "Civil Code), that your tenancy ends on {end_date}. On that day you must hand the "
        "home back to us empty and clean.\n\n"
        "We send you this notice within the period the law sets: not before {window_opens} "
        "and not after {window_closes}.\n\n"
        "If you have any questions, please contact us.\n\n"
        "Kind regards,\n{corporation}",
    ),
    (LetterKind.OFFER, "nl"): (
        "Aanbieding woonruimte {unit_address}",
        "Geachte {tenant_name},\n\n"
        "{corporation} biedt u de woonruimte {unit_address} (wooneenheid {unit}) aan.\n\n"
        "Huurovereenkomst: {contract_type}, vanaf {start_date}\n"
        "Huurprijs: {rent}\n\n"
        "Wilt u de woonruimte huren? Laat het ons uiterlijk {reply_by} weten: {reply_to}. "
        "Horen wij voor die datum niets van u, dan vervalt de aanbieding en bieden wij de "
        "woonruimte een ander aan.\n\n"
        "Met vriendelijke groet,\n{corporation}",
    ),
    (LetterKind.OFFER, "en"): (
        "Offer of a home: {unit_address}",
        "Dear {tenant_name},\n\n"
        "{corporation} offers you the home {unit_address} (unit {unit}).\n\n"
        "Tenancy: {contract_type}, from {start_date}\n"
        "Rent: {rent}\n\n"
        "Would you like to rent it? Let us know by {reply_by} at the latest: {reply_to}. If "
        "we have not heard from you by then, the offer lapses and we offer the home to "
        "someone else.\n\n"
        "Kind regards,\n{corporation}",
    ),
    (LetterKind.CONTRACT, "nl"): (
        "Samenvatting huurovereenkomst {unit_address}",
        "Partijen\nVerhuurder: {corporation}\nHuurder: {holder}\nBewoner: {tenant_name}\n\n"
        "Woonruimte\n{unit_address} (wooneenheid {unit})\nHuurprijs: {rent}\n\n"
        "Huurovereenkomst\nSoort: {contract_type}\nIngangsdatum: {start_date}\n"
        "Einddatum: {end_date}\n\n"
        "{omklap_terms}\n\n"
        "Deze samenvatting hoort bij de huurovereenkomst die u ondertekent; waar zij "
        "verschillen, geldt de huurovereenkomst.\n\n"
        "Handtekening huurder: ______________________  Datum: ____________\n\n"
        "Handtekening verhuurder: ______________________  Datum: ____________",
    ),
    (LetterKind.CONTRACT, "en"): (
        "Summary of the tenancy agreement for {unit_address}",
        "Parties\nLandlord: {corporation}\nTenant: {holder}\nResident: {tenant_name}\n\n"
        "Home\n{unit_address} (unit {unit})\nRent: {rent}\n\n"
        "Tenancy\nKind: {contract_type}\nStart date: {start_date}\nEnd date: {end_date}\n\n"
        "{omklap_terms}\n\n"
        "This summary belongs with the tenancy agreement you sign; where they differ, the "
        "agreement holds.\n\n"
        "Tenant's signature: ______________________  Date: ____________\n\n"
        "Landlord's signature: ______________________  Date: ____________",
    ),
    (LetterKind.OMKLAP, "nl"): (
        "Besluit over uw omklaptraject, {unit_address}",
        "Geachte {tenant_name},\n\n"
        "U woont in {unit_address} met begeleiding van {care_organisation}. Op {decided_on} "
        "hebben wij het volgende besloten.\n\n"
        "{decision}\n\n"
        "{reason}\n\n"
        "Hebt u vragen, neem dan contact op met ons of met uw begeleider.\n\n"
        "Met vriendelijke groet,\n{corporation}",
    ),
    (LetterKind.OMKLAP, "en"): (
        "Decision on your omklap trajectory, {unit_address}",
        "Dear {tenant_name},\n\n"
        "You live in {unit_address} with guidance from {care_organisation}. On {decided_on} "
        "we decided the following.\n\n"
        "{decision}\n\n"
        "{reason}\n\n"
        "If you have any questions, please contact us or your care worker.\n\n"
        "Kind regards,\n{corporation}",
    ),
}


@dataclass(frozen=True)
class Letter:
    kind: str
    language: str
    subject: str
    body: str
    facts: dict = field(default_factory=dict)
    sender: list = field(default_factory=list)  # the corporation's name and address lines
    recipient: list = field(default_factory=list)


def unknown_placeholders(kind: str, text: str) -> list[str]:
    allowed = set(PLACEHOLDERS.get(kind, ()))
    return sorted({name for name in PLACEHOLDER.findall(text or "") if name not in allowed})


def template_for(corporation, kind: str, language: str) -> tuple[str, str]:
    """(subject, body): the corporation's own wording, else what ships (Dutch if none in the
    language asked for)."""
    own = LetterTemplate.objects.filter(
        corporation=corporation, kind=kind, language=language
    ).first()
    if own is not None:
        return own.subject, own.body
    return DEFAULTS.get((kind, language)) or DEFAULTS[(kind, "nl")]


def fill(text: str, facts: dict) -> str:
    missing = sorted(
        {
            name
            for name in PLACEHOLDER.findall(text)
            if not facts.get(name) and not (name in OPTIONAL and name in facts)
        }
    )
    if missing:
        raise ValidationError(
            _("This letter needs facts the record does not have: %(names)s.")
            % {"names": ", ".join(missing)}
        )
    return PLACEHOLDER.sub(lambda match: str(facts[match.group(1)] or ""), text)


TYPST_SOURCE = """
#let d = json(bytes(sys.inputs.letter))
#set document(title: d.subject)
#set page(paper: "a4", margin: (x: 2.5cm, top: 2.5cm, bottom: 2.8cm),
  footer: context align(center, text(size: 9pt,
    counter(page).display("1 / 1", both: true))))
#set text(lang: d.language, size: 11pt)
#set par(justify: false, leading: 0.65em, spacing: 1.1em)
#align(right, text(size: 10pt, d.sender.join(linebreak())))
#v(1.5cm)
#d.recipient.join(linebreak())
#v(1cm)
#d.place_and_date
#v(0.5cm)
#text(weight: "bold", d.subject)
#v(0.3cm)
#for p in d.paragraphs [
  #p.split("\\n").join(linebreak())
  #parbreak()
]
"""


def render_pdf(letter: Letter) -> bytes:
    """The letter as an A4 PDF; a ValidationError if a fact is missing or Typst fails."""
    subject = fill(letter.subject, letter.facts)
    body = fill(letter.body, letter.facts)
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", body.replace("\r\n", "\n")) if p.strip()]
    data = {
        "language": letter.language,
        "subject": subject,
        "sender": letter.sender,
        "recipient": letter.recipient,
        "place_and_date": letter.facts.get("today", ""),
        "paragraphs": paragraphs,
    }
    try:
        return typst.compile(
            TYPST_SOURCE.encode(), sys_inputs={"letter": json.dumps(data, ensure_ascii=False)}
        )
    except Exception as exc:  # typst raises its own errors; nothing is stored then
        with override(letter.language):
            raise ValidationError(
                _("The letter could not be made: %(error)s") % {"error": str(exc)[:200]}
            ) from exc


def merge_pdfs(parts: list[tuple[str, bytes]]) -> bytes:
    """One PDF of several letters, each its own page range with a bookmark (its title)."""
    writer = PdfWriter()
    for title, pdf in parts:
        start = len(writer.pages)
        writer.append(io.BytesIO(pdf))
        writer.add_outline_item(title=title, page_number=start)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()

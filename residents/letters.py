"""The facts of a contract for its letters (projects.letters), in the tenant's language."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import override

from projects.letters import Letter, template_for
from projects.models import LetterKind

from .dates import long_date
from .models import Contract


def letter_language(person) -> str:
    """Dutch or English: the tenant's preferred language where the letters have it."""
    return "en" if person.preferred_language == "en" else "nl"


def _town(place) -> str:
    """ "3511 AB Utrecht": the postcode and city of a project or an organisation."""
    return " ".join(part for part in (place.postcode, place.city) if part)


def _address_lines(project, unit_number: str) -> list[str]:
    street = f"{project.address} {unit_number}".strip() if project.address else ""
    return [line for line in (street, _town(project)) if line]


def sender_lines(corporation) -> list[str]:
    lines = (corporation.name, corporation.address, _town(corporation), corporation.email)
    return [line for line in lines if line]


def _refuse_missing(missing: list, message: str) -> None:
    """Refuse a letter whose record lacks facts; `message` has a %(what)s for the list."""
    if missing:
        raise ValidationError(message % {"what": ", ".join(str(m) for m in missing)})


def rent_text(unit) -> str:
    """ "€ 612,50 a month", or that it is not known yet (a rent of 0 is not a rent)."""
    if not unit.rent:
        return _("not known yet")
    return _("€ %(amount)s a month") % {"amount": number_format(unit.rent, 2, force_grouping=True)}


def place_and_date(project, day: dt.date) -> str:
    return ", ".join(p for p in (project.city or project.corporation.city, long_date(day)) if p)


def base_facts(person, unit) -> dict:
    """The facts every letter about a person and a unit has (in the active language)."""
    project = unit.project
    address = ", ".join(_address_lines(project, unit.number))
    return {
        "tenant_name": person.full_name,
        "tenant_address": address,
        "corporation": project.corporation.name,
        "unit": unit.number,
        "unit_address": address,
    }


def letter_of(kind, corporation, language, facts, recipient) -> Letter:
    subject, body = template_for(corporation, kind, language)
    return Letter(
        kind=kind,
        language=language,
        subject=subject,
        body=body,
        facts=facts,
        sender=sender_lines(corporation),
        recipient=recipient,
    )


def notice_letter(contract: Contract, *, given_on: dt.date, language: str = "") -> Letter:
    """The end-of-term notice of `contract`, dated `given_on`, in the tenant's language (or
    `language`, for a preview); refused with what is missing."""
    person, unit = contract.person, contract.unit
    project = unit.project
    language = language or letter_language(person)
    window = contract.notice_window
    missing = []
    if contract.end_date is None or window is None:
        missing.append(_("an end date with a notice window"))
    if not project.address:
        missing.append(_("the project's address"))
    _refuse_missing(missing, _("The notice letter cannot be made: the record lacks %(what)s."))
    with override(language):
        facts = base_facts(person, unit) | {
            "today": place_and_date(project, given_on),
            "contract_type": contract.contract_type.label,
            "start_date": long_date(contract.start_date),
            "end_date": long_date(contract.end_date),
            "window_opens": long_date(window.opens),
            "window_closes": long_date(window.closes),
            "given_on": long_date(given_on),
        }
    recipient = [person.full_name, *_address_lines(project, unit.number)]
    return letter_of(LetterKind.NOTICE, project.corporation, language, facts, recipient)


def notice_file_name(contract: Contract, given_on: dt.date | None = None) -> str:
    day = given_on or timezone.localdate()
    return f"aanzegging-contract-{contract.pk}-{day.isoformat()}.pdf"


def contract_letter(contract: Contract, *, made_on: dt.date, language: str = "") -> Letter:
    """The contract summary for signing: parties, unit, rent, type, start, end or open-ended, and
    for omklap the holding care organisation and the guidance period."""
    person, unit = contract.person, contract.unit
    project = unit.project
    language = language or letter_language(person)
    omklap = contract.contract_type.is_omklap
    missing = []
    if not project.address:
        missing.append(_("the project's address"))
    if omklap and (contract.holder_organisation is None or contract.guidance_end is None):
        missing.append(_("the care organisation holding the contract and its guidance period"))
    _refuse_missing(missing, _("The contract summary cannot be made: the record lacks %(what)s."))
    with override(language):
        terms = ""
        if omklap:
            terms = _(
                "Omklap: %(holder)s rents the home during the guidance, which lasts up to and "
                "including %(until)s. When the guidance has gone well, the contract then passes "
                "to the resident's own name."
            ) % {
                "holder": contract.holder_organisation.name,
                "until": long_date(contract.guidance_end),
            }
        facts = base_facts(person, unit) | {
            "today": place_and_date(project, made_on),
            "contract_type": contract.contract_type.label,
            "start_date": long_date(contract.start_date),
            "end_date": long_date(contract.end_date)
            if contract.end_date
            else _("none: the contract is open-ended"),
            "rent": rent_text(unit),
            "holder": str(contract.holder_organisation or person.full_name),
            "omklap_terms": terms,
        }
    recipient = [str(contract.holder_organisation or person.full_name)]
    return letter_of(LetterKind.CONTRACT, project.corporation, language, facts, recipient)


class OmklapDecision:
    FLIP = "flip"
    EXTEND = "extend"
    END = "end"


def omklap_letter(
    contract: Contract,
    *,
    decision: str,
    decided_on: dt.date,
    start_date: dt.date | None = None,
    end_date: dt.date,
    reason: str = "",
    language: str = "",
) -> Letter:
    """The letter telling the resident of an omklap decision: the contract flips to their name
    (`end_date` the omklap contract's last day, `start_date` the regular one's first), the
    guidance is extended (`end_date` its new last day), or the trajectory ends (`end_date`)."""
    person, unit = contract.person, contract.unit
    project = unit.project
    language = language or letter_language(person)
    missing = []
    if not project.address:
        missing.append(_("the project's address"))
    care = contract.holder_organisation or person.care_organisation
    if care is None:
        missing.append(_("the care organisation"))
    _refuse_missing(
        missing, _("The omklap decision letter cannot be made: the record lacks %(what)s.")
    )
    with override(language):
        if decision == OmklapDecision.FLIP:
            sentence = _(
                "The tenancy passes to your own name. The contract held by %(care)s ends on "
                "%(last)s; from %(first)s you rent the home yourself, open-ended."
            ) % {
                "care": care.name,
                "last": long_date(end_date),
                "first": long_date(start_date),
            }
        elif decision == OmklapDecision.EXTEND:
            sentence = _(
                "Your guidance is extended: it now lasts up to and including %(day)s. The "
                "contract stays with %(care)s until then."
            ) % {"day": long_date(end_date), "care": care.name}
        else:
            sentence = _(
                "The omklap trajectory ends: the contract ends on %(day)s. On that day the home "
                "must be handed back empty and clean."
            ) % {"day": long_date(end_date)}
        facts = base_facts(person, unit) | {
            "today": place_and_date(project, decided_on),
            "care_organisation": care.name,
            "decision": sentence,
            "decided_on": long_date(decided_on),
            "start_date": long_date(start_date or contract.start_date),
            "end_date": long_date(end_date),
            "reason": (_("Reason: %(reason)s") % {"reason": reason}) if reason else "",
        }
    return letter_of(LetterKind.OMKLAP, project.corporation, language, facts, [person.full_name])


def letter_file_name(kind: str, pk: int, day: dt.date) -> str:
    names = {
        LetterKind.NOTICE: "aanzegging",
        LetterKind.OFFER: "aanbieding",
        LetterKind.CONTRACT: "huurovereenkomst",
        LetterKind.OMKLAP: "omklapbesluit",
    }
    return f"{names[kind]}-{pk}-{day.isoformat()}.pdf"

"""The facts of a contract for its letters (projects.letters), in the tenant's language."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
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
    address = _address_lines(project, unit.number)
    if not project.address:
        missing.append(_("the project's address"))
    if missing:
        raise ValidationError(
            _("The notice letter cannot be made: the record lacks %(what)s.")
            % {"what": ", ".join(missing)}
        )
    with override(language):
        facts = {
            "tenant_name": person.full_name,
            "tenant_address": ", ".join(address),
            "corporation": project.corporation.name,
            "today": f"{project.city or project.corporation.city}, {long_date(given_on)}".strip(
                ", "
            ),
            "unit": unit.number,
            "unit_address": ", ".join(address),
            "contract_type": contract.contract_type.label,
            "start_date": long_date(contract.start_date),
            "end_date": long_date(contract.end_date),
            "window_opens": long_date(window.opens),
            "window_closes": long_date(window.closes),
            "given_on": long_date(given_on),
        }
    subject, body = template_for(project.corporation, LetterKind.NOTICE, language)
    return Letter(
        kind=LetterKind.NOTICE,
        language=language,
        subject=subject,
        body=body,
        facts=facts,
        sender=sender_lines(project.corporation),
        recipient=[person.full_name, *address],
    )


def notice_file_name(contract: Contract, given_on: dt.date | None = None) -> str:
    day = given_on or timezone.localdate()
    return f"aanzegging-contract-{contract.pk}-{day.isoformat()}.pdf"

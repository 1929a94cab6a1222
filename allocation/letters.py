"""The offer letter (woningaanbieding): made when an offer is made, kept with the offer, and
e-mailed to the candidate by Celery once the offer has committed.

The letter is made inside the offer's transaction, so an offer whose letter cannot be made is not
made either. The e-mail follows the pattern of allocation.vote_messages: the task locks the
offer (skipping one another worker holds), sends, and marks the result in the same transaction;
a rerun finds nothing queued and sends nothing twice.
"""

import datetime as dt
import logging
import smtplib

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from projects.letters import Letter, render_pdf
from projects.models import LetterKind
from residents.dates import long_date
from residents.letters import (
    base_facts,
    letter_file_name,
    letter_language,
    letter_of,
    place_and_date,
    rent_text,
)

from .models import EventKind, LetterMail, Offer, OfferStatus

log = logging.getLogger(__name__)


def offer_letter(offer: Offer, *, made_on: dt.date, language: str = "") -> Letter:
    """The offer letter of `offer`: the unit, its rent if known, the start, the reply-by date and
    how to answer; refused with what is missing."""
    from .services import proposed_start

    vacancy = offer.vacancy
    person, unit, project = offer.application.person, vacancy.unit, vacancy.project
    language = language or letter_language(person)
    corporation = project.corporation
    if not project.address:
        raise ValidationError(
            _("The offer letter cannot be made: the record lacks %(what)s.")
            % {"what": _("the project's address")}
        )
    with override(language):
        if corporation.email or corporation.phone:
            reply_to = ", ".join(
                part
                for part in (
                    _("e-mail %(address)s") % {"address": corporation.email}
                    if corporation.email
                    else "",
                    _("phone %(number)s") % {"number": corporation.phone}
                    if corporation.phone
                    else "",
                )
                if part
            )
        else:
            reply_to = _("contact %(name)s") % {"name": corporation.name}
        facts = base_facts(person, unit) | {
            "tenant_address": person.email,
            "today": place_and_date(project, made_on),
            "contract_type": vacancy.contract_type.label,
            "start_date": long_date(proposed_start(vacancy, made_on)),
            "rent": rent_text(unit),
            "reply_by": long_date(offer.reply_by),
            "reply_to": reply_to,
        }
    return letter_of(LetterKind.OFFER, corporation, language, facts, [person.full_name])


def offer_sample(corporation, language: str) -> Letter | None:
    """The letter of the corporation's latest offer, to preview a wording with."""
    offer = (
        Offer.objects.filter(vacancy__project__corporation=corporation)
        .exclude(vacancy__project__address="")
        .select_related(
            "application__person", "vacancy__unit__project__corporation", "vacancy__contract_type"
        )
        .first()
    )
    if offer is None:
        return None
    return offer_letter(offer, made_on=timezone.localdate(), language=language)


def letter_keep(*, offer: Offer, user, send: bool, today: dt.date) -> Offer:
    """Make the offer's letter and keep it with the offer; with `send`, e-mail it to the
    candidate once the transaction commits (when an e-mail address is known).

    Call it inside the transaction that makes the offer: a letter that cannot be made raises a
    ValidationError and the offer is not made either."""
    from .services import _log

    if offer.status != OfferStatus.OPEN:
        raise ValidationError(_("This offer is no longer open: no letter is made for it."))
    pdf = render_pdf(offer_letter(offer, made_on=today))
    if offer.letter:
        offer.letter.delete(save=False)
    offer.letter.save(
        letter_file_name(LetterKind.OFFER, offer.pk, today), ContentFile(pdf), save=False
    )
    email = offer.application.person.email
    mail_to = email if send and email else ""
    offer.letter_mail = LetterMail.QUEUED if mail_to else LetterMail.NOT_SENT
    offer.letter_mailed_to = mail_to
    offer.letter_mailed_at = None
    offer.letter_mail_error = ""
    offer.save(
        update_fields=[
            "letter",
            "letter_mail",
            "letter_mailed_to",
            "letter_mailed_at",
            "letter_mail_error",
        ]
    )
    _log(offer.vacancy, EventKind.LETTER_MADE, user=user, offer=offer, facts={"mail_to": mail_to})
    if mail_to:
        enqueue(offer.pk)
    return offer


def enqueue(offer_id: int) -> None:
    from .tasks import send_offer_letter

    transaction.on_commit(lambda: send_offer_letter.delay(offer_id))


def email_of(offer: Offer) -> EmailMessage:
    person = offer.application.person
    with override(letter_language(person)):
        context = {
            "offer": offer,
            "person": person,
            "vacancy": offer.vacancy,
            "corporation": offer.vacancy.project.corporation,
            "reply_by": long_date(offer.reply_by),
        }
        subject = render_to_string("allocation/email/offer_subject.txt", context).strip()
        body = render_to_string("allocation/email/offer_body.txt", context)
    corporation = offer.vacancy.project.corporation
    message = EmailMessage(
        subject=subject,
        body=body,
        to=[offer.letter_mailed_to],
        reply_to=[corporation.email] if corporation.email else None,
    )
    with offer.letter.open("rb") as pdf:
        message.attach(offer.letter.name.rsplit("/", 1)[-1], pdf.read(), "application/pdf")
    return message


def letter_send(offer_id: int) -> str:
    """E-mail the offer letter unless it went already; returns sent, skipped or failed."""
    from .services import _log

    with transaction.atomic():
        offer = (
            Offer.objects.filter(pk=offer_id, letter_mail=LetterMail.QUEUED)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("application__person", "vacancy__project__corporation")
            .first()
        )
        if offer is None:
            return "skipped"
        try:
            email_of(offer).send()
        except (smtplib.SMTPException, OSError) as exc:
            log.warning("Offer letter %s failed: %s", offer.pk, exc)
            offer.letter_mail = LetterMail.FAILED
            offer.letter_mail_error = str(exc)[:300]
            offer.save(update_fields=["letter_mail", "letter_mail_error"])
            _log(
                offer.vacancy, EventKind.LETTER_FAILED, offer=offer, facts={"error": str(exc)[:300]}
            )
            return "failed"
        offer.letter_mail = LetterMail.SENT
        offer.letter_mailed_at = timezone.now()
        offer.save(update_fields=["letter_mail", "letter_mailed_at"])
        _log(
            offer.vacancy, EventKind.LETTER_SENT, offer=offer, facts={"to": offer.letter_mailed_to}
        )
        return "sent"


def resend(*, offer: Offer) -> None:
    """Queue a failed e-mail again (the same letter)."""
    if offer.letter_mail != LetterMail.FAILED or not offer.letter:
        raise ValidationError(_("There is no failed e-mail of this offer to send again."))
    offer.letter_mail = LetterMail.QUEUED
    offer.letter_mail_error = ""
    offer.save(update_fields=["letter_mail", "letter_mail_error"])
    enqueue(offer.pk)

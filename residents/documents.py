"""Keeping a letter made for a contract (projects.letters) as a ContractDocument.

`keep` makes the PDF first and stores the row only when it could be made; call it in the
transaction of the decision it belongs with, so that a letter that cannot be made rolls the
decision back too.
"""

import datetime as dt

from django.core.files.base import ContentFile

from projects.forms import user_label
from projects.letters import Letter, fill, render_pdf

from .letters import letter_file_name
from .models import Contract, ContractDocument


def keep(
    *, contract: Contract, letter: Letter, user, today: dt.date, pdf: bytes | None = None
) -> ContractDocument:
    """Store `letter` (made into its PDF here unless `pdf` is given) with `contract`."""
    pdf = pdf if pdf is not None else render_pdf(letter)
    document = ContractDocument(
        contract=contract,
        kind=letter.kind,
        language=letter.language,
        title=fill(letter.subject, letter.facts)[:200],
        made_by=user,
        made_by_name=user_label(user) if user else "",
    )
    document.file.save(
        letter_file_name(letter.kind, contract.pk, today), ContentFile(pdf), save=False
    )
    document.save()
    return document

"""Celery tasks of the allocation: thin, idempotent by database state (services.py)."""

from celery import shared_task
from django.utils import timezone

from . import services, vote_messages, voting


@shared_task(acks_late=True, reject_on_worker_lost=True)
def allocation_daily() -> dict:
    """Expire offers past their reply date, and open vacancies for contracts that end.

    Both are idempotent: an offer is claimed by a conditional update, a contract opens at most
    one vacancy; a rerun, a second beat or a killed worker neither loses nor repeats a step.
    """
    today = timezone.localdate()
    expired = services.offers_expire(today=today)
    opened = services.vacancies_open_from_contracts(today=today)
    return {"expired": expired, "opened": len(opened)}


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_vote_messages(round_id: int) -> dict:
    """E-mail a round's unsent messages (queued when they are made)."""
    return vote_messages.messages_send(round_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def votes_tick() -> dict:
    """Every few minutes: close rounds past their deadline, remind who has not voted 48 hours
    before the close, and send what is still unsent. Idempotent by database state."""
    closed = voting.rounds_close_due()
    reminded = voting.reminders_due()
    sent = vote_messages.messages_send()
    return {"closed": closed, "reminded": reminded, "sent": sent}


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_offer_letter(offer_id: int) -> str:
    """E-mail an offer's letter to the candidate (queued when the offer commits)."""
    from .letters import letter_send

    return letter_send(offer_id)

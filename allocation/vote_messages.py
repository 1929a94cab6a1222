"""E-mails about association votes: a round opened, 48 hours left (to who has not voted), the
result (to the electorate), and the result to decide on (to the project's staff).

Each is one `VoteMessage` row per (round, user, kind), made once (allocation.voting). Sending
locks the row (skipping a row another worker holds) and marks it sent in the same transaction, as
magicmix.reminders does for contract reminders. No e-mail says how anybody voted.
"""

import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from projects.models import user_language

from .models import MessageKind, VoteMessage

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8


def enqueue(round_id: int) -> None:
    """Send the round's unsent messages once the surrounding transaction commits."""
    from .tasks import send_vote_messages

    transaction.on_commit(lambda: send_vote_messages.delay(round_id))


def message_link(message: VoteMessage) -> str:
    round_ = message.round
    path = (
        round_.get_absolute_url()
        if message.kind == MessageKind.STAFF_RESULT
        else round_.ballot_url()
    )
    return settings.SITE_URL.rstrip("/") + path


def email_of(message: VoteMessage) -> EmailMessage:
    user, round_ = message.user, message.round
    with translation.override(user_language(user)):
        context = {
            "message": message,
            "round": round_,
            "vacancy": round_.vacancy,
            "recipient": user,
            "link": message_link(message),
            "last_day": timezone.localtime(round_.closes_at) - timezone.timedelta(seconds=1),
            "site_name": settings.SITE_NAME,
            "site_url": settings.SITE_URL.rstrip("/"),
        }
        subject = render_to_string("allocation/email/vote_subject.txt", context).strip()
        body = render_to_string("allocation/email/vote_body.txt", context)
    domain = settings.SITE_URL.split("://")[-1].split("/")[0].split(":")[0] or "magicmix"
    return EmailMessage(
        subject=subject,
        body=body,
        to=[user.email],
        headers={"Message-ID": f"<vote-message-{message.pk}@{domain}>"},
    )


def message_send(message_id: int) -> str:
    """E-mail one message unless it went already; returns sent, skipped, cancelled or failed."""
    from .voting import still_wanted

    now = timezone.now()
    with transaction.atomic():
        message = (
            VoteMessage.objects.filter(
                pk=message_id, sent_at__isnull=True, cancelled_at__isnull=True
            )
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("user__profile", "round__vacancy__unit", "round__project")
            .first()
        )
        if message is None:
            return "skipped"
        user = message.user
        if user is None or not user.is_active or not user.email or not still_wanted(message):
            message.cancelled_at = now
            message.save(update_fields=["cancelled_at"])
            return "cancelled"
        message.attempts += 1
        try:
            email_of(message).send()
        except (smtplib.SMTPException, OSError) as exc:
            log.warning("Vote message %s failed: %s", message.pk, exc)
            message.last_error = str(exc)[:300]
            if message.attempts >= MAX_ATTEMPTS:
                message.cancelled_at = now
            message.save(update_fields=["attempts", "last_error", "cancelled_at"])
            return "failed"
        message.sent_at = timezone.now()
        message.save(update_fields=["attempts", "sent_at"])
        return "sent"


def messages_send(round_id: int | None = None) -> dict[str, int]:
    """Send every unsent message (of one round, or all): the task and the schedule's catch-up."""
    unsent = VoteMessage.objects.filter(sent_at__isnull=True, cancelled_at__isnull=True)
    if round_id is not None:
        unsent = unsent.filter(round_id=round_id)
    outcomes: dict[str, int] = {}
    for pk in list(unsent.order_by("pk").values_list("pk", flat=True)):
        outcome = message_send(pk)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes

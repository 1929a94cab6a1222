"""The association's vote: opening a round, casting and changing a secret vote, closing, deciding.

Secrecy (see allocation.models.votes): the tally is one `BallotBox` row of counts; an elector's
`Participation` holds only `commitment(round, user, token, choice)`, where `token` is 128 random
bits the voter's browser holds (a hidden form field and a cookie, allocation.vote_views). To
change a vote the browser shows the old token and choice; the server checks them against the
commitment, moves one count in the box and stores the new commitment. A double click or a retry
sends the same token and choice again and changes nothing.

Every write locks the round's row first, so the votes of a round are counted one at a time; the
one-to-one `Participation.elector` holds one participation per voter per round in the database
even without that lock.

Deadlines: a round closes at the start of the day after its last day (Europe/Amsterdam). A vote at
or after `closes_at` is refused, whatever the scheduler did; a due round is closed by the Celery
schedule and by the first page that shows it.
"""

import datetime as dt
import hashlib
import math
import random
import secrets
from collections import Counter
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from projects.models import staff_to_notify
from residents.models import AssociationMembership, Contract, Person

from . import services
from .models import (
    AllocationEvent,
    Application,
    BallotBox,
    Decision,
    Elector,
    ElectorateKind,
    ElectorVia,
    EventKind,
    MessageKind,
    Outcome,
    Participation,
    RoundCandidate,
    RoundStatus,
    Vacancy,
    VacancyRoute,
    VacancyStatus,
    VoteMessage,
    VoteRound,
    VoteSettings,
    validate_shortlist_size,
)
from .models.core import OfferReason
from .ranking import vacancy_ranking

ABSTAIN = "abstain"
MAX_ROUND_DAYS = 60
REMINDER_BEFORE = dt.timedelta(hours=48)


class VoteRefused(ValidationError):
    """A vote that cannot be taken; the message says why. Nothing was changed."""


# Settings and the electorate


def members(project, today: dt.date):
    """Persons who are members of the project's association today."""
    return project.association_memberships.active(today).values("person_id")


def voters(project, today: dt.date):
    """Members who can vote online: they have an active login."""
    return Person.objects.filter(
        pk__in=members(project, today), user__isnull=False, user__is_active=True
    )


def neighbours(vacancy: Vacancy, today: dt.date):
    """Members with a login who live in the vacancy's cluster today."""
    if vacancy.unit.cluster_id is None:
        return voters(vacancy.project, today).none()
    living = Contract.objects.in_force(today).filter(unit__cluster_id=vacancy.unit.cluster_id)
    return (
        voters(vacancy.project, today)
        .filter(pk__in=living.values("person_id"))
        .order_by("first_name", "last_name", "pk")
    )


def electorate(settings: VoteSettings, project, today: dt.date, neighbour=None) -> dict[int, str]:
    """user id -> why they vote, for a round opened today."""
    if settings.electorate == ElectorateKind.MEMBERS:
        return dict.fromkeys(
            voters(project, today).values_list("user_id", flat=True), ElectorVia.MEMBER
        )
    chosen = {}
    if settings.pk is not None:
        committee = voters(project, today).filter(pk__in=settings.committee.values("pk"))
        chosen = dict.fromkeys(committee.values_list("user_id", flat=True), ElectorVia.COMMITTEE)
    if neighbour is not None and neighbour.user_id and neighbour.user_id not in chosen:
        chosen[neighbour.user_id] = ElectorVia.NEIGHBOUR
    return chosen


def closes_at(last_day: dt.date) -> dt.datetime:
    """The deadline for a round whose last day is `last_day`: the next midnight in Amsterdam."""
    return timezone.make_aware(dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time()))


def percent_of(part: int, whole: int) -> int | None:
    """A whole percentage, or None when there is nothing to take it of."""
    return round(100 * part / whole) if whole else None


def quorum_needed(electorate_size: int, percent: int) -> int:
    return math.ceil(electorate_size * percent / 100)


def _log(
    round_: VoteRound,
    kind: str,
    *,
    user=None,
    reason: str = "",
    candidate=None,
    facts: dict | None = None,
) -> None:
    """Append a step of the round to the vacancy's history: `reason` as a person typed it, the
    system's facts for AllocationEvent.text to render in the reader's language."""
    AllocationEvent.objects.create(
        vacancy=round_.vacancy,
        kind=kind,
        actor=user,
        application_id=candidate.application_id if candidate else None,
        rank=candidate.rank_at_open if candidate else None,
        score=candidate.score_at_open if candidate else None,
        reason=reason,
        facts=facts or {},
    )


# Opening


@transaction.atomic
def round_open(
    *,
    vacancy: Vacancy,
    application_ids: list[int],
    last_day: dt.date,
    user,
    today: dt.date,
    neighbour=None,
) -> VoteRound:
    """Open a round on `vacancy` with a shortlist of eligible, consenting candidates."""
    vacancy = (
        Vacancy.objects.select_for_update(of=("self",))
        .select_related("project", "unit__cluster", "contract_type")
        .get(pk=vacancy.pk)
    )
    project = vacancy.project
    if not project.has_association:
        raise ValidationError(_("This project has no residents' association."))
    if vacancy.status != VacancyStatus.OPEN:
        raise ValidationError(_("Only an open vacancy without an offer out can go to a vote."))
    if vacancy.route != VacancyRoute.ASSOCIATION:
        raise ValidationError(
            _("This vacancy is let by staff; change its route to the association's vote first.")
        )
    if VoteRound.objects.filter(vacancy=vacancy, status=RoundStatus.OPEN).exists():
        raise ValidationError(_("A vote is running for this vacancy already."))
    errors: dict[str, list] = {}
    ids = list(dict.fromkeys(application_ids))
    try:
        validate_shortlist_size(len(ids))
    except ValidationError as error:
        errors["shortlist"] = error.messages
    ranking = vacancy_ranking(vacancy, today=today)
    chosen = []
    applications = Application.objects.select_related("person").in_bulk(ids)
    for pk in ids:
        item = ranking.find(pk)
        application = applications.get(pk)
        if item is None or application is None:
            errors.setdefault("shortlist", []).append(
                _("Candidate %(id)s is not eligible for this vacancy.") % {"id": pk}
            )
        elif not application.person.share_profile_consent:
            errors.setdefault("shortlist", []).append(
                _("%(name)s has not consented to share a profile with the association.")
                % {"name": application.person}
            )
        else:
            chosen.append((application, item))
    if not today < last_day <= today + dt.timedelta(days=MAX_ROUND_DAYS):
        errors["last_day"] = [
            _("The last day to vote lies between tomorrow and %(days)s days from today.")
            % {"days": MAX_ROUND_DAYS}
        ]
    settings = VoteSettings.for_project(project)
    if neighbour is not None and neighbour.pk not in set(
        neighbours(vacancy, today).values_list("pk", flat=True)
    ):
        errors["neighbour"] = [_("This person is not a member living in the unit's cluster.")]
    electors = electorate(settings, project, today, neighbour)
    if not electors and "neighbour" not in errors:
        errors.setdefault("shortlist", []).append(
            _("Nobody can vote: no member of the electorate has a login.")
        )
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    round_ = VoteRound.objects.create(
        vacancy=vacancy,
        project=project,
        opened_by=user,
        opened_at=now,
        closes_at=closes_at(last_day),
        electorate_kind=settings.electorate,
        quorum_percent=settings.quorum_percent,
        abstain_counts=settings.abstain_counts,
    )
    BallotBox.objects.create(round=round_)
    # The ballot's order is drawn, so that the ranking's order does not steer the vote.
    order = list(range(1, len(chosen) + 1))
    random.SystemRandom().shuffle(order)
    RoundCandidate.objects.bulk_create(
        RoundCandidate(
            round=round_,
            application=application,
            position=position,
            rank_at_open=item.rank,
            score_at_open=f"{item.score:.1f}",
            first_name=application.person.first_name,
            motivation=application.motivation,
            contribution=application.contribution,
            availability=application.availability,
        )
        for position, (application, item) in zip(order, chosen, strict=True)
    )
    Elector.objects.bulk_create(
        Elector(round=round_, user_id=user_id, via=via) for user_id, via in electors.items()
    )
    _message_all(round_, MessageKind.OPENED, electors)
    _log(
        round_,
        EventKind.VOTE_OPENED,
        user=user,
        facts={
            "candidates": len(chosen),
            "voters": len(electors),
            "last_day": last_day.isoformat(),
        },
    )
    return round_


# Voting


def new_token() -> str:
    return secrets.token_hex(16)


def commitment(round_id: int, user_id: int, token: str, choice: str) -> str:
    text = f"{round_id}:{user_id}:{token}:{choice}"
    return hashlib.sha256(text.encode()).hexdigest()


def valid_token(token: str) -> bool:
    return len(token) == 32 and all(c in "0123456789abcdef" for c in token)


@dataclass(frozen=True)
class Receipt:
    """What the voter's browser keeps: the token and the choice it commits to."""

    token: str
    choice: str

    def dumps(self) -> str:
        return f"{self.token}.{self.choice}"

    @classmethod
    def loads(cls, value: str | None) -> "Receipt | None":
        token, _dot, choice = (value or "").partition(".")
        if not valid_token(token) or not choice:
            return None
        return cls(token, choice)


def receipt_matches(participation: Participation | None, round_id, user_id, receipt) -> bool:
    return (
        participation is not None
        and receipt is not None
        and secrets.compare_digest(
            participation.receipt, commitment(round_id, user_id, receipt.token, receipt.choice)
        )
    )


@dataclass(frozen=True)
class Cast:
    receipt: Receipt
    changed: bool  # True when an earlier vote was changed
    repeated: bool  # True when this exact vote had been counted already


def vote_cast(
    *, round_id: int, user, choice: str, token: str, previous: Receipt | None, now=None
) -> Cast:
    """Count `user`'s vote for `choice` (a shortlisted candidate's id, or ABSTAIN).

    `token` comes from the form; `previous` is the receipt the browser kept, if any.
    """
    now = now or timezone.now()
    if not valid_token(token):
        raise VoteRefused(_("The form was damaged. Reload the page and vote again."))
    try:
        with transaction.atomic():
            return _vote_cast(round_id, user, choice, token, previous, now)
    except IntegrityError:
        # Only without the round lock (which every path takes) could this happen; the
        # database's one-participation rule refuses the second.
        raise VoteRefused(_("Your vote had been counted already.")) from None


def _vote_cast(round_id, user, choice, token, previous, now) -> Cast:
    round_ = VoteRound.objects.select_for_update().filter(pk=round_id).first()
    if round_ is None:
        raise VoteRefused(_("This vote does not exist."))
    if round_.status != RoundStatus.OPEN or now >= round_.closes_at:
        raise VoteRefused(_("This vote has closed; your vote was not counted."))
    elector = Elector.objects.filter(round=round_, user=user).first()
    if elector is None:
        raise VoteRefused(_("You are not among the voters of this round."))
    box = BallotBox.objects.select_for_update().get(round=round_)
    if choice != ABSTAIN:
        if not round_.shortlist.filter(pk=_int(choice)).exists():
            raise VoteRefused(_("Choose one of the candidates on the ballot, or abstain."))
        choice = str(_int(choice))  # "07" or " 7" count as 7, under the key the tally reads
    participation = Participation.objects.filter(elector=elector).first()
    receipt = Receipt(token, choice)
    if participation is None:
        Participation.objects.create(
            elector=elector, receipt=commitment(round_.pk, user.pk, token, choice)
        )
        _count(box, choice, +1)
        box.save()
        return Cast(receipt, changed=False, repeated=False)
    if receipt_matches(participation, round_.pk, user.pk, receipt):
        return Cast(receipt, changed=False, repeated=True)
    if not receipt_matches(participation, round_.pk, user.pk, previous):
        raise VoteRefused(
            _(
                "You have voted already. A vote can be changed only in the browser it was cast "
                "in, so that nobody else can see or change it."
            )
        )
    _count(box, previous.choice, -1)
    _count(box, choice, +1)
    box.save()
    participation.receipt = commitment(round_.pk, user.pk, token, choice)
    participation.save(update_fields=["receipt"])
    return Cast(receipt, changed=previous.choice != choice, repeated=False)


def _int(value: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _count(box: BallotBox, choice: str, delta: int) -> None:
    if choice == ABSTAIN:
        box.abstentions += delta
    else:
        box.counts[choice] = box.counts.get(choice, 0) + delta


def turnout(round_: VoteRound) -> tuple[int, int]:
    """(voted, electorate): the only figure shown while a round runs; fixed once it closed."""
    if round_.status == RoundStatus.CLOSED and round_.electorate_size is not None:
        return round_.voted, round_.electorate_size
    electors = Elector.objects.filter(round=round_)
    return electors.filter(participation__isnull=False).count(), electors.count()


# Closing and the result


@dataclass(frozen=True)
class Result:
    rows: list[tuple[RoundCandidate, int]]  # on the ballot's order
    abstentions: int
    voted: int
    electorate: int
    needed: int
    counting: int  # the votes that count towards the quorum
    outcome: str
    winners: list[RoundCandidate]


def tally(round_: VoteRound, box: BallotBox, voted: int, electorate: int) -> Result:
    shortlist = list(round_.shortlist.all())
    rows = [(c, int(box.counts.get(str(c.pk), 0))) for c in shortlist]
    counting = voted if round_.abstain_counts else voted - box.abstentions
    needed = quorum_needed(electorate, round_.quorum_percent)
    top = max((n for _c, n in rows), default=0)
    winners = [c for c, n in rows if n == top and top > 0]
    if counting < needed or voted == 0:
        outcome = Outcome.NO_QUORUM
    elif len(winners) == 1:
        outcome = Outcome.WINNER
    else:
        outcome = Outcome.TIE
        winners = winners or [c for c, _n in rows]
    return Result(rows, box.abstentions, voted, electorate, needed, counting, outcome, winners)


def result(round_: VoteRound) -> Result:
    """The tally of a closed round. Refuses while the round runs: then only turnout is shown."""
    if round_.status != RoundStatus.CLOSED:
        raise ValueError("The tally of a round is read only after it closed.")
    voted, size = turnout(round_)
    return tally(round_, round_.box, voted, size)


def close_if_due(round_id: int, *, now=None) -> bool:
    """Close the round if its deadline has passed and it is still open; True when this call did."""
    now = now or timezone.now()
    with transaction.atomic():
        round_ = (
            VoteRound.objects.select_for_update(of=("self",))
            .select_related("vacancy__project")
            .filter(pk=round_id, status=RoundStatus.OPEN, closes_at__lte=now)
            .first()
        )
        if round_ is None:
            return False
        voted, size = turnout(round_)
        outcome = tally(round_, BallotBox.objects.get(round=round_), voted, size)
        round_.status = RoundStatus.CLOSED
        round_.closed_at = now
        round_.outcome = outcome.outcome
        round_.winner = outcome.winners[0] if outcome.outcome == Outcome.WINNER else None
        round_.electorate_size, round_.voted, round_.quorum = size, voted, outcome.needed
        round_.save(
            update_fields=[
                "status",
                "closed_at",
                "outcome",
                "winner",
                "electorate_size",
                "voted",
                "quorum",
            ]
        )
        _log(
            round_,
            EventKind.VOTE_CLOSED,
            candidate=round_.winner,
            facts={"outcome": round_.outcome, "voted": voted, "electorate": size},
        )
        electors = dict(Elector.objects.filter(round=round_).values_list("user_id", "via"))
        _message_all(round_, MessageKind.RESULT, electors)
        _message_all(round_, MessageKind.STAFF_RESULT, _staff_of(round_))
    return True


def rounds_close_due(rounds=None, *, now=None) -> int:
    """Close every due round (of `rounds`, else all); the schedule and list pages call this."""
    now = now or timezone.now()
    due = (rounds if rounds is not None else VoteRound.objects.all()).due(now)
    return sum(close_if_due(pk, now=now) for pk in list(due.values_list("pk", flat=True)))


@transaction.atomic
def round_cancel(*, round_: VoteRound, reason: str, user) -> VoteRound:
    """Stop a running round. Its tally is discarded unread: cancelling never shows how it stood."""
    round_ = VoteRound.objects.select_for_update(of=("self",)).get(pk=round_.pk)
    if round_.status != RoundStatus.OPEN:
        raise ValidationError(_("Only a running vote can be cancelled."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason.")})
    BallotBox.objects.filter(round=round_).update(counts={}, abstentions=0)
    round_.status = RoundStatus.CANCELLED
    round_.closed_at = timezone.now()
    round_.cancel_reason = reason.strip()
    round_.save(update_fields=["status", "closed_at", "cancel_reason"])
    VoteMessage.objects.filter(round=round_, sent_at__isnull=True).update(
        cancelled_at=round_.closed_at
    )
    _log(round_, EventKind.VOTE_CANCELLED, user=user, reason=round_.cancel_reason)
    return round_


@transaction.atomic
def round_decide(
    *,
    round_: VoteRound,
    application: Application | None,
    reason: str,
    reply_by: dt.date,
    user,
    today: dt.date,
):
    """Staff decide on a closed round: an offer to the winner, to number 1 of the ranking when
    the vote gave no winner, or otherwise with a reason; or no offer (with a reason)."""
    round_ = (
        VoteRound.objects.select_for_update(of=("self",))
        .select_related("vacancy__project", "vacancy__unit__cluster", "vacancy__contract_type")
        .get(pk=round_.pk)
    )
    if round_.status != RoundStatus.CLOSED:
        raise ValidationError(_("A decision can be made only after the vote has closed."))
    if round_.decision:
        raise ValidationError(_("This vote has been decided on already."))
    reason = reason.strip()
    winner = round_.winner
    first = vacancy_ranking(round_.vacancy, today=today).first
    if application is None:
        decision = Decision.NO_OFFER
    elif winner is not None and application.pk == winner.application_id:
        decision = Decision.CONFIRMED
    elif winner is None and first is not None and application.pk == first.candidate.application_id:
        decision = Decision.RANKING
    else:
        decision = Decision.OTHER
    if decision in (Decision.OTHER, Decision.NO_OFFER) and not reason:
        raise ValidationError(
            {
                "reason": _("Give the reason for deciding otherwise than the vote.")
                if winner is not None
                else _("Give the reason for deciding otherwise than the allocation ranking.")
            }
        )
    offer = None
    if application is not None:
        try:
            offer = services.offer_make(
                vacancy=round_.vacancy,
                application=application,
                reason=reason,
                reason_code="" if reason else offer_reason_code(round_, decision),
                reply_by=reply_by,
                user=user,
                today=today,
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                raise
            raise ValidationError({"application": error.messages}) from None
    round_.decision = decision
    round_.decision_reason = reason
    round_.decided_by = user
    round_.decided_at = timezone.now()
    round_.offer = offer
    round_.save(update_fields=["decision", "decision_reason", "decided_by", "decided_at", "offer"])
    _log(
        round_,
        EventKind.VOTE_DECIDED,
        user=user,
        reason=reason,
        facts={"decision": decision},
    )
    return round_


def offer_reason_code(round_: VoteRound, decision: str) -> str:
    """The reason an offer that follows the vote has without one typed (OfferReason): the
    winner confirmed, or number 1 of the ranking after a tie or without a quorum."""
    if decision == Decision.CONFIRMED:
        return OfferReason.VOTE_WINNER
    if round_.outcome == Outcome.TIE:
        return OfferReason.VOTE_TIE
    return OfferReason.VOTE_NO_QUORUM


# How often the association chose otherwise than the ranking


@dataclass(frozen=True)
class Drift:
    rounds: int  # closed rounds
    with_winner: int
    ranking_first: int  # the association chose the ranking's number 1
    differed: int
    confirmed: int
    overridden: int  # staff decided otherwise than the winner
    ranks: Counter  # winner's place in the ranking -> how often

    @property
    def differed_percent(self) -> int | None:
        return percent_of(self.differed, self.with_winner)


def drift(rounds) -> Drift:
    closed = list(
        rounds.filter(status=RoundStatus.CLOSED).values_list(
            "outcome", "winner__rank_at_open", "decision"
        )
    )
    winners = [(rank, decision) for outcome, rank, decision in closed if outcome == Outcome.WINNER]
    return Drift(
        rounds=len(closed),
        with_winner=len(winners),
        ranking_first=sum(rank == 1 for rank, _d in winners),
        differed=sum(rank != 1 for rank, _d in winners),
        confirmed=sum(d == Decision.CONFIRMED for _r, d in winners),
        overridden=sum(d in (Decision.OTHER, Decision.NO_OFFER) for _r, d in winners),
        ranks=Counter(rank for rank, _d in winners),
    )


# Messages (e-mailed by allocation.vote_messages)


def _staff_of(round_: VoteRound) -> list[int]:
    project = round_.vacancy.project
    return staff_to_notify([project])[project.pk]


def _message_all(round_: VoteRound, kind: str, users) -> None:
    VoteMessage.objects.bulk_create(
        [VoteMessage(round=round_, user_id=u, kind=kind) for u in sorted(set(users) - {None})],
        ignore_conflicts=True,
    )
    from .vote_messages import enqueue

    enqueue(round_.pk)


def reminders_due(now=None) -> int:
    """Remind the electors who have not voted, once, from 48 hours before the close."""
    now = now or timezone.now()
    made = 0
    rounds = VoteRound.objects.open().filter(
        closes_at__gt=now, closes_at__lte=now + REMINDER_BEFORE
    )
    for round_ in rounds:
        if round_.closes_at - REMINDER_BEFORE <= round_.opened_at:
            continue  # a round of two days or less: the opening message is the reminder
        waiting = Elector.objects.filter(round=round_, participation__isnull=True)
        before = VoteMessage.objects.filter(round=round_, kind=MessageKind.REMINDER).count()
        _message_all(round_, MessageKind.REMINDER, waiting.values_list("user_id", flat=True))
        made += VoteMessage.objects.filter(round=round_, kind=MessageKind.REMINDER).count() - before
    return made


def still_wanted(message: VoteMessage) -> bool:
    """A reminder goes only to who has not voted, and only while the round runs."""
    if message.kind != MessageKind.REMINDER:
        return True
    round_ = message.round
    return (
        round_.status == RoundStatus.OPEN
        and timezone.now() < round_.closes_at
        and not Participation.objects.filter(
            elector__round=round_, elector__user=message.user
        ).exists()
    )


def member_project_ids(user, today: dt.date) -> list[int]:
    person = getattr(user, "person", None) if user.is_authenticated else None
    if person is None:
        return []
    return list(
        AssociationMembership.objects.active(today)
        .filter(person=person)
        .values_list("project_id", flat=True)
    )

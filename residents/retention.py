"""Personal-data retention (AVG art. 5(1)(e)): what is erased a set time after it is no longer
needed, and the run that does it.

Who is due (`plan`), per corporation, with the corporation's RetentionPolicy or the defaults:

- a **tenant** (someone with a signed contract) is due `tenant_months` (24) calendar months
  after the last day of their last contract: a contract that ended on 3 December 2024 is due on
  3 December 2026 and not on 2 December; one that ended on 29 February 2024 is due on
  28 February 2026 (residents.dates.add_months clamps to the month's end). Should they have
  applied again later, the candidate period of that application is waited for too;
- a **candidate who was never placed** (no contract of theirs exists, in any status) is due
  `candidate_months` (12) months after their last application: the latest day one of their
  applications was made or one of its offers was made or answered. A person with neither a
  contract nor an application counts from the day the record was made;
- **never due**: anyone with a contract that holds today or later (a draft, an upcoming one, one
  in force, one continuing open-ended after a missed notice), an active application or an open
  offer; and anyone already anonymised (`Person.anonymised_on`).

What a real run does with a due person, model by model. The dashboard counts contracts (by
dates, type, unit, the tenant's role and target group, the dragend contribution hours), notices
and decisions (they decide a contract's certain end), guidance extensions, warnings and electors,
each with its `cell_key`; those rows are **kept and anonymised**, never deleted, so a closed
period's counts stay what they were:

- Person: kept; names, reference, date of birth, e-mail, phone, care contact, notes, preferred
  language, wheelchair need and sharing consent are blanked (defaults); the login account is
  deleted (only detached when it also works for an organisation or is an administrator's);
  corporation, role, target group,
  household size, contribution hours and care organisation stay; `anonymised_on` is set, and
  the name then reads "Anonymised person <id>";
- the Person's change history (simple_history): deleted, every row (copies of the above);
- Contract: kept; `start_note` blanked. Its history rows: kept (dates and status changes
  account for a letting), their `start_note` and change reason blanked;
- Notice: kept; the uploaded document is removed from storage once the transaction commits;
- ContractDocument (a contract summary, an omklap decision letter): deleted, row and file;
- the offer letter: its file and the address it was e-mailed to removed, and the address in the
  offer's history; a batch of notice letters holding one of theirs loses its one PDF;
- LapseDecision, GuidanceExtension, ResidentWarning: kept; the free-text reason blanked;
- CheckIn: kept (scores, dates); the note blanked;
- AssociationMembership: kept as it is (dates only);
- Application: kept (the offers and ballots point to it); motivation, contribution and
  availability blanked;
- Offer and AllocationEvent of their applications: kept; what staff typed (reason, note on the
  answer) blanked; the scoring explanation (group, dates) stays;
- RoundCandidate (the profile voters saw): kept (a ballot's places); first name, motivation,
  contribution and availability blanked;
- audit entries (projects.audit): removed when past their own period, whoever they are about.

A real run is all-or-nothing per corporation (one transaction; the due persons are locked and
planned again inside it, so a contract signed in between keeps its tenant); a dry run changes
nothing but its own RetentionRun record, which lists what would go as (kind, id, due date).
"""

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone

from projects import audit
from projects.models import Organisation, OrganisationKind

from .dates import add_months
from .models import (
    IN_FORCE,
    CheckIn,
    Contract,
    ContractDocument,
    ContractStatus,
    GuidanceExtension,
    Language,
    LapseDecision,
    Notice,
    NoticeBatch,
    Person,
    ResidentWarning,
    RetentionPolicy,
    RetentionRun,
    RetentionTrigger,
)
from .models.state import not_over_q

TENANT = "tenant"
CANDIDATE = "candidate"


@dataclass(frozen=True)
class Due:
    """A person whose personal data is due to go, and the day it became due."""

    kind: str  # TENANT or CANDIDATE
    person_id: int
    due_on: dt.date
    since: dt.date  # the day the period is counted from

    def as_json(self, corporation_id: int) -> dict:
        return {
            "kind": self.kind,
            "id": self.person_id,
            "due": self.due_on.isoformat(),
            "corporation": corporation_id,
        }


@dataclass
class CorporationPlan:
    corporation: Organisation
    policy: RetentionPolicy  # unsaved (pk None) when the defaults apply
    tenants: list[Due] = field(default_factory=list)
    candidates: list[Due] = field(default_factory=list)

    @property
    def due(self) -> list[Due]:
        return self.tenants + self.candidates

    @property
    def person_ids(self) -> list[int]:
        return [due.person_id for due in self.due]


def _local_day(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localtime(moment).date() if moment else None


def _latest(*days) -> dt.date | None:
    days = [day for day in days if day]
    return max(days) if days else None


def _last_applications(person_ids) -> dict[int, dt.date]:
    """{person: the last day one of their applications was made or an offer on it was made or
    answered}, for persons with an application."""
    from allocation.models import Application, Offer

    result: dict[int, dt.date] = {}
    applied = (
        Application.objects.filter(person_id__in=person_ids)
        .values("person_id")
        .annotate(last=Max("created_at"))
        .order_by()
    )
    for row in applied:
        result[row["person_id"]] = _local_day(row["last"])
    offered = (
        Offer.objects.filter(application__person_id__in=person_ids)
        .values("application__person_id")
        .annotate(made=Max("created_at"), answered=Max("responded_at"))
        .order_by()
    )
    for row in offered:
        pk = row["application__person_id"]
        result[pk] = _latest(result.get(pk), _local_day(row["made"]), _local_day(row["answered"]))
    return result


def _candidates_blocked_q() -> Q:
    from allocation.models import Application, ApplicationStatus, Offer, OfferStatus

    return Q(
        Exists(Application.objects.filter(person=OuterRef("pk"), status=ApplicationStatus.ACTIVE))
    ) | Q(Exists(Offer.objects.filter(application__person=OuterRef("pk"), status=OfferStatus.OPEN)))


def _plan_corporation(corporation: Organisation, today: dt.date, persons=None) -> CorporationPlan:
    policy = RetentionPolicy.for_corporation(corporation)
    result = CorporationPlan(corporation=corporation, policy=policy)
    holding = Contract.objects.filter(person=OuterRef("pk")).filter(
        Q(status=ContractStatus.DRAFT) | (Q(status__in=IN_FORCE) & not_over_q(today))
    )
    people = (
        (persons if persons is not None else Person.objects.all())
        .filter(corporation=corporation, anonymised_on__isnull=True)
        .exclude(Exists(holding))
        .exclude(_candidates_blocked_q())
        .annotate(
            placed=Exists(Contract.objects.filter(person=OuterRef("pk"))),
            last_end=Max("contracts__end_date", filter=Q(contracts__status__in=IN_FORCE)),
        )
        .order_by("pk")
        .values_list("pk", "placed", "last_end", "created_at")
    )
    rows = list(people)
    applied = _last_applications([pk for pk, *_ in rows])
    for pk, placed, last_end, created_at in rows:
        last_applied = applied.get(pk)
        if placed:
            if last_end is None:  # pragma: no cover - a signed contract without an end holds
                continue
            due_on = add_months(last_end, policy.tenant_months)
            if last_applied:
                due_on = max(due_on, add_months(last_applied, policy.candidate_months))
            if due_on <= today:
                result.tenants.append(Due(TENANT, pk, due_on, last_end))
        else:
            since = last_applied or _local_day(created_at)
            due_on = add_months(since, policy.candidate_months)
            if due_on <= today:
                result.candidates.append(Due(CANDIDATE, pk, due_on, since))
    return result


def plan(today: dt.date, corporation: Organisation | None = None) -> list[CorporationPlan]:
    """What is due on `today`, per corporation (name order), for one corporation or all of
    them; changes nothing."""
    if corporation is not None:
        corporations = [corporation]
    else:
        corporations = Organisation.objects.filter(kind=OrganisationKind.CORPORATION).order_by(
            "name", "pk"
        )
    return [_plan_corporation(corp, today) for corp in corporations]


def anonymise(person_ids: list[int], today: dt.date) -> None:
    """Erase the personal data of these persons as the module docstring says. Call it inside a
    transaction: the notice documents are removed from storage once it commits."""
    from allocation.models import (
        AllocationEvent,
        Application,
        EventKind,
        Offer,
        RoundCandidate,
        VoteRound,
    )

    if not person_ids:
        return
    contracts = list(Contract.objects.filter(person_id__in=person_ids).values_list("pk", flat=True))
    notices = Notice.objects.filter(contract_id__in=contracts).exclude(document="")
    files = [(notice.document.storage, notice.document.name) for notice in notices]
    notices.update(document="")
    # The letters made for them: a contract's documents go, row and file; an offer letter's
    # file and address go; a batch of notice letters that holds one of theirs loses its PDF
    # (each other tenant's letter stays with their own notice).
    documents = ContractDocument.objects.filter(contract_id__in=contracts)
    files += [(document.file.storage, document.file.name) for document in documents]
    documents.delete()
    offers = Offer.objects.filter(application__person_id__in=person_ids)
    files += [(offer.letter.storage, offer.letter.name) for offer in offers.exclude(letter="")]
    offers.update(letter="", letter_mailed_to="", letter_mail_error="")
    AllocationEvent.objects.filter(
        application__person_id__in=person_ids,
        kind__in=[EventKind.LETTER_MADE, EventKind.LETTER_SENT, EventKind.LETTER_FAILED],
    ).update(facts={})
    theirs = set(contracts)
    for batch in NoticeBatch.objects.exclude(file=""):
        if theirs.intersection(batch.contract_ids):
            files.append((batch.file.storage, batch.file.name))
            NoticeBatch.objects.filter(pk=batch.pk).update(file="")

    def remove_files() -> None:
        for storage, name in files:
            storage.delete(name)

    transaction.on_commit(remove_files)

    logins = list(
        Person.objects.filter(pk__in=person_ids, user__isnull=False).values_list("user", flat=True)
    )
    Person.objects.filter(pk__in=person_ids).update(
        first_name="",
        last_name="",
        reference="",
        date_of_birth=None,
        email="",
        phone="",
        preferred_language=Language.NL,
        care_contact_name="",
        care_contact_email="",
        care_contact_phone="",
        needs_accessible=False,
        share_profile_consent=False,
        notes="",
        user=None,
        anonymised_on=today,
    )
    Person.history.filter(id__in=person_ids).delete()
    Contract.objects.filter(pk__in=contracts).update(start_note="")
    Contract.history.filter(id__in=contracts).update(start_note="", history_change_reason=None)
    LapseDecision.objects.filter(contract_id__in=contracts).update(reason="")
    GuidanceExtension.objects.filter(contract_id__in=contracts).update(reason="")
    CheckIn.objects.filter(contract_id__in=contracts).update(note="")
    ResidentWarning.objects.filter(
        Q(person_id__in=person_ids) | Q(contract_id__in=contracts)
    ).update(reason="")
    applications = Application.objects.filter(person_id__in=person_ids)
    applications.update(motivation="", contribution="", availability="")
    Offer.objects.filter(application__in=applications).update(reason="", response_note="")
    AllocationEvent.objects.filter(application__in=applications).update(reason="")
    RoundCandidate.objects.filter(application__in=applications).update(
        first_name="", motivation="", contribution="", availability=""
    )
    # What staff typed deciding or cancelling a vote the person was on the ballot of may name
    # them, and is stored with no link to them: blanked for every such round.
    rounds = VoteRound.objects.filter(shortlist__application__in=applications).values("pk")
    VoteRound.objects.filter(pk__in=rounds).update(decision_reason="", cancel_reason="")
    AllocationEvent.objects.filter(
        vacancy__vote_rounds__in=rounds,
        kind__in=[EventKind.VOTE_DECIDED, EventKind.VOTE_CANCELLED],
    ).update(reason="")
    _remove_logins(logins)


def _remove_logins(user_ids: list[int]) -> None:
    """A resident's login holds their name and e-mail too: it is deleted, unless it also works
    for an organisation or administers the site (then only detached). Deleting a login changes
    no vote figure (allocation.models.votes: electors and vote e-mails are kept, user emptied)."""
    User = get_user_model()
    User.objects.filter(
        pk__in=user_ids, memberships__isnull=True, is_staff=False, is_superuser=False
    ).delete()


def _counts(corporation_plan: CorporationPlan) -> dict:
    return {
        "name": corporation_plan.corporation.name,
        "tenants": len(corporation_plan.tenants),
        "candidates": len(corporation_plan.candidates),
    }


def _moment(today: dt.date) -> dt.datetime:
    """Now, or the same time of day on `today` when a run is made for another day."""
    now = timezone.localtime()
    if today == now.date():
        return now
    return now.replace(year=today.year, month=today.month, day=today.day)


def run(
    *,
    today: dt.date | None = None,
    dry_run: bool,
    trigger: str = RetentionTrigger.SCHEDULE,
    started_by: str = "",
) -> RetentionRun:
    """Apply (or, with `dry_run`, only list) what is due on `today`, then purge the audit
    entries past their period, and record the run. Each corporation is one transaction; a
    corporation that fails is recorded as such, the others go on, and the error is raised at
    the end."""
    from allocation.models import Application

    today = today or timezone.localdate()
    record = RetentionRun.objects.create(
        started_at=timezone.now(),
        today=today,
        dry_run=dry_run,
        trigger=trigger,
        started_by=started_by[:254],
    )
    counts: dict = {}
    planned: list[dict] = []
    failure: Exception | None = None
    for corporation_plan in plan(today):
        corporation = corporation_plan.corporation
        if dry_run:
            done = corporation_plan
            planned += [due.as_json(corporation.pk) for due in done.due]
        else:
            try:
                with transaction.atomic():
                    due = Person.objects.filter(pk__in=corporation_plan.person_ids)
                    list(due.select_for_update().values_list("pk", flat=True))
                    # Their applications too: reactivating one, or an offer on one (whose
                    # insert takes a key-share lock), waits until this run has committed.
                    list(
                        Application.objects.filter(person__in=due)
                        .select_for_update()
                        .values_list("pk", flat=True)
                    )
                    done = _plan_corporation(corporation, today, persons=due)
                    anonymise(done.person_ids, today)
            except Exception as exc:  # recorded here, and raised after the others
                counts[str(corporation.pk)] = {
                    "name": corporation.name,
                    "tenants": 0,
                    "candidates": 0,
                    "failed": type(exc).__name__,
                }
                failure = failure or exc
                continue
        counts[str(corporation.pk)] = _counts(done)
    counts["audit"] = audit.purge_expired(now=_moment(today), dry_run=dry_run)
    record.counts = counts
    record.planned = planned
    record.finished_at = timezone.now()
    record.save(update_fields=["counts", "planned", "finished_at"])
    if failure is not None:
        raise failure
    return record


def planned_rows(record: RetentionRun) -> list[dict]:
    """A dry run's list with dates as dates and the corporation's name, for pages and the
    command."""
    names = {key: value.get("name", "") for key, value in record.counts.items() if key != "audit"}
    return [
        {
            **item,
            "due": dt.date.fromisoformat(item["due"]),
            "corporation_name": names.get(str(item.get("corporation")), ""),
        }
        for item in record.planned
    ]

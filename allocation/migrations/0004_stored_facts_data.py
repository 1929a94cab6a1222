"""Give the steps and offers written before they kept their facts those facts, where the database
still knows them, so that they are shown in the reader's language.

Converted: a vacancy opened from a contract (its `source_contract`), an offer that expired (its
reply date), an offer made from a batch plan (its plan), an offer that followed the association's
vote without a typed reason (its round's decision and outcome), the "offer made" step of those
two, and the decision step of a vacancy with one decided round. Everything else (a step whose
facts are gone, a round's opening or closing counts) keeps its text and is shown as it is.
"""

from django.db import migrations

# (the round's decision, its outcome) -> the reason of an offer made on it without a typed one
VOTE_REASONS = {
    ("confirmed", "winner"): "vote_winner",
    ("ranking", "tie"): "vote_tie",
    ("ranking", "no_quorum"): "vote_no_quorum",
}


def event_facts(kind: str, *, source_contract_id=None, reply_by=None) -> dict | None:
    """The facts of an old step of `kind`, or None when the database no longer tells them."""
    if kind == "opened" and source_contract_id is not None:
        return {"contract": source_contract_id}
    if kind == "expired" and reply_by is not None:
        return {"reply_by": reply_by.isoformat()}
    return None


def offer_reason_code(*, plan_id=None, decision="", outcome="", decision_reason="") -> str:
    """The system's reason an old offer's text stood for; empty when staff typed it."""
    if plan_id is not None:
        return "plan"  # a plan's offers always had the generated sentence
    if decision_reason:
        return ""
    return VOTE_REASONS.get((decision, outcome), "")


def convert(apps, schema_editor=None) -> int:
    """Convert what can be converted; returns the number of rows changed."""
    AllocationEvent = apps.get_model("allocation", "AllocationEvent")
    Offer = apps.get_model("allocation", "Offer")
    VoteRound = apps.get_model("allocation", "VoteRound")
    changed = 0
    old = AllocationEvent.objects.filter(facts={})
    for event in old.filter(kind__in=("opened", "expired")).select_related("vacancy", "offer"):
        facts = event_facts(
            event.kind,
            source_contract_id=event.vacancy.source_contract_id,
            reply_by=event.offer.reply_by if event.offer_id else None,
        )
        if facts is not None:
            event.facts, event.reason = facts, ""
            event.save(update_fields=["facts", "reason"])
            changed += 1
    rounds = {r.offer_id: r for r in VoteRound.objects.filter(offer__isnull=False)}
    offers = Offer.objects.filter(reason_code="").exclude(reason="").select_related("plan")
    for offer in offers:
        round_ = rounds.get(offer.pk)
        code = offer_reason_code(
            plan_id=offer.plan_id,
            decision=round_.decision if round_ else "",
            outcome=round_.outcome if round_ else "",
            decision_reason=round_.decision_reason if round_ else "",
        )
        if not code:
            continue
        facts = {"offer_reason": code}
        if offer.plan_id:
            facts["plan_at"] = offer.plan.created_at.isoformat()
        changed += old.filter(kind="offered", offer=offer, reason=offer.reason).update(
            facts=facts, reason=""
        )
        offer.reason_code, offer.reason = code, ""
        offer.save(update_fields=["reason_code", "reason"])
        changed += 1
    decided = {}
    for round_ in VoteRound.objects.exclude(decision=""):
        decided.setdefault(round_.vacancy_id, []).append(round_)
    for event in old.filter(kind="vote_decided"):
        rounds_of = decided.get(event.vacancy_id, [])
        if (
            len(rounds_of) != 1
            or old.filter(kind="vote_decided", vacancy_id=event.vacancy_id).count() != 1
        ):
            continue  # which round the step was about is not certain
        round_ = rounds_of[0]
        event.facts, event.reason = {"decision": round_.decision}, round_.decision_reason
        event.save(update_fields=["facts", "reason"])
        changed += 1
    return changed


class Migration(migrations.Migration):
    dependencies = [
        ("allocation", "0003_stored_facts"),
    ]

    operations = [
        migrations.RunPython(convert, migrations.RunPython.noop, elidable=True),
    ]

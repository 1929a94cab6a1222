"""Staff pages of the association's vote: the rounds of a project with the drift from the
ranking, the project's vote settings, opening a round, one round, deciding on it, cancelling it.

Secrecy: while a round runs these pages show its turnout only, never the tally; the tally is
read through voting.result, which refuses until the round has closed.
"""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, prefetch_related_objects
from django.db.models.functions import Coalesce
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from projects import access
from projects.forms import add_model_errors
from projects.lists import page_of
from residents.models import Person

from . import voting
from .access import get_round_for_user, get_vacancy_for_user
from .forms import ReasonForm
from .models import (
    AllocationSettings,
    Application,
    ElectorateKind,
    RoundCandidate,
    RoundStatus,
    VacancyRoute,
    VacancyStatus,
    VoteRound,
    VoteSettings,
)
from .ranking import vacancy_ranking
from .vote_forms import RoundDecideForm, RoundFilterForm, RoundOpenForm, VoteSettingsForm

# Candidates offered for the shortlist: the top of the ranking (a shortlist holds at most 6).
SHORTLIST_CHOICES = 50
PRESELECTED = 4
EXPLANATION_LINES = 3


# The project's rounds


def round_list(request, pk):
    project = access.get_project_for_user(request.user, pk)
    rounds = project.vote_rounds.all()
    voting.rounds_close_due(rounds)
    drift = voting.drift(rounds)
    filter_form = RoundFilterForm(request.GET)
    shown = rounds
    if filter_form.is_valid() and filter_form.cleaned_data["status"]:
        shown = shown.filter(status=filter_form.cleaned_data["status"])
    shown = (
        shown.select_related("vacancy__unit", "winner")
        .annotate(
            # A closed round's figures are the ones fixed at its close.
            shown_electorate=Coalesce("electorate_size", Count("electors", distinct=True)),
            shown_voted=Coalesce("voted", Count("electors__participation", distinct=True)),
        )
        .order_by("-opened_at", "-pk")
    )
    page_obj = page_of(request, shown)
    return render(
        request,
        "allocation/round_list.html",
        {
            "project": project,
            "filter_form": filter_form,
            "page_obj": page_obj,
            "drift": drift,
            "ranks": sorted(drift.ranks.items()),
            "undecided": drift.with_winner - drift.confirmed - drift.overridden,
            "can_write": access.can_write(request.user, project.corporation_id),
        },
    )


def vote_settings(request, pk):
    project = access.get_project_for_user(request.user, pk)
    can_write = access.can_write(request.user, project.corporation_id)
    if request.method == "POST":
        access.require_write(request.user, project.corporation_id)
    today = timezone.localdate()
    form = VoteSettingsForm(
        request.POST or None,
        instance=VoteSettings.for_project(project),
        project=project,
        today=today,
        read_only=not can_write,
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The vote settings are saved."))
        return redirect("allocation:round_list", pk=project.pk)
    members = Person.objects.filter(pk__in=voting.members(project, today)).count()
    voters = voting.voters(project, today).count()
    return render(
        request,
        "allocation/vote_settings.html",
        {
            "project": project,
            "form": form,
            "can_write": can_write,
            "members": members,
            "voters": voters,
            "without_login": members - voters,
        },
    )


# Opening a round


def _refusal(vacancy) -> str:
    """Why this vacancy cannot go to a vote now; empty when it can."""
    if not vacancy.project.has_association:
        return _("This project has no residents' association.")
    if vacancy.status != VacancyStatus.OPEN:
        return _("Only an open vacancy without an offer out can go to a vote.")
    if vacancy.route != VacancyRoute.ASSOCIATION:
        return _("This vacancy is let by staff; change its route to the association's vote first.")
    if VoteRound.objects.filter(vacancy=vacancy, status=RoundStatus.OPEN).exists():
        return _("A vote is running for this vacancy already.")
    return ""


def round_open(request, pk):
    vacancy = get_vacancy_for_user(request.user, pk, write=True)
    refusal = _refusal(vacancy)
    if refusal:
        messages.error(request, refusal)
        return redirect(vacancy)
    project = vacancy.project
    today = timezone.localdate()
    vote_settings = VoteSettings.for_project(project)
    ranking = vacancy_ranking(vacancy, today=today)
    items = ranking.ranked[:SHORTLIST_CHOICES]
    consent = dict(
        Application.objects.filter(pk__in=[i.candidate.application_id for i in items]).values_list(
            "pk", "person__share_profile_consent"
        )
    )
    with_neighbour = (
        vote_settings.electorate == ElectorateKind.COMMITTEE and vote_settings.add_neighbour
    )
    form = RoundOpenForm(
        request.POST or None,
        candidates=[(i.candidate.application_id, i.candidate.name) for i in items],
        neighbours=voting.neighbours(vacancy, today) if with_neighbour else None,
        initial={
            "last_day": today + dt.timedelta(days=vote_settings.round_days),
            "shortlist": [
                i.candidate.application_id for i in items if consent.get(i.candidate.application_id)
            ][:PRESELECTED],
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            round_ = voting.round_open(
                vacancy=vacancy,
                application_ids=form.cleaned_data["shortlist"],
                last_day=form.cleaned_data["last_day"],
                user=request.user,
                today=today,
                neighbour=form.cleaned_data.get("neighbour"),
            )
        except ValidationError as error:
            add_model_errors(form, error)
        else:
            messages.success(request, _("The vote is open; the voters are told by e-mail."))
            return redirect(round_)
    chosen = {str(value) for value in form["shortlist"].value() or []}
    rows = [
        {
            "item": item,
            "lines": item.lines[:EXPLANATION_LINES],
            "consent": consent.get(item.candidate.application_id, False),
            "checked": str(item.candidate.application_id) in chosen,
        }
        for item in items
    ]
    size = len(voting.electorate(vote_settings, project, today))
    return render(
        request,
        "allocation/round_open.html",
        {
            "vacancy": vacancy,
            "form": form,
            "rows": rows,
            "eligible": len(ranking.ranked),
            "vote_settings": vote_settings,
            "electorate_size": size,
            "quorum": voting.quorum_needed(size, vote_settings.quorum_percent),
            "with_neighbour": with_neighbour,
        },
    )


# One round


def _round(user, pk, *, write: bool = False) -> VoteRound:
    """The round, closed first when its deadline has passed (then loaded again)."""
    round_ = get_round_for_user(user, pk, write=write)
    if voting.close_if_due(round_.pk):
        round_ = get_round_for_user(user, pk, write=write)
    return round_


def _shortlist(round_: VoteRound) -> list[RoundCandidate]:
    """The shortlist with the candidates' names, loaded once: voting.result reads it from the
    same prefetch."""
    prefetch_related_objects(
        [round_],
        Prefetch(
            "shortlist", queryset=RoundCandidate.objects.select_related("application__person")
        ),
    )
    return list(round_.shortlist.all())


def _decide_form(round_: VoteRound, user, today: dt.date, data=None) -> RoundDecideForm:
    shortlist = sorted(round_.shortlist.all(), key=lambda c: c.rank_at_open)
    first = vacancy_ranking(round_.vacancy, today=today).first
    choices = [
        (
            str(candidate.application_id),
            (
                _("%(name)s (number %(rank)s in the ranking at opening): the association's choice")
                if candidate.pk == round_.winner_id
                else _("%(name)s (number %(rank)s in the ranking at opening)")
            )
            % {"name": candidate.application.person.full_name, "rank": candidate.rank_at_open},
        )
        for candidate in shortlist
    ]
    if first is not None and first.candidate.application_id not in {
        c.application_id for c in shortlist
    }:
        choices.append(
            (
                str(first.candidate.application_id),
                _("%(name)s: number 1 of the ranking now, not on the shortlist")
                % {"name": first.candidate.name},
            )
        )
    choices.append(("", _("No offer now")))
    if round_.winner_id is not None:
        preselected = str(round_.winner.application_id)
        reason_help = _(
            "Needed when you decide otherwise than the association's vote, or make no offer. "
            "It is kept with the round and the offer."
        )
    else:
        preselected = str(first.candidate.application_id) if first is not None else ""
        reason_help = _(
            "The vote gave no winner, so the allocation ranking decides: a reason is needed "
            "when you choose someone other than its number 1, or make no offer."
        )
    reply_days = AllocationSettings.for_project(round_.project).reply_days
    return RoundDecideForm(
        data,
        choices=choices,
        applications=Application.objects.for_user(user)
        .active()
        .filter(project_id=round_.project_id),
        today=today,
        reason_help=reason_help,
        initial={"application": preselected, "reply_by": today + dt.timedelta(days=reply_days)},
    )


def _round_page(request, round_: VoteRound, *, decide_form=None):
    shortlist = _shortlist(round_)
    can_write = access.can_write(request.user, round_.project.corporation_id)
    result = voting.result(round_) if round_.status == RoundStatus.CLOSED else None
    voted, size = (result.voted, result.electorate) if result else voting.turnout(round_)
    rows = [
        {"candidate": candidate} for candidate in sorted(shortlist, key=lambda c: c.rank_at_open)
    ]
    if result is not None:
        winners = {c.pk for c in result.winners}
        rows = [
            {
                "candidate": candidate,
                "votes": votes,
                "percent": voting.percent_of(votes, result.voted),
                "winner": candidate.pk in winners,
            }
            for candidate, votes in result.rows
        ]
        # Staff compare the vote with the ranking: rows in the ranking's order, not the ballot's.
        rows.sort(key=lambda row: row["candidate"].rank_at_open)
        if decide_form is None and can_write and not round_.decision:
            decide_form = _decide_form(round_, request.user, timezone.localdate())
    return render(
        request,
        "allocation/round_detail.html",
        {
            "round": round_,
            "vacancy": round_.vacancy,
            "rows": rows,
            "result": result,
            "voted": voted,
            "electorate_size": size,
            "turnout_percent": voting.percent_of(voted, size),
            "quorum": voting.quorum_needed(size, round_.quorum_percent),
            "last_day": round_.last_day,
            "decide_form": decide_form,
            "can_write": can_write,
        },
    )


def round_detail(request, pk):
    return _round_page(request, _round(request.user, pk))


@require_POST
def round_decide(request, pk):
    round_ = _round(request.user, pk, write=True)
    if round_.status != RoundStatus.CLOSED or round_.decision:
        messages.error(
            request,
            _("This vote cannot be decided on: it is running, was cancelled or has been decided."),
        )
        return redirect(round_)
    today = timezone.localdate()
    _shortlist(round_)
    form = _decide_form(round_, request.user, today, data=request.POST)
    if form.is_valid():
        try:
            round_ = voting.round_decide(
                round_=round_,
                application=form.cleaned_data["application"],
                reason=form.cleaned_data["reason"],
                reply_by=form.cleaned_data["reply_by"],
                user=request.user,
                today=today,
            )
        except ValidationError as error:
            add_model_errors(form, error)
        else:
            if round_.offer is not None:
                messages.success(
                    request,
                    _("Decided: the unit is offered to %(name)s.")
                    % {"name": round_.offer.application.person},
                )
                return redirect(round_.offer)
            messages.success(request, _("Decided: no offer from this vote."))
            return redirect(round_)
    return _round_page(request, round_, decide_form=form)


def round_cancel(request, pk):
    round_ = _round(request.user, pk, write=True)
    if round_.status != RoundStatus.OPEN:
        messages.error(request, _("Only a running vote can be cancelled."))
        return redirect(round_)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            voting.round_cancel(
                round_=round_, reason=form.cleaned_data["reason"], user=request.user
            )
        except ValidationError as error:
            add_model_errors(form, error)
        else:
            messages.success(request, _("The vote is cancelled; its tally was discarded unread."))
            return redirect(round_)
    return render(
        request,
        "allocation/round_cancel.html",
        {"round": round_, "vacancy": round_.vacancy, "form": form},
    )

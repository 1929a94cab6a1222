"""The voters' pages: the ballot of one round (vote, change the vote, see the result) and the list
of a member's rounds. Made for a phone, and for use without JavaScript.

Who sees a round here: its electors, and the members of its project's association (who see it,
and its result, but cannot vote unless they are electors). Anybody else gets 404; staff are sent
to the staff page of the round.

The browser keeps the voter's receipt (the token and the choice it commits to; see
allocation.voting) in a cookie for this round's page only, until the round closes. Only with it
can the vote be changed, and only it can show the voter their own choice.
"""

from django.conf import settings
from django.contrib import messages
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from projects.lists import page_of
from residents.models import AssociationMembership

from . import voting
from .models import Decision, Elector, Participation, RoundStatus, VoteRound

COOKIE_PREFIX = "mm_ballot_"


def rounds_for_voter(user):
    """Rounds the user votes in, or whose association the user is a member of today."""
    projects = voting.member_project_ids(user, timezone.localdate())
    electorships = Elector.objects.filter(user=user)
    return VoteRound.objects.filter(
        Q(pk__in=electorships.values("round_id")) | Q(project_id__in=projects)
    )


def cookie_name(round_: VoteRound) -> str:
    return f"{COOKIE_PREFIX}{round_.pk}"


def _get_round(request, pk) -> VoteRound:
    round_ = (
        rounds_for_voter(request.user)
        .select_related("vacancy__unit__cluster", "vacancy__contract_type", "project")
        .filter(pk=pk)
        .first()
    )
    if round_ is None:
        raise Http404
    return round_


def ballot(request, pk):
    try:
        round_ = _get_round(request, pk)
    except Http404:
        # Staff who follow a voter's link land on the staff page of the round.
        staff_round = VoteRound.objects.for_user(request.user).filter(pk=pk).first()
        if staff_round is None:
            raise
        return redirect(staff_round)
    if voting.close_if_due(round_.pk):
        round_.refresh_from_db()
    elector = Elector.objects.filter(round=round_, user=request.user).first()
    participation = (
        Participation.objects.filter(elector=elector).first() if elector is not None else None
    )
    receipt = voting.Receipt.loads(request.COOKIES.get(cookie_name(round_)))
    if not voting.receipt_matches(participation, round_.pk, request.user.pk, receipt):
        receipt = None
    error, status = "", 200
    if request.method == "POST":
        if elector is None:
            error, status = _("Only the electorate of this round can vote: you cannot."), 403
        else:
            try:
                cast = voting.vote_cast(
                    round_id=round_.pk,
                    user=request.user,
                    choice=request.POST.get("choice", ""),
                    token=request.POST.get("token", ""),
                    previous=receipt,
                )
            except voting.VoteRefused as refusal:
                error, status = " ".join(refusal.messages), 400
                round_.refresh_from_db()
                participation = Participation.objects.filter(elector=elector).first()
            else:
                return _counted(request, round_, cast)
    return render(
        request,
        "allocation/ballot.html",
        _context(round_, elector, participation, receipt) | {"error": error},
        status=status,
    )


def _counted(request, round_: VoteRound, cast: voting.Cast):
    if cast.repeated:
        messages.info(request, _("Your vote had been counted already; nothing changed."))
    elif cast.changed:
        messages.success(request, _("Your vote has been changed."))
    else:
        messages.success(request, _("Your vote has been counted."))
    response = redirect(round_.ballot_url())
    response.status_code = 303
    response.set_cookie(
        cookie_name(round_),
        cast.receipt.dumps(),
        expires=round_.closes_at,
        path=round_.ballot_url(),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


def _context(round_, elector, participation, receipt) -> dict:
    shortlist = list(round_.shortlist.all())
    context = {
        "round": round_,
        "vacancy": round_.vacancy,
        "shortlist": shortlist,
        "elector": elector,
        "voted": participation is not None,
        "receipt": receipt,
        "last_day": round_.last_day,
        "abstain": voting.ABSTAIN,
    }
    if receipt is not None:
        context["my_choice"] = next((c for c in shortlist if str(c.pk) == receipt.choice), None)
    if round_.status == RoundStatus.OPEN:
        voted, size = voting.turnout(round_)
        context |= {
            "turnout": (voted, size),
            "needed": voting.quorum_needed(size, round_.quorum_percent),
            "token": voting.new_token(),
            "can_vote": elector is not None,
        }
    elif round_.status == RoundStatus.CLOSED:
        result = voting.result(round_)
        top = max((n for _c, n in result.rows), default=0)
        context |= {
            "result": result,
            "result_rows": [
                (candidate, votes, votes == top and top > 0) for candidate, votes in result.rows
            ],
            "confirmed": round_.decision == Decision.CONFIRMED,
        }
    return context


def my_votes(request):
    """The member's rounds: running ones first, then closed ones with their result. Someone
    who is no association member and never was an elector (a policy officer, staff) has no
    votes page: 404."""
    member = AssociationMembership.objects.filter(person__user=request.user).exists()
    if not member and not Elector.objects.filter(user=request.user).exists():
        raise Http404
    rounds = rounds_for_voter(request.user)
    voting.rounds_close_due(rounds)
    rounds = (
        rounds.select_related("vacancy__unit", "project")
        .annotate(
            is_elector=Exists(Elector.objects.filter(round=OuterRef("pk"), user=request.user)),
            has_voted=Exists(
                Participation.objects.filter(
                    elector__round=OuterRef("pk"), elector__user=request.user
                )
            ),
        )
        .exclude(status=RoundStatus.CANCELLED)
        .order_by("-status", "closes_at", "-pk")  # "open" sorts after "closed": reversed
    )
    return render(request, "allocation/my_votes.html", {"page_obj": page_of(request, rounds)})

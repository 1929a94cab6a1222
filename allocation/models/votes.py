"""The residents' association's vote on a vacancy (coöptatie), with a secret ballot.

A round puts a shortlist from the allocation ranking to an electorate fixed at opening. What was
voted and who voted are kept apart:

- `BallotBox` is the round's tally: one row of counts, with no voter, no timestamp and no order.
- `Participation` says that an elector voted. It holds `receipt`, a SHA-256 commitment to the
  elector's current choice, salted with a random token that only the voter's browser keeps (the
  form and a cookie; see allocation.voting). Without that token the commitment cannot be tested
  against the few possible choices, so nobody with the database (staff, administrators, backups)
  can tell who chose whom; with it the voter can change the vote, and nobody else can.

The box is read only after the round closed (allocation.voting.result).
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from projects.models import Project, ScopedByProjectQuerySet, Unit
from residents.cellkeys import cell_key_field
from residents.models import Person

from .core import Application, Offer, Vacancy


class UnitScope(models.TextChoices):
    ALL = "all", _("Every unit")
    MARKED = "marked", _("Only the units marked below")


class ElectorateKind(models.TextChoices):
    MEMBERS = "members", _("All members of the association")
    COMMITTEE = "committee", _("A selection committee")


class VoteSettings(models.Model):
    """How a project's residents' association takes part in letting its units."""

    project = models.OneToOneField(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="vote_settings"
    )
    unit_scope = models.CharField(
        _("units let through the association"),
        max_length=10,
        choices=UnitScope.choices,
        default=UnitScope.ALL,
    )
    units = models.ManyToManyField(
        Unit, verbose_name=_("units marked for the association"), blank=True, related_name="+"
    )
    electorate = models.CharField(
        _("who votes"),
        max_length=10,
        choices=ElectorateKind.choices,
        default=ElectorateKind.MEMBERS,
    )
    committee = models.ManyToManyField(
        Person, verbose_name=_("selection committee"), blank=True, related_name="+"
    )
    add_neighbour = models.BooleanField(
        _("plus a neighbour from the vacancy's cluster"),
        default=False,
        help_text=_("Staff choose the neighbour when they open a round."),
    )
    quorum_percent = models.PositiveSmallIntegerField(
        _("quorum (percentage of the electorate)"),
        default=50,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    round_days = models.PositiveSmallIntegerField(
        _("days a round runs"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    abstain_counts = models.BooleanField(_("abstaining counts towards the quorum"), default=True)

    class Meta:
        verbose_name = _("association vote settings")
        verbose_name_plural = _("association vote settings")

    def __str__(self) -> str:
        return str(self.project)

    @classmethod
    def for_project(cls, project: Project) -> "VoteSettings":
        """The project's settings, or the defaults (unsaved) when it has none yet."""
        try:
            return project.vote_settings
        except cls.DoesNotExist:
            return cls(project=project)


class RoundStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("vote round status", "Open")
    CLOSED = "closed", pgettext_lazy("vote round status", "Closed")
    CANCELLED = "cancelled", pgettext_lazy("vote round status", "Cancelled")


class Outcome(models.TextChoices):
    WINNER = "winner", _("A winner")
    TIE = "tie", _("A tie")
    NO_QUORUM = "no_quorum", _("No quorum")


class Decision(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed the association's choice")
    RANKING = "ranking", _("The allocation ranking decided")
    OTHER = "other", _("Decided otherwise")
    NO_OFFER = "no_offer", _("No offer from this round")


class VoteRoundQuerySet(ScopedByProjectQuerySet):
    def open(self) -> "VoteRoundQuerySet":
        return self.filter(status=RoundStatus.OPEN)

    def due(self, now) -> "VoteRoundQuerySet":
        """Open rounds whose deadline has passed: they are to be closed."""
        return self.open().filter(closes_at__lte=now)

    def for_elector(self, user) -> "VoteRoundQuerySet":
        return self.filter(electors__user=user)


class VoteRound(models.Model):
    vacancy = models.ForeignKey(
        Vacancy, verbose_name=_("vacancy"), on_delete=models.PROTECT, related_name="vote_rounds"
    )
    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="vote_rounds"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.OPEN
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    opened_at = models.DateTimeField(_("opened at"))
    closes_at = models.DateTimeField(_("closes at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The rules as they stood when the round opened.
    electorate_kind = models.CharField(
        _("who votes"), max_length=10, choices=ElectorateKind.choices
    )
    quorum_percent = models.PositiveSmallIntegerField(_("quorum (percentage of the electorate)"))
    abstain_counts = models.BooleanField(_("abstaining counts towards the quorum"))
    # Written when the round closes, and never again: the result as it stood at the close.
    electorate_size = models.PositiveIntegerField(_("electorate"), null=True, blank=True)
    voted = models.PositiveIntegerField(_("voted"), null=True, blank=True)
    quorum = models.PositiveIntegerField(_("votes needed"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    winner = models.ForeignKey(
        "RoundCandidate",
        verbose_name=_("winner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The corporation's decision on the result.
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, blank=True)
    decision_reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    offer = models.OneToOneField(
        Offer,
        verbose_name=_("offer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="vote_round",
    )
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    result_sent_at = models.DateTimeField(_("result sent at"), null=True, blank=True)

    objects = VoteRoundQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = _("vote round")
        verbose_name_plural = _("vote rounds")
        indexes = [
            models.Index(fields=["status", "closes_at"], name="vote_round_due"),
            models.Index(fields=["project", "status"], name="vote_round_project"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["vacancy"],
                condition=Q(status="open"),
                name="one_open_round_per_vacancy",
                violation_error_message=_("A vote is running for this vacancy already."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vacancy} ({self.opened_at:%Y-%m-%d})"

    def get_absolute_url(self) -> str:
        return reverse("allocation:round_detail", args=[self.pk])

    def ballot_url(self) -> str:
        return reverse("allocation:ballot", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == RoundStatus.OPEN

    @property
    def last_day(self):
        """The last day to vote: the round closes at the start of the next day (Amsterdam)."""
        return timezone.localtime(self.closes_at).date() - dt.timedelta(days=1)


class RoundCandidate(models.Model):
    """A shortlisted candidate, with the profile voters see as it stood when the round opened."""

    round = models.ForeignKey(
        VoteRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="shortlist"
    )
    application = models.ForeignKey(
        Application, verbose_name=_("candidate"), on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveSmallIntegerField(_("place on the ballot"))
    rank_at_open = models.PositiveIntegerField(_("place in the ranking at opening"))
    score_at_open = models.DecimalField(_("score at opening"), max_digits=5, decimal_places=1)
    # The profile the candidate consented to share: nothing the law protects.
    first_name = models.CharField(_("first name"), max_length=100)
    motivation = models.TextField(_("motivation"), blank=True)
    contribution = models.TextField(_("what they will contribute"), blank=True)
    availability = models.CharField(_("availability"), max_length=200, blank=True)

    class Meta:
        ordering = ["round", "position"]
        verbose_name = _("shortlisted candidate")
        verbose_name_plural = _("shortlisted candidates")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "application"], name="one_place_per_candidate_per_round"
            ),
            models.UniqueConstraint(fields=["round", "position"], name="one_candidate_per_place"),
        ]

    def __str__(self) -> str:
        return self.first_name


class BallotBox(models.Model):
    """The round's tally: counts only. Read after the close (allocation.voting.result)."""

    round = models.OneToOneField(
        VoteRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="box"
    )
    # {"<RoundCandidate id>": votes}
    counts = models.JSONField(_("votes per candidate"), default=dict)
    abstentions = models.PositiveIntegerField(_("abstentions"), default=0)

    class Meta:
        verbose_name = _("ballot box")
        verbose_name_plural = _("ballot boxes")

    def __str__(self) -> str:
        return str(self.round)


class ElectorVia(models.TextChoices):
    MEMBER = "member", _("Member of the association")
    COMMITTEE = "committee", _("Selection committee")
    NEIGHBOUR = "neighbour", _("Neighbour in the same cluster")


class Elector(models.Model):
    """A user who may vote in a round (fixed when the round opens)."""

    round = models.ForeignKey(
        VoteRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="electors"
    )
    # SET_NULL, never CASCADE: deleting a login must not change a round's electorate or turnout,
    # nor list (on the admin's delete page) the rounds its person could vote or did vote in.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("voter"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="vote_electorships",
    )
    via = models.CharField(_("votes as"), max_length=10, choices=ElectorVia.choices)
    cell_key = cell_key_field()

    class Meta:
        ordering = ["round", "pk"]
        verbose_name = _("elector")
        verbose_name_plural = _("electors")
        constraints = [
            models.UniqueConstraint(fields=["round", "user"], name="one_elector_per_user_per_round")
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.round}"


class Participation(models.Model):
    """That an elector voted: at most one per elector, so one per voter per round.

    `receipt` is the commitment described in the module's docstring; it changes with each change
    of vote. There is deliberately no timestamp.
    """

    elector = models.OneToOneField(
        Elector,
        verbose_name=_("elector"),
        on_delete=models.CASCADE,
        related_name="participation",
    )
    receipt = models.CharField(_("receipt"), max_length=64)

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")

    def __str__(self) -> str:
        return str(self.elector)


class MessageKind(models.TextChoices):
    OPENED = "opened", _("A vote opened")
    REMINDER = "reminder", _("Reminder: 48 hours left to vote")
    RESULT = "result", _("The result of a vote")
    STAFF_RESULT = "staff_result", _("A vote closed: decide on the offer")


class VoteMessage(models.Model):
    """One e-mail about a round to one user; made once per (round, user, kind)."""

    round = models.ForeignKey(
        VoteRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="messages"
    )
    # SET_NULL: a reminder goes only to who has not voted, so listing a deleted login's messages
    # would tell whether they voted. A message without a user is never sent.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("to"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=MessageKind.choices)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    sent_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        ordering = ["round", "kind", "pk"]
        verbose_name = _("vote e-mail")
        verbose_name_plural = _("vote e-mails")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "user", "kind"], name="one_vote_message_per_kind"
            ),
        ]
        indexes = [
            models.Index(
                fields=["round"],
                condition=Q(sent_at__isnull=True, cancelled_at__isnull=True),
                name="vote_message_unsent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.user}"


def validate_shortlist_size(size: int) -> None:
    if not 2 <= size <= 6:
        raise ValidationError(_("Put 2 to 6 candidates on the shortlist."))


@receiver(pre_delete, sender=settings.AUTH_USER_MODEL)
def _forget_vote_messages(sender, instance, **kwargs) -> None:
    """A deleted login's vote e-mails go with it, after the delete page was shown: a reminder
    goes only to who has not voted, so rows kept with an empty user would let someone counting
    them in the database tell whether the deleted login had voted. (Not a CASCADE, which the
    admin's delete page would list.)"""
    VoteMessage.objects.filter(user=instance).delete()

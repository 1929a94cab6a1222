"""The mix-balance score: who fits a vacancy, in which order, and why, in plain words.

Pure functions over plain data: `ranking.py` loads a vacancy's facts in a fixed number of queries
and hands them here, so that 10,000 candidates are ranked without touching the database.

For each eligible candidate the score (0-100) is the weighted mean of six parts, each 0-1, with
the weights a project setting (`AllocationSettings`):

- **project**: the project's dragend share after placing the candidate, against its band. Inside
  the band a share in the middle scores 1 and one on the edge 0.5; outside the band the part
  falls from 0.5 to 0 over 20 percentage points.
- **cluster**: the same for the unit's cluster (corridor, floor or living group) and its band.
- **spread**: 1 / n for the n-th resident of the candidate's target group in that cluster (the
  whole project when the unit has no cluster): the first scores 1, the third 0.33.
- **urgency**: 1 for an urgent candidate.
- **waiting**: months since registration, 1 at five years or more.
- **intake**: 1 positive, 0.5 positive with doubts, 0.25 not held yet.

A placement that takes a band (the project's or the cluster's dragend band, or a group's maximum
share) out of bounds, or further out, "breaks a band": it may be chosen only with a reason.

The order is deterministic: score (rounded to one decimal, as shown) descending, then
registration date, then application id.

An explanation line (`Line`) keeps a message key and its facts, not a sentence: it is rendered in
the reader's language when shown, and an offer stores it so (`Line.stored`).
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from django.contrib.humanize.templatetags.humanize import ordinal
from django.utils.formats import date_format
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from residents.dates import age_on
from residents.models.core import identity

WAITING_FULL_MONTHS = 60
INTAKE_PARTS = {"positive": 1.0, "doubts": 0.5, "pending": 0.25}
OUTSIDE_BAND_FADE = 20  # percentage points over which the band part falls from 0.5 to 0


@dataclass
class Counts:
    """Residents of one place (project or cluster): in total, dragend, and per target group."""

    total: int = 0
    dragend: int = 0
    groups: dict[int, int] = field(default_factory=dict)

    def add(self, role: str, group_id: int, n: int = 1) -> None:
        self.total += n
        if role == "dragend":
            self.dragend += n
        self.groups[group_id] = self.groups.get(group_id, 0) + n

    def copy(self) -> "Counts":
        return Counts(self.total, self.dragend, dict(self.groups))

    def plus(self, role: str, group_id: int) -> "Counts":
        after = self.copy()
        after.add(role, group_id)
        return after

    def share_display(self) -> str:
        """'60% (3/5)': the dragend share with the numbers it comes from."""
        return f"{percent(self.share())} ({self.dragend}/{self.total})"

    def share(self) -> Fraction | None:
        """The dragend share in percent, exact; None without residents."""
        return Fraction(100 * self.dragend, self.total) if self.total else None

    def group_share(self, group_id: int) -> Fraction | None:
        return Fraction(100 * self.groups.get(group_id, 0), self.total) if self.total else None


def nth(n: int) -> str:
    """'3e' in Dutch, '3rd' in English. Django 6.1's Dutch catalogue lacks the entry for exactly
    1 ("ordinal is 1"), so it would say '1st'; ours has it."""
    if n == 1:
        return pgettext("ordinal is 1", "{}st").format(n)
    return ordinal(n)


def percent(value: Fraction | int | None) -> str:
    return "–" if value is None else f"{round(value)}%"


def whole(value: Fraction | None) -> int | None:
    """A share as the whole percent a line keeps (and shows)."""
    return None if value is None else round(value)


def band_distance(share: Fraction | None, band: tuple[int, int]) -> Fraction:
    """Percentage points outside the band (0 inside it or without residents)."""
    if share is None:
        return Fraction(0)
    low, high = band
    if share < low:
        return low - share
    if share > high:
        return share - high
    return Fraction(0)


def band_part(share: Fraction | None, band: tuple[int, int]) -> float:
    if share is None:
        return 1.0
    low, high = band
    distance = band_distance(share, band)
    if distance:
        return 0.5 * max(0.0, 1 - float(distance) / OUTSIDE_BAND_FADE)
    half = (high - low) / 2 or 1
    return 1 - 0.5 * abs(float(share) - (low + high) / 2) / half


def limit_broken(before: Fraction | None, after: Fraction | None, limit: int) -> bool:
    """True when a group's share goes over its maximum, or further over."""
    return (
        after is not None
        and after > limit
        and (before is None or before <= limit or after > before)
    )


def band_broken(before: Fraction | None, after: Fraction | None, band) -> bool:
    """True when the placement takes the share out of the band, or further out."""
    after_distance = band_distance(after, band)
    return bool(after_distance) and after_distance > band_distance(before, band)


@dataclass(frozen=True)
class Candidate:
    """What ranking needs to know of one application (loaded with .values(), not models)."""

    application_id: int
    person_id: int
    name: str
    role: str
    group_id: int
    household: int
    needs_accessible: bool
    date_of_birth: dt.date | None
    urgent: bool
    intake: str
    registered_on: dt.date
    nominated_by_id: int | None = None
    reference: str = ""

    @property
    def identity(self) -> str:
        """The reference and year of birth that tell namesakes apart (staff pages only)."""
        return identity(self.reference, self.date_of_birth)


@dataclass(frozen=True)
class ContractRules:
    """The vacancy's contract type, as far as it decides who may sign it."""

    name: str
    allowed_groups: frozenset[int] | None  # None: every group
    min_age: int | None
    max_age: int | None
    valid_from: dt.date | None
    once_per_person: bool
    is_omklap: bool


@dataclass
class Context:
    """Everything about one vacancy the score and the eligibility rules need."""

    today: dt.date
    available_from: dt.date
    weights: dict[str, int]
    project: Counts
    project_band: tuple[int, int]
    cluster: Counts | None
    cluster_band: tuple[int, int] | None
    cluster_name: str  # "Gang B"
    cluster_kind: str  # ClusterKind code, "corridor": "3e statushouder op deze gang"
    group_limits: dict[int, int]
    group_names: dict[int, str]
    unit_max_household: int
    unit_accessible: bool
    contract: ContractRules
    care_partner_ids: frozenset[int] = frozenset()
    had_contract_type: frozenset[int] = frozenset()  # person ids (once-per-person types)
    open_offers: dict[int, str] = field(default_factory=dict)  # application id -> unit number
    # application id -> why an earlier offer of this vacancy ended ("declined", "expired")
    earlier_offers: dict[int, str] = field(default_factory=dict)
    # (role, group) -> the placement's parts and explanation lines; the own lines by their facts
    # ("urgent", the registration date, the intake). A context serves one request, so every
    # candidate of one role and group shares its lines, and each line renders once per language.
    _mix_cache: dict = field(default_factory=dict, repr=False)
    _own_cache: dict = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class Labels:
    """What the codes in explanation lines stand for, read when a line is rendered. Values are
    names, or objects whose str() is the name in the current language (a TargetGroup, a lazy
    translation)."""

    groups: Mapping[int, object]  # target group id -> name
    intake: Mapping[str, object]  # intake outcome code -> name


NO_LABELS = Labels({}, {})


@dataclass(eq=False)
class Line:
    """One sentence of an explanation, kept as a message key and its facts (numbers, ISO dates,
    ids and codes) so that every reader sees it in their own language: `text` renders it when
    shown, once per language. `stored()` is what an offer keeps; `from_stored` reads it back."""

    key: str
    params: dict = field(default_factory=dict)
    warn: bool = False
    labels: Labels = field(default=NO_LABELS, repr=False)
    _texts: dict = field(default_factory=dict, init=False, repr=False)

    @property
    def text(self) -> str:
        language = get_language()
        text = self._texts.get(language)
        if text is None:
            text = self._texts[language] = sentence(self.key, self.params, self.labels)
        return text

    def stored(self) -> dict:
        return {"key": self.key, "params": self.params, "warn": self.warn}

    @classmethod
    def from_stored(cls, item: dict, labels: Labels = NO_LABELS) -> "Line":
        """A line as an offer stored it. One stored before lines kept their facts has only its
        rendered text: it is shown as it is."""
        if "key" not in item:
            return cls(LEGACY, {"text": item.get("text", "")}, bool(item.get("warn")))
        return cls(item["key"], dict(item.get("params") or {}), bool(item.get("warn")), labels)


# The keys of explanation lines. A stored key is a promise: rename one and old offers lose it.
LEGACY = "text"
PROJECT_SHARE = "project_share"
CLUSTER_SHARE = "cluster_share"
NTH_IN_CLUSTER = "nth_in_cluster"
NTH_IN_PROJECT = "nth_in_project"
GROUP_SHARE = "group_share"
URGENT = "urgent"
REGISTERED = "registered"
INTAKE = "intake"


def _name(mapping: Mapping, key) -> str:
    value = mapping.get(key)
    return "?" if value is None else str(value)


def _kind(code: str) -> str:
    """The cluster kind's name in the current language ("gang"); an unknown code as it is."""
    from projects.models import ClusterKind  # the label, at display time

    try:
        return str(ClusterKind(code).label).lower()
    except ValueError:
        return code


def sentence(key: str, p: dict, labels: Labels) -> str:
    """The line's sentence in the current language."""
    if key == PROJECT_SHARE:
        return _(
            "the project goes from %(before)s to %(after)s dragend (target %(low)s–%(high)s%%)"
        ) % {
            "before": percent(p["before"]),
            "after": percent(p["after"]),
            "low": p["low"],
            "high": p["high"],
        }
    if key == CLUSTER_SHARE:
        return _(
            "%(cluster)s goes from %(before)s to %(after)s dragend (target %(low)s–%(high)s%%)"
        ) % {
            "cluster": p["cluster"],
            "before": percent(p["before"]),
            "after": percent(p["after"]),
            "low": p["low"],
            "high": p["high"],
        }
    if key == NTH_IN_CLUSTER:
        return _("%(nth)s %(group)s on this %(kind)s") % {
            "nth": nth(p["nth"]),
            "group": _name(labels.groups, p["group"]).lower(),
            "kind": _kind(p["kind"]),
        }
    if key == NTH_IN_PROJECT:
        return _("%(nth)s %(group)s in the project") % {
            "nth": nth(p["nth"]),
            "group": _name(labels.groups, p["group"]).lower(),
        }
    if key == GROUP_SHARE:
        return _("%(group)s: from %(before)s to %(after)s of the residents (at most %(max)s%%)") % {
            "group": _name(labels.groups, p["group"]),
            "before": percent(p["before"]),
            "after": percent(p["after"]),
            "max": p["max"],
        }
    if key == URGENT:
        return _("urgent")
    if key == REGISTERED:
        return _("registered since %(date)s") % {
            "date": date_format(dt.date.fromisoformat(p["date"]), "j F Y")
        }
    if key == INTAKE:
        return _("intake interview: %(outcome)s") % {
            "outcome": str(labels.intake.get(p["outcome"], "")).lower()
        }
    return str(p.get("text", key))


@dataclass
class Ranked:
    candidate: Candidate
    score: float
    parts: dict[str, float]
    lines: list[Line]
    breaks_band: bool
    rank: int = 0


@dataclass
class Ineligible:
    candidate: Candidate
    reasons: list[str]


def contract_ineligibility(
    rules: ContractRules,
    c: Candidate,
    *,
    start: dt.date,
    group_names: dict[int, str],
    had_contract_type: frozenset[int],
    care_partner_ids: frozenset[int],
) -> list[str]:
    """Why the candidate may not sign this contract type from `start`; empty when they may."""
    reasons = []
    if rules.allowed_groups is not None and c.group_id not in rules.allowed_groups:
        reasons.append(
            _("a %(type)s contract is not for the target group %(group)s")
            % {"type": rules.name, "group": group_names.get(c.group_id, "?")}
        )
    if rules.min_age is not None or rules.max_age is not None:
        if c.date_of_birth is None:
            reasons.append(
                _("date of birth unknown; a %(type)s contract has an age limit")
                % {"type": rules.name}
            )
        else:
            age = age_on(c.date_of_birth, start)
            if (rules.min_age is not None and age < rules.min_age) or (
                rules.max_age is not None and age > rules.max_age
            ):
                reasons.append(
                    _(
                        "aged %(age)s on the start date; "
                        "a %(type)s contract is for %(min)s to %(max)s"
                    )
                    % {
                        "age": age,
                        "type": rules.name,
                        "min": rules.min_age if rules.min_age is not None else 0,
                        "max": rules.max_age if rules.max_age is not None else "∞",
                    }
                )
    if rules.valid_from and start < rules.valid_from:
        reasons.append(
            _("a %(type)s contract can start on %(date)s at the earliest")
            % {"type": rules.name, "date": date_format(rules.valid_from, "j F Y")}
        )
    if rules.once_per_person and c.person_id in had_contract_type:
        reasons.append(_("has had a %(type)s contract already") % {"type": rules.name})
    if rules.is_omklap and c.nominated_by_id not in care_partner_ids:
        reasons.append(
            _("not nominated by one of the project's care partners (needed for an omklap contract)")
        )
    return reasons


def state_ineligibility(c: Candidate, open_offers: dict[int, str]) -> list[str]:
    """Why the candidate cannot be offered anything now, whatever the unit."""
    reasons = []
    if c.intake == "negative":
        reasons.append(_("the intake interview was negative"))
    if c.application_id in open_offers:
        reasons.append(
            _("has an open offer for unit %(unit)s") % {"unit": open_offers[c.application_id]}
        )
    return reasons


def ineligibility(ctx: Context, c: Candidate) -> list[str]:
    """Why the candidate cannot take this unit on this contract; empty when eligible."""
    reasons = []
    if c.household > ctx.unit_max_household:
        reasons.append(
            _("household of %(size)s; the unit houses at most %(max)s")
            % {"size": c.household, "max": ctx.unit_max_household}
        )
    if c.needs_accessible and not ctx.unit_accessible:
        reasons.append(_("needs a wheelchair-accessible unit"))
    reasons += contract_ineligibility(
        ctx.contract,
        c,
        start=ctx.available_from,
        group_names=ctx.group_names,
        had_contract_type=ctx.had_contract_type,
        care_partner_ids=ctx.care_partner_ids,
    )
    earlier = ctx.earlier_offers.get(c.application_id)
    if earlier == "declined":
        reasons.append(_("declined an offer of this unit"))
    elif earlier == "expired":
        reasons.append(_("did not reply to an offer of this unit in time"))
    return reasons + state_ineligibility(c, ctx.open_offers)


def _mix_effect(ctx: Context, role: str, group_id: int, labels: Labels):
    """The placement's effect on the bands: the same for every candidate of one role and group."""
    key = (role, group_id)
    if key in ctx._mix_cache:
        return ctx._mix_cache[key]
    lines: list[Line] = []
    breaks = False
    parts: dict[str, float] = {}

    before, after = ctx.project.share(), ctx.project.plus(role, group_id).share()
    parts["project"] = band_part(after, ctx.project_band)
    broken = band_broken(before, after, ctx.project_band)
    breaks |= broken
    low, high = ctx.project_band
    shares = {"before": whole(before), "after": whole(after), "low": low, "high": high}
    lines.append(Line(PROJECT_SHARE, shares, broken, labels))
    if ctx.cluster is not None and ctx.cluster_band is not None:
        before, after = ctx.cluster.share(), ctx.cluster.plus(role, group_id).share()
        parts["cluster"] = band_part(after, ctx.cluster_band)
        broken = band_broken(before, after, ctx.cluster_band)
        breaks |= broken
        low, high = ctx.cluster_band
        shares = {"before": whole(before), "after": whole(after), "low": low, "high": high}
        lines.append(Line(CLUSTER_SHARE, {"cluster": ctx.cluster_name} | shares, broken, labels))
        position = ctx.cluster.groups.get(group_id, 0) + 1
        lines.append(
            Line(
                NTH_IN_CLUSTER,
                {"nth": position, "group": group_id, "kind": ctx.cluster_kind},
                labels=labels,
            )
        )
    else:
        parts["cluster"] = 1.0
        position = ctx.project.groups.get(group_id, 0) + 1
        lines.append(Line(NTH_IN_PROJECT, {"nth": position, "group": group_id}, labels=labels))
    parts["spread"] = 1 / position
    limit = ctx.group_limits.get(group_id)
    if limit is not None:
        before = ctx.project.group_share(group_id)
        after = ctx.project.plus(role, group_id).group_share(group_id)
        broken = limit_broken(before, after, limit)
        breaks |= broken
        shares = {"group": group_id, "before": whole(before), "after": whole(after), "max": limit}
        lines.append(Line(GROUP_SHARE, shares, broken, labels))
    effect = (parts, lines, breaks)
    ctx._mix_cache[key] = effect
    return effect


def months_between(start: dt.date, end: dt.date) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    return max(0, months - (end.day < start.day))


def own_parts(today: dt.date, c: Candidate) -> dict[str, float]:
    return {
        "urgency": 1.0 if c.urgent else 0.0,
        "waiting": min(1.0, months_between(c.registered_on, today) / WAITING_FULL_MONTHS),
        "intake": INTAKE_PARTS.get(c.intake, 0.0),
    }


def weighted(weights: dict[str, int], parts: dict[str, float]) -> float:
    total = sum(weights.values())
    if not total:
        return 0.0
    return round(100 * sum(weights[k] * parts[k] for k in weights) / total, 1)


def own_priority(weights: dict[str, int], parts: dict[str, float]) -> int:
    """The candidate's own priority (urgency, waiting, intake) as an integer 0-1000 for the
    batch planner, where the mix parts are rules rather than scores."""
    own = {k: weights[k] for k in ("urgency", "waiting", "intake")}
    total = sum(own.values())
    return round(1000 * sum(own[k] * parts[k] for k in own) / total) if total else 0


def _own_line(ctx: Context, key: str, params: dict, labels: Labels) -> Line:
    """One of the candidate's own lines, shared by every candidate with the same fact."""
    cache_key = (key, *params.values())
    line = ctx._own_cache.get(cache_key)
    if line is None:
        line = ctx._own_cache[cache_key] = Line(key, params, labels=labels)
    return line


def _own_lines(ctx: Context, c: Candidate, labels: Labels) -> list[Line]:
    lines = [_own_line(ctx, URGENT, {}, labels)] if c.urgent else []
    lines.append(_own_line(ctx, REGISTERED, {"date": c.registered_on.isoformat()}, labels))
    lines.append(_own_line(ctx, INTAKE, {"outcome": c.intake}, labels))
    return lines


def score(
    ctx: Context, c: Candidate, intake_labels: Mapping[str, object], labels: Labels | None = None
) -> Ranked:
    if labels is None:
        labels = Labels(ctx.group_names, intake_labels)
    mix_parts, mix_lines, breaks = _mix_effect(ctx, c.role, c.group_id, labels)
    parts = mix_parts | own_parts(ctx.today, c)
    return Ranked(
        candidate=c,
        score=weighted(ctx.weights, parts),
        parts=parts,
        lines=mix_lines + _own_lines(ctx, c, labels),
        breaks_band=breaks,
    )


def rank(
    ctx: Context, candidates: list[Candidate], intake_labels: Mapping[str, object]
) -> tuple[list[Ranked], list[Ineligible]]:
    """Eligible candidates in ranked order (rank 1 first) and the others with their reasons."""
    ranked, ineligible = [], []
    labels = Labels(ctx.group_names, intake_labels)
    for c in candidates:
        reasons = ineligibility(ctx, c)
        if reasons:
            ineligible.append(Ineligible(c, reasons))
        else:
            ranked.append(score(ctx, c, intake_labels, labels))
    ranked.sort(key=lambda r: (-r.score, r.candidate.registered_on, r.candidate.application_id))
    for position, item in enumerate(ranked, start=1):
        item.rank = position
    ineligible.sort(key=lambda i: (i.candidate.registered_on, i.candidate.application_id))
    return ranked, ineligible

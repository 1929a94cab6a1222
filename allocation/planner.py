"""Exact batch planner: which candidate gets which vacant unit (no Django in here).

The plan maximises first the number of units filled, then the total priority of the placed
candidates, subject to the mix rules. It is an optimum proven by HiGHS (scipy.optimize.milp with
relative gap 0), not a heuristic. The model:

* Types. Candidates with the same (role, group, household, needs_accessible, contract_types) are
  interchangeable for fit and rules, and so are vacant units with the same (cluster,
  max_household, accessible, contract_type). Fit depends only on a candidate's fit class
  (household, needs_accessible, contract_types), a cluster band only on roles and a group limit
  only on project totals, so the integer columns are: n[c] placed of candidate type c, w[r, f, k]
  placed of role r and fit class f in cluster k, x[f, u] placed of fit class f in unit type u,
  with sum_c n = sum_k w per (role, fit class) and sum_r w = sum_u x per (fit class, cluster).
  Any such counts are a real plan; a few thousand columns stand for tens of thousands of people.
* Priority. Within a type only priority differs and placing n of them is best done with its top
  n (by -priority, id), so the total is concave in n: continuous y[c, p] in [0, multiplicity of
  p] per distinct priority p, sum_p y = n[c]; maximising sum p * y fills the best first.
* Two phases instead of big-M weights: maximise the units filled F*, then fix F = F* and
  maximise total priority.
* Shares are exact fractions (a JSON 0.35 is 7/20): lo <= D / R <= hi becomes q_lo * D >= p_lo * R
  and q_hi * D <= p_hi * R with integer coefficients, which an empty scope meets (0 <= 0). A share
  whose denominator exceeds the most residents its scope can have is first replaced by the
  fraction with a small denominator that admits exactly the same integer (D, R) pairs.
* Counts become people deterministically, and the plan is re-checked in exact arithmetic. When no
  plan meets the rules, an elastic copy of the model finds the rule(s) to blame.
"""

import json
import time
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from numbers import Rational

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array

ROLES = ("dragend", "vragend")
MAX_PRIORITY = 10**9  # keeps every total well inside a float's exact integers
Band = tuple[Fraction, Fraction]


@dataclass(frozen=True)
class PlanUnit:
    id: str
    cluster: str | None
    max_household: int
    accessible: bool
    contract_type: str | None = None


@dataclass(frozen=True)
class PlanResident:
    unit: str
    role: str
    group: str


@dataclass(frozen=True)
class PlanCandidate:
    id: str
    role: str
    group: str
    household: int
    needs_accessible: bool
    priority: int
    contract_types: frozenset[str] | None = None  # None: fits any unit's contract type


@dataclass(frozen=True)
class Rules:
    dragend_share: Band | None = None
    cluster_dragend_share: Band | None = None
    cluster_bands: Mapping[str, Band] = field(default_factory=dict)  # overrides per cluster
    group_max_share: Mapping[str, Fraction] = field(default_factory=dict)


@dataclass(frozen=True)
class Problem:
    units: tuple[PlanUnit, ...]
    residents: tuple[PlanResident, ...]
    candidates: tuple[PlanCandidate, ...]
    rules: Rules


@dataclass(frozen=True)
class Plan:
    status: str  # "optimal" or "infeasible"
    filled: int = 0
    total_priority: int = 0
    assignments: tuple[tuple[str, str], ...] = ()  # (unit id, candidate id) by unit id
    reason: str = ""


class ProblemError(ValueError):
    """Bad input; the message names the item."""


class SolverError(RuntimeError):
    """No proven plan: the time limit ran out, or the solver's plan failed the exact check."""


# Input


def _show(value: object) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return repr(value)


def _where(kind: str, index: int, ident: object) -> str:
    return f"{kind}[{index}] (id {_show(ident)})" if isinstance(ident, str) else f"{kind}[{index}]"


def _need(ok: object, where: str, key: str, rule: str, value: object) -> None:
    if not ok:
        raise ProblemError(f'{where}: "{key}" {rule}, got {_show(value)}')


def _is_name(value: object) -> bool:
    return isinstance(value, str) and value != ""


def _is_int(value: object, low: int, high: float) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _is_share(value: object) -> bool:
    return isinstance(value, Rational) and not isinstance(value, bool) and 0 <= value <= 1


def _is_band(band: object) -> bool:
    pair = isinstance(band, tuple | list) and len(band) == 2 and all(map(_is_share, band))
    return pair and band[0] <= band[1]  # type: ignore[index]


def _is_types(value: object) -> bool:
    return value is None or isinstance(value, frozenset) and all(map(_is_name, value))


NAME, NAME_OR_NULL = "must be a non-empty string", "must be a non-empty string or null"
COUNT, FLAG = "must be a whole number of at least 1", "must be true or false"
ROLE, TYPES = 'must be "dragend" or "vragend"', "must be a list of non-empty strings or null"
PRIORITY = f"must be a whole number from -{MAX_PRIORITY} to {MAX_PRIORITY}"
BAND = "must be a pair [low, high] of shares with 0 <= low <= high <= 1"
SHARE = "must be a share between 0 and 1"
FIELDS = {  # (key, check, what it must be) per item kind, for validate()
    "units": (
        ("id", _is_name, NAME),
        ("cluster", lambda v: v is None or _is_name(v), NAME_OR_NULL),
        ("max_household", lambda v: _is_int(v, 1, float("inf")), COUNT),
        ("accessible", lambda v: isinstance(v, bool), FLAG),
        ("contract_type", lambda v: v is None or _is_name(v), NAME_OR_NULL),
    ),
    "residents": (("role", lambda v: v in ROLES, ROLE), ("group", _is_name, NAME)),
    "candidates": (
        ("id", _is_name, NAME),
        ("role", lambda v: v in ROLES, ROLE),
        ("group", _is_name, NAME),
        ("household", lambda v: _is_int(v, 1, float("inf")), COUNT),
        ("needs_accessible", lambda v: isinstance(v, bool), FLAG),
        ("priority", lambda v: _is_int(v, -MAX_PRIORITY, MAX_PRIORITY), PRIORITY),
        ("contract_types", _is_types, TYPES),
    ),
}
CANDIDATE_KEYS = ("id", "role", "group", "household", "needs_accessible", "priority")
KEYS = {  # (required, optional) JSON keys per item kind
    "units": (("id", "max_household", "accessible"), ("cluster", "contract_type")),
    "residents": (("unit", "role", "group"), ()),
    "candidates": (CANDIDATE_KEYS, ("contract_types",)),
}
RULE_KEYS = ("dragend_share", "cluster_dragend_share", "cluster_bands", "group_max_share")


def _object(obj: object, where: str, required: tuple, optional: tuple) -> dict:
    if not isinstance(obj, dict):
        raise ProblemError(f"{where} must be a JSON object, got {_show(obj)}")
    for key in obj:
        if key not in required + optional:
            allowed = ", ".join(f'"{k}"' for k in required + optional)
            raise ProblemError(f"{where}: unknown key {_show(key)} (allowed: {allowed})")
    for key in required:
        if key not in obj:
            raise ProblemError(f'{where}: missing key "{key}"')
    return obj


def _fraction(value: object) -> object:
    """A JSON number as the exact decimal it shows (0.35 is 7/20); anything else unchanged."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    try:
        return Fraction(str(value)) if isinstance(value, float) else Fraction(value)
    except ValueError:  # nan, inf
        return value


def _json_band(value: object, where: str, key: str) -> Band:
    band = tuple(map(_fraction, value)) if isinstance(value, list) else value
    _need(_is_band(band), where, key, BAND, value)
    return band  # type: ignore[return-value]


def parse_problem(data: object) -> Problem:
    """Problem from PROBLEM.json data, checked strictly: an unknown key is an error, not ignored."""
    top = _object(data, "the problem", ("units", "candidates"), ("residents", "rules"))
    items: dict[str, list] = {}
    for kind, make in (("units", PlanUnit), ("residents", PlanResident), ("candidates", None)):
        raw_items = top.get(kind, [])
        if not isinstance(raw_items, list):
            raise ProblemError(f'"{kind}" must be a list, got {_show(raw_items)}')
        items[kind] = []
        for i, raw in enumerate(raw_items):
            where = _where(kind, i, raw.get("id") if isinstance(raw, dict) else None)
            fields = dict.fromkeys(KEYS[kind][1]) | _object(raw, where, *KEYS[kind])
            if make is None:
                types = fields.get("contract_types")
                ok = types is None or isinstance(types, list) and all(map(_is_name, types))
                _need(ok, where, "contract_types", TYPES, types)
                fields["contract_types"] = None if types is None else frozenset(types)
            items[kind].append((make or PlanCandidate)(**fields))
    raw_rules = _object(top.get("rules", {}), '"rules"', (), RULE_KEYS)
    rules: dict = {k: _json_band(raw_rules[k], "rules", k) for k in RULE_KEYS[:2] if k in raw_rules}
    for key in RULE_KEYS[2:]:
        table = raw_rules.get(key, {})
        _need(isinstance(table, dict), "rules", key, "must be a JSON object", table)
        where = f"rules.{key}"
        if key == "cluster_bands":
            rules[key] = {name: _json_band(v, where, name) for name, v in table.items()}
        else:
            rules[key] = {name: _fraction(v) for name, v in table.items()}
            for name, value in table.items():
                _need(_is_share(rules[key][name]), where, name, SHARE, value)
    problem = Problem(*(tuple(items[k]) for k in KEYS), Rules(**rules))
    validate(problem)
    return problem


def validate(problem: Problem) -> None:
    """The checks on values, also for Problems built in code; raises ProblemError."""
    unit_ids = {u.id for u in problem.units if _is_name(u.id)}
    for kind, checks in FIELDS.items():
        first: dict[str, int] = {}
        for i, item in enumerate(getattr(problem, kind)):
            where = _where(kind, i, getattr(item, "id", None))
            if kind == "residents":
                ok = isinstance(item.unit, str) and item.unit in unit_ids
                _need(ok, where, "unit", "must be the id of one of the units", item.unit)
            for key, check, rule in checks:
                _need(check(getattr(item, key)), where, key, rule, getattr(item, key))
            if kind != "residents":
                if item.id in first:
                    also = f"{kind}[{first[item.id]}]"
                    raise ProblemError(f"{where}: duplicate {kind[:-1]} id (also {also})")
                first[item.id] = i
    rules = problem.rules
    bands = [rules.dragend_share, rules.cluster_dragend_share, *rules.cluster_bands.values()]
    shares = [*(v for band in bands if isinstance(band, tuple | list) for v in band)]
    if any(isinstance(v, float) for v in [*shares, *rules.group_max_share.values()]):
        raise ProblemError('rules: shares must be Fractions or ints, not floats: Fraction("0.35")')
    for key in RULE_KEYS[:2]:
        band = getattr(rules, key)
        _need(band is None or _is_band(band), "rules", key, BAND, band)
    clusters = {u.cluster for u in problem.units} - {None}
    for name, band in rules.cluster_bands.items():
        where = "rules.cluster_bands"
        _need(name in clusters, where, name, "must name the cluster of one of the units", name)
        _need(_is_band(band), where, name, BAND, band)
    for name, share in rules.group_max_share.items():
        _need(_is_name(name), "rules", "group_max_share", "must have group names as keys", name)
        _need(_is_share(share), "rules.group_max_share", name, SHARE, share)


# Model


def _order(key: tuple) -> tuple:
    """Sort key for type keys holding None and frozensets."""
    return tuple(
        (0, "") if v is None else (1, tuple(sorted(v)) if isinstance(v, frozenset) else v)
        for v in key
    )


def _snap(share: Fraction, limit: int, up: bool) -> Fraction:
    """The fraction with denominator <= limit admitting the same d / r (r <= limit) as share."""
    if share.denominator <= limit:
        return share
    best = Fraction(1 if up else 0)
    for r in range(1, limit + 1):
        d, rest = divmod(share.numerator * r, share.denominator)
        near = Fraction(d + (up and rest > 0), r)
        best = min(best, near) if up else max(best, near)
    return best


def _pct(share: Fraction) -> str:
    return f"{float(share * 100):.2f}".rstrip("0").rstrip(".") + "%"


@dataclass
class _Rule:
    """A band or group cap as rows over its columns, with its share N / R for the diagnosis."""

    name: str
    cap: bool
    bounds: Band
    cols: np.ndarray
    hits: np.ndarray  # per column: 1 when it counts towards N (dragend, or in the group)
    n0: int  # N and R of the residents
    r0: int
    rows: list[tuple[np.ndarray, float, float]]  # (coefficients over cols, lower, upper)


class _Model:
    """Columns n[c], then w[r, f, k], then x[f, u] (see the module docstring)."""

    def __init__(self, problem: Problem) -> None:
        occupied = {r.unit for r in problem.residents}
        utypes: dict[tuple, list[PlanUnit]] = defaultdict(list)
        for u in sorted(problem.units, key=lambda u: u.id):
            if u.id not in occupied:
                utypes[(u.cluster, u.max_household, u.accessible, u.contract_type)].append(u)
        ctypes: dict[tuple, list[PlanCandidate]] = defaultdict(list)
        for c in sorted(problem.candidates, key=lambda c: (-c.priority, c.id)):
            ctypes[(c.role, c.group, c.household, c.needs_accessible, c.contract_types)].append(c)
        self.ukeys = sorted(utypes, key=_order)
        self.unit_lists = [utypes[k] for k in self.ukeys]
        fcs = sorted({k[2:] for k in ctypes}, key=_order)  # fit classes
        fits = [
            [
                u
                for u, (_, most, accessible, ctype) in enumerate(self.ukeys)
                if household <= most
                and (accessible or not needs)
                and (types is None or ctype is None or ctype in types)
            ]
            for household, needs, types in fcs
        ]
        self.ckeys, self.members, self.fit_class = [], [], []
        for ckey in sorted(ctypes, key=_order):
            f = fcs.index(ckey[2:])
            cap = min(len(ctypes[ckey]), sum(len(self.unit_lists[u]) for u in fits[f]))
            if cap:  # only the best `cap` of a type can ever be placed
                self.ckeys.append(ckey)
                self.members.append(ctypes[ckey][:cap])
                self.fit_class.append(f)
        supply: Counter = Counter()
        for key, members, f in zip(self.ckeys, self.members, self.fit_class, strict=True):
            supply[key[0], f] += len(members)
        room: Counter = Counter()
        for f, units in enumerate(fits):
            for u in units:
                room[f, self.ukeys[u][0]] += len(self.unit_lists[u])
        self.x_cols = [(f, u) for f, units in enumerate(fits) for u in units]
        self.w_cols = [(r, f, k) for r, f in sorted(supply) for g, k in room if g == f]
        self.w0 = t = len(self.members)
        self.x0 = t + len(self.w_cols)
        self.size = self.x0 + len(self.x_cols)
        self.ub = np.array(
            [len(m) for m in self.members]
            + [min(supply[r, f], room[f, k]) for r, f, k in self.w_cols]
            + [len(self.unit_lists[u]) for _, u in self.x_cols],
            dtype=float,
        )
        self.integral = np.ones(self.size)
        terms: dict[tuple, list[tuple[int, int]]] = defaultdict(list)
        for c, (key, f) in enumerate(zip(self.ckeys, self.fit_class, strict=True)):
            terms["rf", key[0], f].append((c, 1))
        for i, (r, f, k) in enumerate(self.w_cols, t):
            terms["rf", r, f].append((i, -1))
            terms["fk", f, k].append((i, 1))
        for i, (f, u) in enumerate(self.x_cols, self.x0):
            terms["fk", f, self.ukeys[u][0]].append((i, -1))
            terms["u", u].append((i, 1))
        self.base_rows = [
            (*np.array(ts).T, 0, len(self.unit_lists[key[1]]) if key[0] == "u" else 0)
            for key, ts in terms.items()
        ]
        self.rules: list[_Rule] = []
        self._add_rules(problem)

    def _add_rules(self, problem: Problem) -> None:
        rules, residents = problem.rules, problem.residents
        n_cols, r0 = np.arange(len(self.members)), len(residents)
        limit = r0 + sum(map(len, self.unit_lists))
        drag = np.array([k[0] == "dragend" for k in self.ckeys], dtype=int)
        if rules.dragend_share:
            d0 = sum(r.role == "dragend" for r in residents)
            name = "the dragend share of the project"
            self._add(name, rules.dragend_share, False, n_cols, drag, d0, r0, limit)
        cluster_of = {u.id: u.cluster for u in problem.units}
        vacant: Counter = Counter()
        for key, units in zip(self.ukeys, self.unit_lists, strict=True):
            vacant[key[0]] += len(units)
        for cluster in sorted({u.cluster for u in problem.units} - {None}):
            band = rules.cluster_bands.get(cluster, rules.cluster_dragend_share)
            if band:
                here = [r.role for r in residents if cluster_of[r.unit] == cluster]
                cols = [i for i, w in enumerate(self.w_cols, self.w0) if w[2] == cluster]
                hits = np.array([self.w_cols[i - self.w0][0] == "dragend" for i in cols], int)
                name = f'the dragend share of cluster "{cluster}"'
                d0, rk, cols = here.count("dragend"), len(here), np.array(cols, int)
                self._add(name, band, False, cols, hits, d0, rk, rk + vacant[cluster])
        for group, share in sorted(rules.group_max_share.items()):
            hits = np.array([k[1] == group for k in self.ckeys], dtype=int)
            g0 = sum(r.group == group for r in residents)
            name = f'the share of group "{group}" in the project'
            self._add(name, (Fraction(0), share), True, n_cols, hits, g0, r0, limit)

    def _add(self, name, bounds, cap: bool, cols, hits, n0: int, r0: int, limit: int) -> None:
        lo, hi = map(Fraction, bounds)
        rows = []
        for share, up in ((lo, True), (hi, False)):
            if (share > 0) if up else (share < 1):
                p, q = _snap(share, limit, up).as_integer_ratio()
                bound = p * r0 - q * n0
                rows.append((q * hits - p, bound, np.inf) if up else (q * hits - p, -np.inf, bound))
        more = f"between {_pct(lo)} and {_pct(hi)}" if lo < hi else f"exactly {_pct(lo)}"
        more = f"at most {_pct(hi)}" if cap else more
        if rows and limit:  # a scope that can have nobody in it never breaks a share
            name = f"{name} must be {more}"
            self.rules.append(_Rule(name, cap, (lo, hi), cols, hits, n0, r0, rows))

    def rows(self, skip: _Rule | None = None) -> list:
        out = list(self.base_rows)
        for rule in self.rules:
            if rule is not skip:
                out += [(rule.cols, coefs, lo, hi) for coefs, lo, hi in rule.rows]
        return out

    def counts(self, res) -> np.ndarray:
        return np.rint(res.x[: self.size]).astype(int)

    def run(self, cost, integral, ub, rows, deadline: float | None, presolve: bool = True):
        """One MILP, columns >= 0, rows (cols, coefs, lower, upper). None when infeasible."""
        if len(cost) == 0:  # HiGHS wants a column
            cost, integral, ub = np.zeros(1), np.ones(1), np.zeros(1)
        cols = [np.asarray(r[0], int) for r in rows]
        data = np.concatenate([np.zeros(0), *(np.asarray(r[1], float) for r in rows)])
        at = (
            np.repeat(np.arange(len(rows)), list(map(len, cols))),
            np.concatenate([np.zeros(0, int), *cols]),
        )
        matrix = csr_array((data, at), shape=(len(rows), len(cost)))
        options: dict = {"mip_rel_gap": 0, "presolve": presolve}  # gap 1e-4 would prove nothing
        if deadline is not None:
            options["time_limit"] = deadline - time.monotonic()
            if options["time_limit"] <= 0:
                raise SolverError("the time limit ran out before the plan was proven optimal")
        constraints = LinearConstraint(matrix, [r[2] for r in rows], [r[3] for r in rows])
        res = milp(
            cost,
            integrality=integral,
            bounds=Bounds(0, ub),
            constraints=constraints if rows else None,
            options=options,
        )
        if res.status == 1:
            raise SolverError("the time limit ran out before the plan was proven optimal")
        if res.status not in (0, 2):
            raise SolverError(f"the solver failed: {res.message}")
        return res if res.status == 0 else None


# Solving


def solve(problem: Problem, *, time_limit: float | None = None) -> Plan:
    """The optimal plan, or status "infeasible" with a reason; SolverError when not proven."""
    validate(problem)
    deadline = None if time_limit is None else time.monotonic() + time_limit
    model = _Model(problem)
    types = len(model.members)
    cost = np.zeros(model.size)
    cost[:types] = -1
    first = model.run(cost, model.integral, model.ub, model.rows(), deadline)
    if first is None:
        return Plan("infeasible", reason=_diagnose(model, deadline))
    filled = round(-first.fun)
    segments = [  # (type, priority, how many of the type have it)
        (c, prio, mult)
        for c, members in enumerate(model.members)
        for prio, mult in Counter(m.priority for m in members).items()
    ]
    by_type: dict[int, list[int]] = defaultdict(list)
    for i, (c, _, _) in enumerate(segments, model.size):
        by_type[c].append(i)
    link = [([c, *ys], [1] + [-1] * len(ys), 0, 0) for c, ys in by_type.items()]
    rows = [*model.rows(), (np.arange(types), np.ones(types), filled, filled), *link]
    second = model.run(
        np.concatenate([np.zeros(model.size), [-s[1] for s in segments]]),
        np.concatenate([model.integral, np.zeros(len(segments))]),
        np.concatenate([model.ub, [s[2] for s in segments]]),
        rows,
        deadline,
        presolve=False,  # HiGHS's presolve spends seconds on the many one-row priority columns
    )
    if second is None:
        raise SolverError("the solver found no plan in phase 2 although phase 1 did")
    try:
        plan = _disaggregate(model, model.counts(second))
    except IndexError as exc:
        raise SolverError("the solver's counts do not add up") from exc
    problems = check_plan(problem, plan)
    if plan.filled != filled or abs(plan.total_priority + second.fun) > 0.5:
        problems.append(f"totals {plan.filled}/{plan.total_priority} differ from the solver's")
    if problems:
        raise SolverError("the solver's plan failed the exact check: " + "; ".join(problems))
    return plan


def _disaggregate(model: _Model, counts: np.ndarray) -> Plan:
    """The top n of each type, pooled per (role, fit class), handed to clusters in order, then
    to unit types in order, whose units go by id."""
    pools: dict[tuple, list[PlanCandidate]] = defaultdict(list)
    for c, (key, f) in enumerate(zip(model.ckeys, model.fit_class, strict=True)):
        pools[key[0], f] += model.members[c][: counts[c]]
    queues: dict[tuple, list[PlanCandidate]] = defaultdict(list)
    for i, (r, f, k) in enumerate(model.w_cols, model.w0):
        queues[f, k] += pools[r, f][: counts[i]]
        del pools[r, f][: counts[i]]
    used = [0] * len(model.unit_lists)
    placed = []
    for i, (f, u) in enumerate(model.x_cols, model.x0):
        queue = queues[f, model.ukeys[u][0]]
        for cand in queue[: counts[i]]:
            placed.append((model.unit_lists[u][used[u]].id, cand.id, cand.priority))
            used[u] += 1
        del queue[: counts[i]]
    placed.sort()
    return Plan("optimal", len(placed), sum(p[2] for p in placed), tuple(p[:2] for p in placed))


# Diagnosis


def _diagnose(model: _Model, deadline: float | None) -> str:
    """The rule(s) to blame, with how close plans meeting the other rules come."""
    try:
        blamed, least = _blame(model, deadline)
        if least > 1:
            return (
                "No plan meets all the rules together, and no single rule is to blame: a plan "
                f"becomes possible only after dropping at least {least} of them, for example: "
                + "; ".join(model.rules[k].name for k in blamed)
                + ". The rules: "
                + "; ".join(r.name for r in model.rules)
                + "."
            )
        details = [_explain(model, model.rules[k], deadline) for k in blamed[:3]]
    except SolverError as exc:
        return f"No plan meets all the rules (the rule to blame was not found: {exc})."
    if not blamed:  # only when the solver contradicts itself
        return "No plan meets all the rules."
    if len(blamed) == 1:
        return f"No plan meets the rules: {details[0]}."
    more = f" (and {len(blamed) - 3} more)" if len(blamed) > 3 else ""
    return "No plan meets all the rules; dropping any one of these would allow one: " + (
        "; ".join(details) + more + "."
    )


def _blame(model: _Model, deadline: float | None) -> tuple[list[int], int]:
    """Rules whose removal alone allows a plan (else one smallest set to drop), and that size.

    A binary switch per rule loosens its rows by a big M; minimise the switches that are on.
    """
    size, k = model.size, len(model.rules)
    rows = list(model.base_rows)
    for i, rule in enumerate(model.rules):
        cols, ub = np.append(rule.cols, size + i), model.ub[rule.cols]
        for coefs, lo, hi in rule.rows:
            if lo > -np.inf:
                big_m = max(lo - float(np.minimum(coefs, 0) @ ub), 0)
                rows.append((cols, np.append(coefs, big_m), lo, np.inf))
            else:
                big_m = max(float(np.maximum(coefs, 0) @ ub) - hi, 0)
                rows.append((cols, np.append(coefs, -big_m), -np.inf, hi))
    cost = np.concatenate([np.zeros(size), np.ones(k)])
    integral, switch_ub = np.ones(size + k), np.ones(k)
    res = model.run(cost, integral, np.concatenate([model.ub, switch_ub]), rows, deadline)
    blamed: list[int] = []
    while res is not None and len(blamed) < 10:
        dropped = [i for i in range(k) if res.x[size + i] > 0.5]
        if len(dropped) != 1:
            return (dropped, len(dropped)) if not blamed else (sorted(blamed), 1)
        blamed += dropped
        switch_ub[dropped] = 0  # look for another single rule to blame
        ub = np.concatenate([model.ub, switch_ub])
        res = model.run(
            cost, integral, ub, [*rows, (size + np.arange(k), np.ones(k), 0, 1)], deadline
        )
    return sorted(blamed), 1


def _explain(model: _Model, rule: _Rule, deadline: float | None) -> str:
    lo, hi = rule.bounds
    high = None if rule.cap else _extreme(model, rule, 1, deadline)
    if high is not None and Fraction(*high) < lo:
        side, (n, r) = "highest", high
    else:
        low = _extreme(model, rule, -1, deadline)
        if high is not None and Fraction(*low) <= hi:
            return (
                f"{rule.name}, but no plan meeting the other rules lands in that band (their "
                f"shares range from {_pct(Fraction(*low))} to {_pct(Fraction(*high))})"
            )
        side, (n, r) = "lowest", low
    people = f"{r} resident" + ("s" if r != 1 else "")
    count = f"{n} of {people}" if rule.cap else f"{n} dragend among {people}"
    return f"{rule.name}, but the {side} any plan meeting the other rules allows is " + (
        f"{_pct(Fraction(n, r))} ({count})"
    )


def _extreme(model: _Model, rule: _Rule, sign: int, deadline: float | None) -> tuple[int, int]:
    """Dinkelbach: the highest (sign 1) or lowest (-1) share N / R, R >= 1, under other rules."""
    rows = [*model.rows(skip=rule), (rule.cols, np.ones(len(rule.cols)), 1 - rule.r0, np.inf)]
    best: tuple[int, int] | None = None
    cost = np.zeros(model.size)
    while (res := model.run(cost, model.integral, model.ub, rows, deadline)) is not None:
        x = model.counts(res)[rule.cols]
        share = (rule.n0 + int(rule.hits @ x), rule.r0 + int(x.sum()))
        if best is not None and sign * (Fraction(*share) - Fraction(*best)) <= 0:
            break
        best, ratio = share, Fraction(*share)
        # minimise -sign * (N - ratio * R): below zero exactly when a better share exists
        cost = np.zeros(model.size)
        cost[rule.cols] = -sign * (ratio.denominator * rule.hits - ratio.numerator)
    if best is None:
        raise SolverError("the other rules allow no plan although the rule was blamed")
    return best


# Output and verification


def plan_to_dict(plan: Plan) -> dict:
    if plan.status == "infeasible":
        return {"status": "infeasible", "reason": plan.reason}
    return {
        "status": plan.status,
        "filled": plan.filled,
        "total_priority": plan.total_priority,
        "assignments": [{"unit": u, "candidate": c} for u, c in plan.assignments],
    }


def check_plan(problem: Problem, plan: Plan) -> list[str]:
    """Every way the plan breaks fit, uniqueness, totals or a rule, in exact arithmetic."""
    if plan.status == "infeasible":
        empty = not plan.assignments and plan.filled == plan.total_priority == 0
        return [] if empty else ["an infeasible plan must have no assignments and zero totals"]
    if plan.status != "optimal":
        return [f"unknown status {plan.status!r}"]
    units = {u.id: u for u in problem.units}
    candidates = {c.id: c for c in problem.candidates}
    taken = {r.unit for r in problem.residents}
    people = [(units[r.unit].cluster, r.role, r.group) for r in problem.residents]
    out: list[str] = []
    seen: set[str] = set()
    total = 0
    for uid, cid in plan.assignments:
        unit, cand = units.get(uid), candidates.get(cid)
        if unit is None or cand is None:
            out.append(f"{uid!r} -> {cid!r}: unknown unit or candidate")
            continue
        types = cand.contract_types
        for broken, what in (
            (uid in taken, "the unit is not vacant or is used twice"),
            (cid in seen, "the candidate is placed twice"),
            (cand.household > unit.max_household, "the household does not fit"),
            (cand.needs_accessible and not unit.accessible, "the unit is not accessible"),
            (types is not None and unit.contract_type not in {None, *types}, "contract type"),
        ):
            if broken:
                out.append(f"{uid!r} -> {cid!r}: {what}")
        taken.add(uid)
        seen.add(cid)
        people.append((unit.cluster, cand.role, cand.group))
        total += cand.priority
    if list(plan.assignments) != sorted(plan.assignments):
        out.append("the assignments are not sorted by unit id")
    if (plan.filled, plan.total_priority) != (len(plan.assignments), total):
        out.append(
            f"totals {plan.filled}/{plan.total_priority}, not {len(plan.assignments)}/{total}"
        )
    rules, in_cluster = problem.rules, defaultdict(list)
    for person in people:
        in_cluster[person[0]].append(person)
    scopes = [("the project", people, rules.dragend_share, (1, "dragend"))]
    for k in sorted({u.cluster for u in problem.units} - {None}):
        band = rules.cluster_bands.get(k, rules.cluster_dragend_share)
        scopes.append((f"cluster {k!r}", in_cluster[k], band, (1, "dragend")))
    for group, share in sorted(rules.group_max_share.items()):
        scopes.append((f"group {group!r}", people, (Fraction(0), share), (2, group)))
    for what, scope, band, (index, value) in scopes:
        n = sum(1 for p in scope if p[index] == value)
        if band and not band[0] * len(scope) <= n <= band[1] * len(scope):
            out.append(f"{what}: {n} of {len(scope)} is outside [{band[0]}, {band[1]}]")
    return out

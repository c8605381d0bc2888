"""Night of Solidarity team assignment: pure (dataclasses in, placements out), optimal where it matters.

Hard rules (`check` verifies every one of them, independently of the solver)
--------------------------------------------------------------------------------
- Nobody is placed twice; a volunteer is placed only in an arrondissement they chose.
- Access: a volunteer's needs (stairs, long walks…) never meet a sector whose kind demands them (leaders too).
- A team in use has between its minimum and maximum members and exactly one leader: its registered
  leader, or else one volunteer who can lead. Friends in a group are all in the same team, as members,
  or all wait.

The objective is lexicographic (each level only breaks ties of the ones before it)
-----------------------------------------------------------------------------------
1. sectors staffed (a leader and at least the minimum), most first;
2. people placed, most first;
3. preference rank: the sum over placed people of 0 / 1 / 2 for their 1st / 2nd / 3rd choice, lowest;
4. staffed teams with at least one experienced member, most;
5. first-timers spread: Σ over teams of C(k, 2) for k first-timers in a team, lowest;
6. then, breaking the last ties: someone who speaks little French shares a language with a team mate
   (swaps of two members that change none of the levels above, `_share_languages`).

Levels 1 and 2: exact (OR-Tools CP-SAT), with the solver's own bound
--------------------------------------------------------------------
Teams are grouped in classes (arrondissement, needs a leader, demanded abilities): inside a class any person
alone fits any team. People alone are counted by what matters for these two levels (their set of
arrondissements, whether they can lead, their needs), so a city of 4,000 is a few thousand integer
variables: `m[k, c]` members and `l[k, c]` leaders of kind k in class c; per team `u_t` (staffed) and `s_t`
(its members who came alone); per group and team a boolean `y[g, t]`. Constraints: Σ_c m + l ≤ count(k);
Σ_t s_t = Σ_k m[k, c]; min·u_t ≤ s_t + Σ_g size·y[g, t] ≤ max·u_t; Σ_k l[k, c] = Σ_t u_t in a class needing
leaders; interchangeable teams staffed in input order (symmetry). Any assignment of individuals with those
counts is valid, so the model is exact. Level 1 is maximised, fixed, then level 2. The search starts from the
greedy plan (leaders by augmenting paths, then first choices) and is skipped when that plan already reaches
the free ceilings (every team; every seat or every placeable person). CP-SAT's bound on each level is
reported: a plan cut by the time limit says how far from the optimum it can be.

Levels 3 to 5: exact for the chosen teams and groups (min-cost flow)
--------------------------------------------------------------------
With the staffed teams and the groups' teams fixed, people alone flow person → (arrondissement, kind,
needs) hub → team seats (leader seat; an experienced seat worth a bonus once per team; first-timer seats of
increasing cost), in lexicographic weights: every staffed team's minimum and leader seat, people placed,
rank, an experienced member per team, first-timers spread. Individuals are read out in input order.
"""

from __future__ import annotations

import itertools
import math
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

LEADER = "leader"
MEMBER = "member"
TIME_LIMIT = 1.0  # seconds of CP-SAT search at most, shared by levels 1 and 2
MAX_RANK = 3


@dataclass(frozen=True)
class Volunteer:
    id: str
    prefs: tuple[int, ...]  # arrondissements, most wanted first
    experienced: bool
    group: str | None = None
    can_lead: bool = False
    needs: frozenset[str] = frozenset()  # access needs: sectors demanding any of them are excluded
    languages: frozenset[str] = frozenset()  # spoken (ISO codes); without "fr": speaks little French


@dataclass(frozen=True)
class Team:
    id: str
    arrondissement: int
    min_volunteers: int  # members, the leader not counted
    max_volunteers: int
    leader_id: str | None = None  # a registered leader; None: a volunteer who can lead is chosen
    demands: frozenset[str] = frozenset()  # what the sector's kind demands (stairs, long walks…)

    @property
    def needs_leader(self) -> bool:
        return self.leader_id is None


@dataclass(frozen=True)
class Placement:
    team_id: str
    role: str  # LEADER or MEMBER


class Levels(NamedTuple):
    """The objective's levels of a plan, in order (see the module's docstring)."""

    staffed: int
    placed: int
    rank: int
    experienced: int
    spread: int


@dataclass
class Result:
    placements: dict[str, Placement]  # volunteer id → where; absent means unassigned
    levels: Levels
    bounds: Levels  # the best each level could be (given the levels before it), proven by the solver
    seconds: float
    optimal: bool  # levels 1 to 4 proven optimal
    violations: list[str] = field(default_factory=list)

    @property
    def objective(self) -> int:
        return _weigh(self.levels, self._sizes)

    @property
    def bound(self) -> int:
        return _weigh(self.bounds, self._sizes)

    @property
    def gap(self) -> float:
        return (self.objective - self.bound) / self.objective if self.objective else 0.0

    _sizes: tuple[int, int] = (0, 0)


def _weigh(levels: Levels, sizes: tuple[int, int]) -> int:
    """One number, lower is better, ordered like the levels (weights from the instance's size)."""
    people, teams = sizes
    spread_top = 45 * teams + 1  # C(10, 2) per team at most
    experienced_top = (teams + 1) * spread_top
    rank_top = (2 * people + 1) * experienced_top
    placed_top = (people + 1) * rank_top
    return ((teams - levels.staffed) * placed_top + (people - levels.placed) * rank_top
            + levels.rank * experienced_top + (teams - levels.experienced) * spread_top + levels.spread)


def eligible(volunteer: Volunteer, team: Team) -> bool:
    """May this volunteer be in this team at all (chosen arrondissement, no access conflict)?"""
    return team.arrondissement in volunteer.prefs and not volunteer.needs & team.demands


def levels(volunteers: Sequence[Volunteer], teams: Sequence[Team], placements: Mapping[str, Placement]) -> Levels:
    team_of = {team.id: team for team in teams}
    members: dict[str, list[Volunteer]] = defaultdict(list)
    used: set[str] = set()
    rank = 0
    for volunteer in volunteers:
        placement = placements.get(volunteer.id)
        if placement is None:
            continue
        used.add(placement.team_id)
        arrondissement = team_of[placement.team_id].arrondissement
        rank += volunteer.prefs.index(arrondissement) if arrondissement in volunteer.prefs else MAX_RANK
        if placement.role == MEMBER:
            members[placement.team_id].append(volunteer)
    experienced = sum(any(m.experienced for m in members[t]) for t in used)
    spread = sum(math.comb(sum(not m.experienced for m in members[t]), 2) for t in used)
    return Levels(len(used), len(placements), rank, experienced, spread)


def objective(volunteers: Sequence[Volunteer], teams: Sequence[Team], placements: Mapping[str, Placement]) -> int:
    """The plan's levels as one number, lower is better (the solver, greedy and the tests share it)."""
    return _weigh(levels(volunteers, teams, placements), (len(volunteers), len(teams)))


def check(volunteers: Sequence[Volunteer], teams: Sequence[Team],
          rows: Iterable[tuple[str, str | None, str | None]]) -> list[str]:
    """Every hard rule a plan breaks, as readable lines; rows are (volunteer_id, team_id or None, role)."""
    problems: list[str] = []
    known = {volunteer.id: volunteer for volunteer in volunteers}
    team_of = {team.id: team for team in teams}
    seen: dict[str, str | None] = {}
    members: dict[str, list[str]] = defaultdict(list)
    leaders: dict[str, list[str]] = defaultdict(list)
    for volunteer_id, team_id, role in rows:
        if volunteer_id not in known:
            problems.append(f"unknown volunteer {volunteer_id}")
            continue
        if volunteer_id in seen:
            problems.append(f"volunteer {volunteer_id} appears twice")
            continue
        seen[volunteer_id] = team_id or None
        if not team_id:
            continue
        if team_id not in team_of:
            problems.append(f"volunteer {volunteer_id} in unknown team {team_id}")
            continue
        volunteer, team = known[volunteer_id], team_of[team_id]
        if team.arrondissement not in volunteer.prefs:
            problems.append(f"volunteer {volunteer_id} placed outside their arrondissements")
        if volunteer.needs & team.demands:
            problems.append(f"volunteer {volunteer_id} placed against their access needs")
        if role == LEADER:
            leaders[team_id].append(volunteer_id)
            if not volunteer.can_lead:
                problems.append(f"volunteer {volunteer_id} leads team {team_id} but cannot lead")
            if volunteer.group:
                problems.append(f"volunteer {volunteer_id} of a group leads a team")
        elif role == MEMBER:
            members[team_id].append(volunteer_id)
        else:
            problems.append(f"volunteer {volunteer_id} has unknown role {role!r}")
    for team in teams:
        count, lead = len(members[team.id]), leaders[team.id]
        if not count and not lead:
            continue
        if team.needs_leader and len(lead) != 1:
            problems.append(f"team {team.id} has {len(lead)} leaders, needs one")
        if not team.needs_leader and lead:
            problems.append(f"team {team.id} has a registered leader and a volunteer leader")
        if not team.min_volunteers <= count <= team.max_volunteers:
            problems.append(f"team {team.id} has {count} members, allowed {team.min_volunteers}–{team.max_volunteers}")
    groups: dict[str, set[str | None]] = defaultdict(set)
    for volunteer in volunteers:
        if volunteer.group:
            groups[volunteer.group].add(seen.get(volunteer.id))
    problems += [f"group {name} is split" for name, places in groups.items() if len(places) > 1]
    return problems


# -- levels 1 and 2: which teams are staffed, where the groups go (CP-SAT) -------------------------------

class _Class(NamedTuple):
    arrondissement: int
    needs_leader: bool
    demands: frozenset[str]


def _groups(volunteers: Sequence[Volunteer]) -> dict[str, list[Volunteer]]:
    by_group: dict[str, list[Volunteer]] = defaultdict(list)
    for volunteer in volunteers:
        if volunteer.group:
            by_group[volunteer.group].append(volunteer)
    return {name: people for name, people in by_group.items() if len(people) > 1}


def _alone(volunteers: Sequence[Volunteer], groups: Mapping[str, list[Volunteer]]) -> list[Volunteer]:
    return [volunteer for volunteer in volunteers if volunteer.group not in groups]


def _demands_by_arrondissement(teams: Sequence[Team]) -> dict[int, set[frozenset[str]]]:
    found: dict[int, set[frozenset[str]]] = defaultdict(set)
    for team in teams:
        found[team.arrondissement].add(team.demands)
    return found


def _ceilings(volunteers: Sequence[Volunteer], teams: Sequence[Team]) -> tuple[int, int]:
    """True upper bounds on levels 1 and 2 that cost little: teams with a registered leader plus the most teams
    that can get a distinct volunteer leader; every seat or every placeable person."""
    seats = sum(team.max_volunteers + int(team.needs_leader) for team in teams)
    demands_in = _demands_by_arrondissement(teams)
    placeable = sum(any(not volunteer.needs & demand for arrondissement in volunteer.prefs
                        for demand in demands_in.get(arrondissement, ())) for volunteer in volunteers)
    led = sum(not team.needs_leader for team in teams) + len(_most_leaders(volunteers, teams))
    return led, min(seats, placeable)


@dataclass
class _Staffing:
    staffed: set[str]  # team ids
    groups: dict[str, str]  # group name → team id
    bounds: tuple[int, int]
    proven: bool


def _staff(volunteers: Sequence[Volunteer], teams: Sequence[Team], start: Mapping[str, Placement],
           time_limit: float, staffed_known: int | None = None) -> _Staffing:
    """Levels 1 then 2, exact: people alone counted by what matters here (arrondissements, leading, needs),
    started from `start` (a valid plan, so a time limit never leaves less than it)."""
    from ortools.sat.python import cp_model  # imported here: only a solve needs OR-Tools

    groups = _groups(volunteers)
    kinds: dict[tuple[frozenset[int], bool, frozenset[str]], int] = defaultdict(int)
    for volunteer in _alone(volunteers, groups):
        kinds[frozenset(volunteer.prefs), volunteer.can_lead, volunteer.needs] += 1
    classes: dict[_Class, list[Team]] = defaultdict(list)
    for team in teams:
        classes[_Class(team.arrondissement, team.needs_leader, team.demands)].append(team)
    model = cp_model.CpModel()
    member: dict[tuple[Any, _Class], Any] = {}
    leader: dict[tuple[Any, _Class], Any] = {}
    for kind, count in kinds.items():
        prefs, can_lead, needs = kind
        options = []
        for key in classes:
            if key.arrondissement in prefs and not needs & key.demands:
                member[kind, key] = model.new_int_var(0, count, "")
                options.append(member[kind, key])
                if can_lead and key.needs_leader:
                    leader[kind, key] = model.new_int_var(0, count, "")
                    options.append(leader[kind, key])
        if len(options) > 1:
            model.add(sum(options) <= count)
    staffed = {team.id: model.new_bool_var("") for team in teams}
    alone = {team.id: model.new_int_var(0, team.max_volunteers, "") for team in teams}
    in_team: dict[tuple[str, str], Any] = {}
    by_team: dict[str, list[tuple[int, Any]]] = defaultdict(list)
    for name, people in groups.items():
        options = []
        for team in teams:
            if len(people) <= team.max_volunteers and all(eligible(person, team) for person in people):
                var = in_team[name, team.id] = model.new_bool_var("")
                options.append(var)
                by_team[team.id].append((len(people), var))
        if len(options) > 1:
            model.add_at_most_one(options)
    for key, alike_teams in classes.items():
        model.add(sum(alone[t.id] for t in alike_teams) == sum(v for (_k, c), v in member.items() if c == key))
        if key.needs_leader:
            model.add(sum(v for (_k, c), v in leader.items() if c == key) == sum(staffed[t.id] for t in alike_teams))
        same: dict[tuple[int, int], list[Team]] = defaultdict(list)
        for team in alike_teams:
            size = alone[team.id] + sum(n * var for n, var in by_team[team.id])
            model.add(size >= team.min_volunteers * staffed[team.id])
            model.add(size <= team.max_volunteers * staffed[team.id])
            same[team.min_volunteers, team.max_volunteers].append(team)
        for twins in same.values():  # interchangeable teams: the staffed ones first
            for one, two in itertools.pairwise(twins):
                model.add(staffed[one.id] >= staffed[two.id])
    # the start plan as a hint, made to respect the symmetry order above
    started = _symmetric(teams, classes, groups, start)
    for team in teams:
        model.add_hint(staffed[team.id], int(team.id in started.staffed))
    for (name, team_id), var in in_team.items():
        model.add_hint(var, int(started.groups.get(name) == team_id))
    placed = sum(member.values()) + sum(leader.values()) + sum(
        len(groups[name]) * var for (name, _t), var in in_team.items())
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1  # reproducible: the same input gives the same output
    bounds: list[int] = []
    proven = True
    best = started
    # one worker, and CP-SAT's deterministic work units: a search that ends by proving its level gives the same
    # plan for the same input; the wall-clock cap keeps a city-sized instance near its target on a busy machine
    # (a plan cut there may differ from run to run, and says so: `optimal` is false, the bound is reported)
    solver.parameters.max_deterministic_time = time_limit / 4
    solver.parameters.max_time_in_seconds = time_limit / 2
    if staffed_known is not None:  # level 1 already met its bound: fixed, only level 2 is searched
        model.add(sum(staffed.values()) >= staffed_known)
        bounds.append(staffed_known)
    for index, expression in enumerate((sum(staffed.values()), placed)):
        if index < len(bounds):
            continue
        model.maximize(expression)
        status = solver.solve(model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):  # out of time before any plan: keep the start
            proven = False
            bounds += list(_ceilings(volunteers, teams)[index:])
            break
        proven = proven and status == cp_model.OPTIMAL
        bounds.append(round(solver.best_objective_bound))
        value = round(solver.objective_value)
        model.add(expression >= value)
        best = _Staffing({t for t, var in staffed.items() if solver.value(var)},
                         {name: t for (name, t), var in in_team.items() if solver.value(var)}, (0, 0), False)
        model.clear_hints()
        for var in staffed.values():
            model.add_hint(var, solver.value(var))
        for var in in_team.values():
            model.add_hint(var, solver.value(var))
    best.bounds, best.proven = (bounds[0], bounds[1]), proven
    return best


def _symmetric(teams: Sequence[Team], classes: Mapping[_Class, list[Team]], groups: Mapping[str, list[Volunteer]],
               plan: Mapping[str, Placement]) -> _Staffing:
    """A plan's staffed teams and groups, renamed so that interchangeable teams are staffed in input order."""
    used = {placement.team_id for placement in plan.values()}
    rename: dict[str, str] = {}
    for alike_teams in classes.values():
        same: dict[tuple[int, int], list[Team]] = defaultdict(list)
        for team in alike_teams:
            same[team.min_volunteers, team.max_volunteers].append(team)
        for twins in same.values():
            taken = [team.id for team in twins if team.id in used]
            rename.update(zip(taken, [team.id for team in twins[:len(taken)]], strict=True))
    placed_groups = {name: rename[plan[people[0].id].team_id] for name, people in groups.items()
                     if people[0].id in plan}
    return _Staffing({rename[team_id] for team_id in used}, placed_groups, (0, 0), False)


# -- levels 3 to 5: who goes where among the staffed teams (min-cost flow) --------------------------------

def _hand_out(volunteers: Sequence[Volunteer], teams: Sequence[Team], staffing: _Staffing) -> dict[str, Placement]:
    """Exact for levels 2 to 5 once the staffed teams and the groups' teams are fixed: a min-cost flow where
    each unit is one person alone, in lexicographic weights (every staffed team's minimum and leader seat,
    then people placed, then rank, then an experienced member per team, then first-timers spread)."""
    import numpy as np
    from ortools.graph.python import min_cost_flow

    groups = _groups(volunteers)
    placements = {person.id: Placement(team_id, MEMBER) for name, team_id in staffing.groups.items()
                  for person in groups[name]}
    used = [team for team in teams if team.id in staffing.staffed]
    people = [volunteer for volunteer in _alone(volunteers, groups)
              if any(eligible(volunteer, team) for team in used)]
    spread_weight = 1
    experienced_weight = 45 * len(used) + 1
    rank_weight = (len(used) + 1) * experienced_weight
    place_weight = (2 * len(people) + 1) * rank_weight
    seat_weight = (len(people) + 1) * (place_weight + MAX_RANK * rank_weight)
    tails: list[int] = []
    heads: list[int] = []
    capacities: list[int] = []
    costs: list[int] = []
    nodes = [1]  # node 0 is the sink

    def node() -> int:
        nodes[0] += 1
        return nodes[0] - 1

    def arc(tail: int, head: int, capacity: int, cost: int) -> int:
        tails.append(tail)
        heads.append(head)
        capacities.append(capacity)
        costs.append(cost)
        return len(tails) - 1

    load = {team.id: 0 for team in used}
    newcomers = {team.id: 0 for team in used}
    seasoned = {team.id: False for team in used}
    for name, team_id in staffing.groups.items():
        load[team_id] += len(groups[name])
        newcomers[team_id] += sum(not person.experienced for person in groups[name])
        seasoned[team_id] = seasoned[team_id] or any(person.experienced for person in groups[name])
    entry: dict[tuple[str, str], int] = {}  # (team, "exp" | "new" | "lead") → node
    for team in used:
        core = node()
        free = team.max_volunteers - load[team.id]
        mandatory = max(0, team.min_volunteers - load[team.id])
        arc(core, 0, mandatory, -seat_weight)
        arc(core, 0, free - mandatory, 0)
        entry[team.id, "exp"] = node()
        if not seasoned[team.id] and free:
            arc(entry[team.id, "exp"], core, 1, -experienced_weight)
        arc(entry[team.id, "exp"], core, free, 0)
        entry[team.id, "new"] = node()
        for k in range(free):  # the k-th first-timer more costs C(n+1, 2) - C(n, 2) = n
            arc(entry[team.id, "new"], core, 1, spread_weight * (newcomers[team.id] + k))
        if team.needs_leader:
            entry[team.id, "lead"] = node()
            arc(entry[team.id, "lead"], 0, 1, -seat_weight)
    hubs: dict[tuple[int, str, frozenset[str]], int] = {}
    hub_out: dict[int, list[tuple[int, str]]] = defaultdict(list)
    lead_hubs: set[int] = set()
    volunteer_arcs: list[list[tuple[int, int]]] = []
    for volunteer in people:
        arcs_of: list[tuple[int, int]] = []
        volunteer_node = node()
        kinds = ["exp" if volunteer.experienced else "new"] + (["lead"] if volunteer.can_lead else [])
        for rank, arrondissement in enumerate(volunteer.prefs):
            for kind in kinds:
                key = (arrondissement, kind, volunteer.needs)
                if key not in hubs:
                    hub = hubs[key] = node()
                    if kind == "lead":
                        lead_hubs.add(hub)
                    for team in used:
                        if team.arrondissement == arrondissement and not volunteer.needs & team.demands and (
                                team.id, kind) in entry:
                            hub_out[hub].append((arc(hub, entry[team.id, kind], 1 if kind == "lead" else
                                                     team.max_volunteers, 0), team.id))
                if hub_out[hubs[key]]:
                    arcs_of.append((arc(volunteer_node, hubs[key], 1, rank * rank_weight - place_weight),
                                    hubs[key]))
        arc(volunteer_node, 0, 1, 0)  # waits
        volunteer_arcs.append(arcs_of)
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(*(np.array(values, dtype=np.int64)
                                                for values in (tails, heads, capacities, costs)))
    supply = np.zeros(nodes[0], dtype=np.int64)
    volunteer_nodes = [tails[arcs_of[0][0]] if arcs_of else -1 for arcs_of in volunteer_arcs]
    for volunteer_node in volunteer_nodes:
        if volunteer_node >= 0:
            supply[volunteer_node] = 1
    supply[0] = -int(supply.sum())
    flow.set_nodes_supplies(np.arange(nodes[0], dtype=np.int64), supply)
    status = flow.solve()
    if status != flow.OPTIMAL:  # pragma: no cover - waiting is always possible
        raise RuntimeError(f"min-cost flow failed with status {status}")
    queues: dict[int, list[Volunteer]] = defaultdict(list)
    for volunteer, arcs_of in zip(people, volunteer_arcs, strict=True):
        for arc_index, hub in arcs_of:
            if flow.flow(arc_index):
                queues[hub].append(volunteer)
    for hub, queue in queues.items():
        cursor = 0
        role = LEADER if hub in lead_hubs else MEMBER
        for arc_index, team_id in hub_out[hub]:
            amount = flow.flow(arc_index)
            for volunteer in queue[cursor:cursor + amount]:
                placements[volunteer.id] = Placement(team_id, role)
            cursor += amount
    return placements


def _staffing_of(plan: Mapping[str, Placement], groups: Mapping[str, list[Volunteer]],
                 bounds: tuple[int, int]) -> _Staffing:
    return _Staffing({placement.team_id for placement in plan.values()},
                     {name: plan[people[0].id].team_id for name, people in groups.items() if people[0].id in plan},
                     bounds, True)


def solve(volunteers: Sequence[Volunteer], teams: Sequence[Team], *, time_limit: float = TIME_LIMIT) -> Result:
    """Form the teams: levels 1 and 2 exact (CP-SAT, unless the greedy plan already reaches their ceilings),
    then levels 3 to 5 by min-cost flow among the staffed teams."""
    started = time.perf_counter()
    start = greedy(volunteers, teams)
    ceilings = _ceilings(volunteers, teams)
    first = levels(volunteers, teams, start)
    if (first.staffed, first.placed) == ceilings:
        staffing = _staffing_of(start, _groups(volunteers), ceilings)
    else:
        staffing = _staff(volunteers, teams, start, time_limit,
                          first.staffed if first.staffed == ceilings[0] else None)
    placements = _share_languages(volunteers, teams, _hand_out(volunteers, teams, staffing))
    plan = levels(volunteers, teams, placements)
    if (plan.staffed, plan.placed) < (first.staffed, first.placed):  # a search cut short before it beat the start
        staffing = _staffing_of(start, _groups(volunteers), staffing.bounds)
        staffing.proven = False
        placements = _share_languages(volunteers, teams, _hand_out(volunteers, teams, staffing))
        plan = levels(volunteers, teams, placements)
    demands_in = _demands_by_arrondissement(teams)
    closest = sorted(min((rank for rank, arrondissement in enumerate(volunteer.prefs)
                          if any(not volunteer.needs & demand for demand in demands_in.get(arrondissement, ()))),
                         default=MAX_RANK) for volunteer in volunteers)
    bounds = Levels(staffing.bounds[0], staffing.bounds[1], sum(closest[:plan.placed]), staffing.bounds[0], 0)
    rows = [(v.id, placements[v.id].team_id if v.id in placements else None,
             placements[v.id].role if v.id in placements else None) for v in volunteers]
    result = Result(placements, plan, bounds, time.perf_counter() - started, staffing.proven,
                    check(volunteers, teams, rows))
    result._sizes = (len(volunteers), len(teams))
    return result


def _share_languages(volunteers: Sequence[Volunteer], teams: Sequence[Team],
                     placements: dict[str, Placement]) -> dict[str, Placement]:
    """Swap two members (alone, same experience, same total rank) between teams when it leaves fewer people who
    speak little French without a shared language in their team; every level of the objective is unchanged."""
    people = {volunteer.id: volunteer for volunteer in volunteers}
    team_of = {team.id: team for team in teams}
    members: dict[str, list[str]] = defaultdict(list)
    for volunteer in volunteers:  # input order
        if volunteer.id in placements:
            members[placements[volunteer.id].team_id].append(volunteer.id)

    def lonely(team_id: str) -> int:
        here = [people[vid] for vid in members[team_id]]
        return sum(1 for v in here if v.languages and "fr" not in v.languages
                   and not any(v.languages & o.languages for o in here if o is not v))

    def movable(vid: str) -> bool:
        return placements[vid].role == MEMBER and not people[vid].group

    for volunteer in volunteers:
        vid = volunteer.id
        if vid not in placements or not movable(vid) or not volunteer.languages or "fr" in volunteer.languages:
            continue
        home = placements[vid].team_id
        if not lonely(home):
            continue
        for away, ids in members.items():
            if away == home or not any(volunteer.languages & people[o].languages for o in ids):
                continue
            here_team, there_team = team_of[home], team_of[away]
            swapped = False
            for oid in ids:
                other = people[oid]
                if not movable(oid) or other.experienced != volunteer.experienced or not (
                        eligible(volunteer, there_team) and eligible(other, here_team)):
                    continue
                after = volunteer.prefs.index(there_team.arrondissement) + other.prefs.index(here_team.arrondissement)
                if after != volunteer.prefs.index(here_team.arrondissement) + other.prefs.index(
                        there_team.arrondissement):
                    continue
                before = lonely(home) + lonely(away)
                members[home][members[home].index(vid)], members[away][members[away].index(oid)] = oid, vid
                if lonely(home) + lonely(away) < before:
                    placements[vid], placements[oid] = Placement(away, MEMBER), Placement(home, MEMBER)
                    swapped = True
                    break
                members[home][members[home].index(oid)], members[away][members[away].index(vid)] = vid, oid
            if swapped:
                break
    return placements


def _most_leaders(volunteers: Sequence[Volunteer], teams: Sequence[Team]) -> dict[str, Volunteer]:
    """As many teams needing a leader as possible get a distinct volunteer who may lead them (a maximum
    matching by augmenting paths): the greedy plan's leaders, and a true bound on sectors staffed."""
    leaders_in: dict[int, list[Volunteer]] = defaultdict(list)
    for volunteer in volunteers:
        if volunteer.can_lead and not volunteer.group:
            for arrondissement in volunteer.prefs:
                leaders_in[arrondissement].append(volunteer)
    candidates = {team.id: [v for v in leaders_in[team.arrondissement] if eligible(v, team)]
                  for team in teams if team.needs_leader}
    leading: dict[str, str] = {}  # volunteer id → team id
    led_by: dict[str, Volunteer] = {}

    def augment(team_id: str, seen: set[str]) -> bool:
        for volunteer in candidates[team_id]:
            if volunteer.id in seen:
                continue
            seen.add(volunteer.id)
            current = leading.get(volunteer.id)
            if current is None or augment(current, seen):
                leading[volunteer.id], led_by[team_id] = team_id, volunteer
                return True
        return False

    for team_id in candidates:
        augment(team_id, set())
    return led_by


def greedy(volunteers: Sequence[Volunteer], teams: Sequence[Team]) -> dict[str, Placement]:
    """The baseline a coordinator would do by hand: leaders first, then each unit to its first choice with room;
    teams left invalid are dissolved."""
    placements: dict[str, Placement] = {}
    size: dict[str, int] = defaultdict(int)
    groups = _groups(volunteers)
    led_by = _most_leaders(volunteers, teams)
    teams_in: dict[int, list[Team]] = defaultdict(list)
    for team in teams:
        teams_in[team.arrondissement].append(team)
    for team_id, volunteer in led_by.items():
        placements[volunteer.id] = Placement(team_id, LEADER)
    units = [groups[v.group] if v.group in groups else [v] for v in volunteers  # noqa: SIM401 - None is no key
             if v.group not in groups or groups[v.group][0] is v]
    for unit in units:
        if any(member.id in placements for member in unit):
            continue
        for arrondissement in unit[0].prefs:
            fitting = [team for team in teams_in.get(arrondissement, ()) if
                       size[team.id] + len(unit) <= team.max_volunteers and all(eligible(m, team) for m in unit)]
            if fitting:
                team = min(fitting, key=lambda t: size[t.id])
                for member in unit:
                    placements[member.id] = Placement(team.id, MEMBER)
                size[team.id] += len(unit)
                break
    while True:  # dissolve what breaks a rule, until nothing does
        members: dict[str, int] = defaultdict(int)
        led: set[str] = set()
        for placement in placements.values():
            if placement.role == LEADER:
                led.add(placement.team_id)
            else:
                members[placement.team_id] += 1
        broken = {team.id for team in teams if (members[team.id] or team.id in led) and (
            members[team.id] < team.min_volunteers or (team.needs_leader and team.id not in led))}
        if not broken:
            return placements
        placements = {vid: p for vid, p in placements.items() if p.team_id not in broken}

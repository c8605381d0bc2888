"""Night of Solidarity team assignment: a min-cost flow (OR-Tools), pure (dataclasses in, placements out).

The model
---------
Every volunteer is one unit of flow (a group of k friends is one node carrying k units) that ends in
the sink, either through a team seat or through an "unassigned" arc. Costs encode the rules, in order:

1. Fill every sector: each of a team's first `min_volunteers` member seats, and its leader seat when
   it has no registered leader, earns SEAT_BONUS. An uncovered team therefore costs
   SEAT_BONUS × (min + leader seat) in the objective.
2. Honour preference rank: a volunteer placed in their 1st, 2nd, 3rd arrondissement costs 0, RANK_STEP,
   2×RANK_STEP; elsewhere OUTSIDE_PREFS; unassigned UNASSIGNED (so everyone is placed if seats exist).
3. At least one experienced member per team: the first experienced member seat earns EXPERIENCE_BONUS
   (a team without one costs EXPERIENCE_BONUS).
4. Spread first-timers: the k-th first-timer of a team costs (k-1)×FIRST_TIMER_STEP (convex, so spread).

Network: volunteer → (arrondissement, class) hub → team class node → team → sink, where class is
experienced, first-timer or leader (only for volunteers who can lead, into the team's leader seat).
Hubs keep the graph small (a volunteer has one arc per preferred arrondissement, not per team); all
units reaching a hub are interchangeable, so any matching of hub inflow to outflow is optimal.
A group has its own node per candidate team (so its units are counted per team).

Plain min-cost flow is integral per unit, not per group, and lets a team be partly filled. Research
recipe: solve, then pin each split group to the team that got most of it (or to "unassigned") and
close each team left below its minimum or without a leader, and re-solve until nothing changes. The
first solve is a relaxation of the real problem (every valid assignment is a flow of the same cost),
so its cost is a valid lower bound and the gap is reported. Everything is ordered by input position:
the same input gives the same output.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

SEAT_BONUS = 10_000
OUTSIDE_PREFS = 1_000
UNASSIGNED = 2_000
RANK_STEP = 100
EXPERIENCE_BONUS = 30
FIRST_TIMER_STEP = 5
MAX_ROUNDS = 60

LEADER = "leader"
MEMBER = "member"


@dataclass(frozen=True)
class Volunteer:
    id: str
    prefs: tuple[int, ...]  # arrondissements, most wanted first
    experienced: bool
    group: str | None = None
    can_lead: bool = False


@dataclass(frozen=True)
class Team:
    id: str
    arrondissement: int
    min_volunteers: int  # members, the leader not counted
    max_volunteers: int
    leader_id: str | None = None  # a registered leader; None: a volunteer who can lead is chosen

    @property
    def needs_leader(self) -> bool:
        return self.leader_id is None


@dataclass(frozen=True)
class Placement:
    team_id: str
    role: str  # LEADER or MEMBER


@dataclass
class Result:
    placements: dict[str, Placement]  # volunteer id → where; absent means unassigned
    objective: int
    bound: int
    seconds: float
    rounds: int
    violations: list[str] = field(default_factory=list)

    @property
    def gap(self) -> float:
        return (self.objective - self.bound) / self.objective if self.objective else 0.0


def rank_cost(volunteer: Volunteer, arrondissement: int) -> int:
    if arrondissement in volunteer.prefs:
        return RANK_STEP * volunteer.prefs.index(arrondissement)
    return OUTSIDE_PREFS


def objective(volunteers: Sequence[Volunteer], teams: Sequence[Team], placements: Mapping[str, Placement]) -> int:
    """The cost of an assignment under the rules above (lower is better); the solver and greedy share it."""
    by_team: dict[str, list[Volunteer]] = defaultdict(list)
    leaders: dict[str, Volunteer] = {}
    total = 0
    team_of = {team.id: team for team in teams}
    for volunteer in volunteers:
        placement = placements.get(volunteer.id)
        if placement is None:
            total += UNASSIGNED
            continue
        total += rank_cost(volunteer, team_of[placement.team_id].arrondissement)
        if placement.role == LEADER:
            leaders[placement.team_id] = volunteer
        else:
            by_team[placement.team_id].append(volunteer)
    for team in teams:
        members = by_team.get(team.id, [])
        formed = bool(members) and (not team.needs_leader or team.id in leaders)
        if not formed:
            total += SEAT_BONUS * (team.min_volunteers + int(team.needs_leader))
        if not any(member.experienced for member in members):
            total += EXPERIENCE_BONUS
        first_timers = sum(not member.experienced for member in members)
        total += FIRST_TIMER_STEP * first_timers * (first_timers - 1) // 2
    return total


def _constant(teams: Iterable[Team]) -> int:
    """Objective minus flow cost for any valid assignment (the bonuses a full plan would earn)."""
    return sum(SEAT_BONUS * (team.min_volunteers + int(team.needs_leader)) + EXPERIENCE_BONUS for team in teams)


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
        if role == LEADER:
            leaders[team_id].append(volunteer_id)
            if not known[volunteer_id].can_lead:
                problems.append(f"volunteer {volunteer_id} leads team {team_id} but cannot lead")
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


@dataclass
class _Unit:
    """A node that carries supply: one volunteer alone, or a group of friends."""

    members: list[Volunteer]
    key: str  # group name, or the volunteer id

    @property
    def size(self) -> int:
        return len(self.members)


def _units(volunteers: Sequence[Volunteer]) -> list[_Unit]:
    units: list[_Unit] = []
    groups: dict[str, _Unit] = {}
    for volunteer in volunteers:
        if volunteer.group:
            unit = groups.get(volunteer.group)
            if unit is None:
                unit = groups[volunteer.group] = _Unit([], volunteer.group)
                units.append(unit)
            unit.members.append(volunteer)
        else:
            units.append(_Unit([volunteer], volunteer.id))
    return units


def _group_arrondissements(unit: _Unit) -> list[int]:
    seen: list[int] = []
    for member in unit.members:
        seen += [a for a in member.prefs if a not in seen]
    return seen


class _Network:
    """The min-cost flow instance, built once; closing a team or pinning a group only changes capacities."""

    def __init__(self, units: list[_Unit], teams: list[Team]) -> None:
        # Imported here: OR-Tools and NumPy add ~33 MB to every bot process, and only a solve needs them.
        import numpy as np
        from ortools.graph.python import min_cost_flow

        self.flow = min_cost_flow.SimpleMinCostFlow()
        # A group's cost is the sum over its members but flows unit by unit: costs are multiplied by a common
        # multiple of the group sizes so that the per-unit share stays an integer.
        self.scale = math.lcm(*(unit.size for unit in units)) if units else 1
        self.nodes = 1  # node 0 is the sink
        self.units, self.teams = units, teams
        self.hub: dict[tuple[int | None, str], int] = {}  # (arrondissement or None=anywhere, class)
        self.team_nodes: dict[str, dict[str, int]] = {}
        self.team_exits: dict[str, list[int]] = {}  # arcs into the sink: closing a team sets them to 0
        self.unit_arcs: list[list[tuple[int, tuple[int | None, str] | None]]] = []  # (arc, hub key or None)
        self.hub_out: dict[int, list[tuple[int, str]]] = defaultdict(list)  # hub node → (arc, team id)
        self.group_arcs: dict[int, list[tuple[str, dict[str, int]]]] = defaultdict(list)
        self.leader_hubs: set[int] = set()
        self._arcs: tuple[list[int], list[int], list[int], list[int]] = ([], [], [], [])
        self._supplies: list[int] = [0]
        self._build()
        tails, heads, capacities, costs = (np.array(values, dtype=np.int64) for values in self._arcs)
        self.flow.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
        self.flow.set_nodes_supplies(np.arange(self.nodes, dtype=np.int64), np.array(self._supplies, dtype=np.int64))

    def _node(self, supply: int = 0) -> int:
        self.nodes += 1
        self._supplies.append(supply)
        return self.nodes - 1

    def _arc(self, tail: int, head: int, capacity: int, cost: int, *, scaled: bool = False) -> int:
        for values, value in zip(self._arcs, (tail, head, capacity, cost if scaled else cost * self.scale),
                                 strict=True):
            values.append(value)
        return len(self._arcs[0]) - 1

    def _build(self) -> None:
        by_arrondissement: dict[int, list[Team]] = defaultdict(list)
        for team in self.teams:
            top = team.max_volunteers
            nodes = {"team": self._node(), "exp": self._node(), "new": self._node()}
            exits = [self._arc(nodes["team"], 0, team.min_volunteers, -SEAT_BONUS),
                     self._arc(nodes["team"], 0, top - team.min_volunteers, 0)]
            self._arc(nodes["exp"], nodes["team"], 1, -EXPERIENCE_BONUS)
            self._arc(nodes["exp"], nodes["team"], top - 1, 0)
            for k in range(top):
                self._arc(nodes["new"], nodes["team"], 1, FIRST_TIMER_STEP * k)
            if team.needs_leader:
                nodes["lead"] = self._node()
                exits.append(self._arc(nodes["lead"], 0, 1, -SEAT_BONUS))
            self.team_nodes[team.id], self.team_exits[team.id] = nodes, exits
            by_arrondissement[team.arrondissement].append(team)
        for arrondissement in [*sorted(by_arrondissement), None]:
            targets = by_arrondissement[arrondissement] if arrondissement is not None else self.teams
            for kind in ("exp", "new", "lead"):
                hub = self.hub[(arrondissement, kind)] = self._node()
                if kind == "lead":
                    self.leader_hubs.add(hub)
                for team in targets:
                    target = self.team_nodes[team.id].get(kind)
                    if target is not None:
                        arc = self._arc(hub, target, team.max_volunteers if kind != "lead" else 1, 0)
                        self.hub_out[hub].append((arc, team.id))
        supply = 0
        for index, unit in enumerate(self.units):
            node = self._node(unit.size)
            supply += unit.size
            arcs: list[tuple[int, tuple[int | None, str] | None]] = [(self._arc(node, 0, unit.size, UNASSIGNED), None)]
            if unit.size == 1:
                volunteer = unit.members[0]
                kind = "exp" if volunteer.experienced else "new"
                places: list[int | None] = [a for a in volunteer.prefs if (a, kind) in self.hub]
                for arrondissement in [*places, None]:
                    cost = rank_cost(volunteer, arrondissement) if arrondissement is not None else OUTSIDE_PREFS
                    arcs.append((self._arc(node, self.hub[(arrondissement, kind)], 1, cost), (arrondissement, kind)))
                    if volunteer.can_lead:
                        arcs.append((self._arc(node, self.hub[(arrondissement, "lead")], 1, cost),
                                     (arrondissement, "lead")))
            else:
                wanted = _group_arrondissements(unit)
                for team in self.teams:
                    if team.arrondissement in wanted:
                        self._group_team(index, node, unit, team)
            self.unit_arcs.append(arcs)
        self._supplies[0] = -supply

    def _group_team(self, index: int, node: int, unit: _Unit, team: Team) -> None:
        nodes = self.team_nodes[team.id]
        cost = sum(rank_cost(member, team.arrondissement) for member in unit.members) * self.scale // unit.size
        via = self._node()
        arcs = {"in": self._arc(node, via, unit.size, cost, scaled=True)}
        experienced = sum(member.experienced for member in unit.members)
        if experienced:
            arcs["exp"] = self._arc(via, nodes["exp"], experienced, 0)
        if unit.size - experienced:
            arcs["new"] = self._arc(via, nodes["new"], unit.size - experienced, 0)
        if "lead" in nodes and any(member.can_lead for member in unit.members):
            arcs["lead"] = self._arc(via, nodes["lead"], 1, 0)
        self.group_arcs[index].append((team.id, arcs))

    def close(self, team_id: str) -> None:
        for arc in self.team_exits[team_id]:
            self.flow.set_arc_capacity(arc, 0)

    def pin(self, index: int, team_id: str | None) -> None:
        """Send the whole group to one team (or leave it unassigned); None as `index`'s pin lifts it."""
        size = self.units[index].size
        self.flow.set_arc_capacity(self.unit_arcs[index][0][0], 0 if team_id is not None else size)
        for candidate, arcs in self.group_arcs[index]:
            self.flow.set_arc_capacity(arcs["in"], size if candidate == team_id else 0)

    def unpin(self, index: int) -> None:
        size = self.units[index].size
        self.flow.set_arc_capacity(self.unit_arcs[index][0][0], size)
        for _candidate, arcs in self.group_arcs[index]:
            self.flow.set_arc_capacity(arcs["in"], size)

    def solve(self) -> int:
        status = self.flow.solve()
        if status != self.flow.OPTIMAL:  # pragma: no cover - the unassigned arcs make every instance feasible
            raise RuntimeError(f"min-cost flow failed with status {status}")
        return -(-int(self.flow.optimal_cost()) // self.scale)  # rounded up: still a lower bound

    def read(self) -> tuple[dict[str, Placement], dict[str, dict[str | None, int]]]:
        """Placements of whole units, and how every group's units were spread (team or None → count)."""
        flows = self.flow.flow
        queues: dict[int, list[Volunteer]] = defaultdict(list)
        placements: dict[str, Placement] = {}
        spread: dict[str, dict[str | None, int]] = {}
        for index, unit in enumerate(self.units):
            if unit.size == 1:
                for arc, target in self.unit_arcs[index][1:]:
                    if target is not None and flows(arc):
                        queues[self.hub[target]].append(unit.members[0])
                continue
            shares: dict[str | None, int] = {}
            if flows(self.unit_arcs[index][0][0]):
                shares[None] = flows(self.unit_arcs[index][0][0])
            for team_id, arcs in self.group_arcs[index]:
                amount = flows(arcs["in"])
                if not amount:
                    continue
                shares[team_id] = amount
                if amount == unit.size:
                    lead = "lead" in arcs and flows(arcs["lead"]) > 0
                    leader = next((m for m in unit.members if m.can_lead), None) if lead else None
                    for member in unit.members:
                        placements[member.id] = Placement(team_id, LEADER if member is leader else MEMBER)
            spread[unit.key] = shares
        for hub, queue in queues.items():
            cursor = 0
            role = LEADER if hub in self.leader_hubs else MEMBER
            for arc, team_id in self.hub_out[hub]:
                for volunteer in queue[cursor:cursor + flows(arc)]:
                    placements[volunteer.id] = Placement(team_id, role)
                cursor += flows(arc)
        return placements, spread


def _broken_teams(teams: Sequence[Team], placements: Mapping[str, Placement], *, worst_only: bool = False) -> list[str]:
    """Teams with someone in them but below their minimum or without a leader.

    With `worst_only`, only the emptiest one per arrondissement: closing it may free people who complete the others.
    """
    members: dict[str, int] = defaultdict(int)
    leaders: dict[str, int] = defaultdict(int)
    for placement in placements.values():
        (leaders if placement.role == LEADER else members)[placement.team_id] += 1
    broken: list[Team] = []
    for team in teams:
        if not members[team.id] and not leaders[team.id]:
            continue
        if members[team.id] < team.min_volunteers or (team.needs_leader and not leaders[team.id]):
            broken.append(team)
    if not worst_only:
        return [team.id for team in broken]
    worst: dict[int, Team] = {}
    for team in broken:  # input order breaks ties
        fill = (members[team.id] + leaders[team.id]) / (team.min_volunteers + int(team.needs_leader))
        current = worst.get(team.arrondissement)
        if current is None or fill < (members[current.id] + leaders[current.id]) / (
                current.min_volunteers + int(current.needs_leader)):
            worst[team.arrondissement] = team
    return [team.id for team in worst.values()]


def solve(volunteers: Sequence[Volunteer], teams: Sequence[Team]) -> Result:
    """Form the teams: optimal flow, then pin split groups and close broken teams until the plan is valid."""
    started = time.perf_counter()
    units = _units(volunteers)
    team_list = list(teams)
    by_id = {team.id: team for team in team_list}
    index_of = {unit.key: index for index, unit in enumerate(units)}
    network = _Network(units, team_list)
    closed: set[str] = set()
    pins: dict[str, str | None] = {}
    bound: int | None = None
    placements: dict[str, Placement] = {}
    rounds = 0
    for rounds in range(1, MAX_ROUNDS + 1):  # noqa: B007 - the count is reported
        cost = network.solve()
        if bound is None:
            bound = cost + _constant(team_list)
        placements, spread = network.read()
        changed = False
        load: dict[str, int] = defaultdict(int)
        for key, team_id in pins.items():
            if team_id is not None:
                load[team_id] += units[index_of[key]].size
        for unit in units:
            shares = spread.get(unit.key)
            if unit.size == 1 or not shares or max(shares.values()) == unit.size:
                continue
            choices = sorted(shares.items(), key=lambda item: (-item[1], item[0] is None))
            target: str | None = None
            for team_id, _share in choices:
                if team_id is None or load[team_id] + unit.size <= by_id[team_id].max_volunteers:
                    target = team_id
                    break
            pins[unit.key] = target
            network.pin(index_of[unit.key], target)
            if target is not None:
                load[target] += unit.size
            changed = True
        # A team is only judged once no group is split: unplaced halves of groups leave holes on purpose.
        broken = [] if changed else _broken_teams(team_list, placements, worst_only=True)
        for team_id in broken:
            closed.add(team_id)
            network.close(team_id)
            for key, pinned in list(pins.items()):
                if pinned == team_id:
                    del pins[key]
                    network.unpin(index_of[key])
            changed = True
        if not changed:
            break
    placements = _drop_invalid(volunteers, team_list, placements)
    assert bound is not None
    rows = [(v.id, placements[v.id].team_id if v.id in placements else None,
             placements[v.id].role if v.id in placements else None) for v in volunteers]
    return Result(placements, objective(volunteers, team_list, placements), bound,
                  time.perf_counter() - started, rounds, check(volunteers, team_list, rows))


def _drop_invalid(volunteers: Sequence[Volunteer], teams: Sequence[Team],
                  placements: dict[str, Placement]) -> dict[str, Placement]:
    """Last safety net: a team still breaking a rule after the rounds is dissolved, a split group unplaced."""
    result = dict(placements)
    broken = set(_broken_teams(teams, result))
    result = {vid: p for vid, p in result.items() if p.team_id not in broken}
    for unit in _units(volunteers):
        if unit.size > 1 and len({result[m.id].team_id if m.id in result else None for m in unit.members}) > 1:
            for member in unit.members:
                result.pop(member.id, None)
    if _broken_teams(teams, result):
        return _drop_invalid(volunteers, teams, result)
    return result


def greedy(volunteers: Sequence[Volunteer], teams: Sequence[Team]) -> dict[str, Placement]:
    """The baseline a coordinator would do by hand: leaders first, then each unit to its first choice with room."""
    placements: dict[str, Placement] = {}
    size: dict[str, int] = defaultdict(int)
    led: set[str] = set()
    units = _units(volunteers)
    for team in teams:
        if not team.needs_leader:
            continue
        for unit in units:
            volunteer = unit.members[0]
            if unit.size == 1 and volunteer.can_lead and volunteer.id not in placements and \
                    team.arrondissement in volunteer.prefs:
                placements[volunteer.id] = Placement(team.id, LEADER)
                led.add(team.id)
                break
    for unit in units:
        if any(member.id in placements for member in unit.members):
            continue
        for arrondissement in _group_arrondissements(unit):
            fitting = [team for team in teams if team.arrondissement == arrondissement and
                       size[team.id] + unit.size <= team.max_volunteers]
            if fitting:
                team = min(fitting, key=lambda t: size[t.id])
                for member in unit.members:
                    placements[member.id] = Placement(team.id, MEMBER)
                size[team.id] += unit.size
                break
    return _drop_invalid(volunteers, teams, placements)

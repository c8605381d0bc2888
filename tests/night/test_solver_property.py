"""The solver against an exact model on random small instances: every hard rule, checked by a checker of
its own here, and the first two levels of the objective (sectors staffed, people placed) equal to the optimum
of a plain CP-SAT model with one variable per person and team."""

from __future__ import annotations

import random
from collections import defaultdict

from ortools.sat.python import cp_model

from services.night.assignment import LEADER, MEMBER, Placement, Team, Volunteer, solve

NEEDS = ("stairs", "walking")


def _instance(rng: random.Random) -> tuple[list[Volunteer], list[Team]]:
    places = rng.sample(range(1, 21), rng.randint(2, 4))
    scarce = rng.random() < 0.5
    teams = []
    for index in range(rng.randint(3, 10)):
        low = rng.randint(1, 3)
        demands = frozenset(rng.sample(NEEDS, rng.randint(0, 1)))
        registered = None if scarce or rng.random() < 0.5 else f"pro{index}"
        teams.append(Team(f"T{index}", rng.choice(places), low, low + rng.randint(0, 2), registered, demands))
    volunteers: list[Volunteer] = []
    while len(volunteers) < rng.randint(5, 60):
        size = rng.choice((1, 1, 1, 1, 2, 3))
        group = f"G{len(volunteers)}" if size > 1 else None
        prefs = tuple(rng.sample(places, rng.randint(1, min(3, len(places)))))
        for _ in range(size):
            experienced = rng.random() < 0.6
            needs = frozenset(rng.sample(NEEDS, 1)) if rng.random() < 0.15 else frozenset()
            can_lead = experienced and rng.random() < (0.1 if scarce else 0.4)
            volunteers.append(Volunteer(f"V{len(volunteers)}", prefs, experienced, group, can_lead, needs))
    return volunteers, teams


def _broken_rules(volunteers: list[Volunteer], teams: list[Team], placements: dict[str, Placement]) -> list[str]:
    """The hard rules, written again without the solver's code."""
    problems = []
    team_of = {team.id: team for team in teams}
    members: dict[str, int] = defaultdict(int)
    leaders: dict[str, int] = defaultdict(int)
    for volunteer in volunteers:
        place = placements.get(volunteer.id)
        if place is None:
            continue
        team = team_of[place.team_id]
        if team.arrondissement not in volunteer.prefs or volunteer.needs & team.demands:
            problems.append(f"{volunteer.id} in a team they cannot be in")
        if place.role == LEADER:
            leaders[team.id] += 1
            if not volunteer.can_lead or not team.needs_leader or volunteer.group:
                problems.append(f"{volunteer.id} may not lead {team.id}")
        else:
            members[team.id] += 1
    if len(placements) != len({v.id for v in volunteers if v.id in placements}):
        problems.append("someone placed twice or unknown")
    for team in teams:
        if members[team.id] or leaders[team.id]:
            if not team.min_volunteers <= members[team.id] <= team.max_volunteers:
                problems.append(f"{team.id} size")
            if leaders[team.id] != int(team.needs_leader):
                problems.append(f"{team.id} leaders")
    for group in {v.group for v in volunteers if v.group}:
        if len({placements[v.id].team_id if v.id in placements else None
                for v in volunteers if v.group == group}) > 1:
            problems.append(f"group {group} split")
    return problems


def _exact(volunteers: list[Volunteer], teams: list[Team]) -> tuple[int, int]:
    """Sectors staffed, then people placed: one boolean per person, team and role."""
    model = cp_model.CpModel()
    member: dict[tuple[str, str], cp_model.IntVar] = {}
    leader: dict[tuple[str, str], cp_model.IntVar] = {}
    used = {team.id: model.new_bool_var(team.id) for team in teams}
    for volunteer in volunteers:
        options = []
        for team in teams:
            if team.arrondissement in volunteer.prefs and not volunteer.needs & team.demands:
                member[volunteer.id, team.id] = model.new_bool_var("")
                options.append(member[volunteer.id, team.id])
                if volunteer.can_lead and team.needs_leader and not volunteer.group:
                    leader[volunteer.id, team.id] = model.new_bool_var("")
                    options.append(leader[volunteer.id, team.id])
        model.add(sum(options) <= 1)
    for team in teams:
        size = sum(var for (_v, t), var in member.items() if t == team.id)
        model.add(size >= team.min_volunteers * used[team.id])
        model.add(size <= team.max_volunteers * used[team.id])
        if team.needs_leader:
            model.add(sum(var for (_v, t), var in leader.items() if t == team.id) == used[team.id])
    for volunteer in volunteers:
        for mate in volunteers:
            if volunteer.group and mate.group == volunteer.group and mate.id != volunteer.id:
                for team in teams:
                    model.add(member.get((volunteer.id, team.id), 0) == member.get((mate.id, team.id), 0))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    model.maximize(sum(used.values()))
    assert solver.solve(model) == cp_model.OPTIMAL
    staffed = round(solver.objective_value)
    model.add(sum(used.values()) >= staffed)
    model.maximize(sum(member.values()) + sum(leader.values()))
    assert solver.solve(model) == cp_model.OPTIMAL
    return staffed, round(solver.objective_value)


def test_random_small_instances_meet_every_hard_rule_and_the_exact_optimum() -> None:
    rng = random.Random(14)
    for _ in range(40):
        volunteers, teams = _instance(rng)
        result = solve(volunteers, teams)
        assert _broken_rules(volunteers, teams, result.placements) == []
        assert result.violations == []
        assert all(place.role in (LEADER, MEMBER) for place in result.placements.values())
        assert (result.levels.staffed, result.levels.placed) == _exact(volunteers, teams)
        assert result.optimal and (result.bounds.staffed, result.bounds.placed) == _exact(volunteers, teams)

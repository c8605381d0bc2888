"""The team solver's rules: hard rules always hold, soft rules in order, same input same output, a valid bound."""

from __future__ import annotations

import itertools

from benchmarks.night import instance
from services.night.assignment import (
    LEADER,
    MEMBER,
    Placement,
    Team,
    Volunteer,
    check,
    greedy,
    levels,
    objective,
    solve,
)


def _rows(volunteers: list[Volunteer], placements: dict[str, Placement]) -> list[tuple[str, str | None, str | None]]:
    return [(v.id, placements[v.id].team_id if v.id in placements else None,
             placements[v.id].role if v.id in placements else None) for v in volunteers]


def test_groups_stay_together_and_leaders_are_chosen() -> None:
    volunteers = [
        Volunteer("lead", (18,), True, None, True),
        Volunteer("a", (18,), False, "G", False), Volunteer("b", (18,), True, "G", False),
        Volunteer("c", (18,), False, "G", False),
        Volunteer("d", (19, 18), True), Volunteer("e", (19,), False), Volunteer("f", (19,), True),
    ]
    teams = [Team("T18", 18, 3, 4, None), Team("T19", 19, 2, 3, "pro")]
    result = solve(volunteers, teams)
    assert result.violations == []
    assert result.placements["lead"] == Placement("T18", LEADER)
    assert {result.placements[x].team_id for x in "abc"} == {"T18"}
    assert {result.placements[x].team_id for x in "def"} == {"T19"}
    assert result.bound <= result.objective


def test_a_team_without_leader_or_enough_people_stays_empty() -> None:
    volunteers = [Volunteer(str(i), (5,), True) for i in range(5)]
    teams = [Team("needs-leader", 5, 2, 4, None), Team("led", 5, 3, 4, "pro")]
    result = solve(volunteers, teams)
    assert result.violations == []
    assert {p.team_id for p in result.placements.values()} == {"led"}  # nobody can lead the other one
    assert len(result.placements) == 4  # the fifth waits: "led" is full


def test_preference_rank_then_experience_then_spread() -> None:
    volunteers = [Volunteer("new1", (1,), False), Volunteer("new2", (1,), False), Volunteer("old1", (1,), True),
                  Volunteer("old2", (1,), True), Volunteer("far", (2, 1), True)]
    teams = [Team("A", 1, 2, 2, "x"), Team("B", 1, 2, 2, "y"), Team("C", 2, 1, 1, "z")]
    result = solve(volunteers, teams)
    assert result.placements["far"].team_id == "C"  # first choice honoured
    by_team: dict[str, list[str]] = {}
    for vid, place in result.placements.items():
        by_team.setdefault(place.team_id, []).append(vid)
    # each team in the 1st gets one experienced volunteer and one first-timer
    assert sorted(sorted(by_team[t]) for t in "AB") == [["new1", "old1"], ["new2", "old2"]] or \
        sorted(sorted(by_team[t]) for t in "AB") == [["new1", "old2"], ["new2", "old1"]]


def test_same_input_same_output_and_the_checker_catches_every_hard_rule() -> None:
    volunteers, teams = instance(600, 60, seed=7)
    # reproducible when the search ends by proving its levels (a plan cut by the time limit reports its bound)
    first, second = solve(volunteers, teams, time_limit=60), solve(volunteers, teams, time_limit=60)
    assert first.optimal
    assert first.placements == second.placements and first.objective == second.objective
    assert first.violations == [] and first.bound <= first.objective
    rows = _rows(volunteers, first.placements)
    assert check(volunteers, teams, rows) == []
    grouped = next(v for v in volunteers if v.group and v.id in first.placements)
    mate = next(v for v in volunteers if v.group == grouped.group and v.id != grouped.id)
    other = next(t.id for t in teams if t.id != first.placements[grouped.id].team_id)
    broken = [(vid, other if vid == mate.id else team, role) for vid, team, role in rows]
    problems = check(volunteers, teams, broken)
    assert any("split" in p for p in problems)
    assert any("appears twice" in p for p in check(volunteers, teams, [*rows, rows[0]]))
    full = next(t for t in teams if sum(1 for _v, team, role in rows if team == t.id and role == MEMBER) ==
                t.max_volunteers)
    extra = next(v.id for v in volunteers if v.id not in first.placements and not v.group)
    over = [(vid, full.id, MEMBER) if vid == extra else (vid, team, role) for vid, team, role in rows]
    assert any(f"team {full.id} has" in p for p in check(volunteers, teams, over))


def test_optimal_on_small_instances_by_brute_force() -> None:
    volunteers = [Volunteer("a", (1, 2), True, None, True), Volunteer("b", (2,), False),
                  Volunteer("c", (1,), True, "G"), Volunteer("d", (2,), False, "G"), Volunteer("e", (1,), False),
                  Volunteer("f", (2, 1), True)]
    teams = [Team("T1", 1, 2, 3, None), Team("T2", 2, 2, 3, "pro")]
    result = solve(volunteers, teams)
    best = None
    options = [None, ("T1", MEMBER), ("T1", LEADER), ("T2", MEMBER)]
    for combo in itertools.product(options, repeat=len(volunteers)):
        placements = {v.id: Placement(*choice) for v, choice in zip(volunteers, combo, strict=True) if choice}
        if check(volunteers, teams, _rows(volunteers, placements)):
            continue
        score = objective(volunteers, teams, placements)
        best = score if best is None else min(best, score)
    assert best is not None and result.objective == best and result.bound <= best


def test_at_scale_no_worse_than_greedy_on_any_level_that_matters() -> None:
    volunteers, teams = instance(2000, 200, seed=11)
    result = solve(volunteers, teams)
    baseline = greedy(volunteers, teams)
    assert result.violations == [] and check(volunteers, teams, _rows(volunteers, baseline)) == []
    assert result.objective <= objective(volunteers, teams, baseline)
    assert (result.levels.staffed, result.levels.placed) == (result.bounds.staffed, result.bounds.placed)


def test_someone_who_speaks_little_french_shares_a_language_with_a_team_mate() -> None:
    arabic, french = frozenset({"ar"}), frozenset({"fr"})
    volunteers = [Volunteer("a", (18,), True, languages=arabic), Volunteer("c", (18,), True, languages=french),
                  Volunteer("b", (18,), True, languages=arabic | french), Volunteer("d", (18,), True, languages=french)]
    teams = [Team("T1", 18, 2, 2, "pro1"), Team("T2", 18, 2, 2, "pro2")]
    result = solve(volunteers, teams)
    assert result.violations == []
    assert result.placements["a"].team_id == result.placements["b"].team_id  # Arabic together
    assert result.levels == levels(volunteers, teams, result.placements)

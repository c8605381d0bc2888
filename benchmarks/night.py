"""Night of Solidarity assignment at city scale: 4,000 volunteers, 400 teams; prints one JSON line.

The instance is synthetic but shaped like a real edition (fixed seed): preferences concentrated on the
popular arrondissements, ~15 % of people in groups of 2–4, ~10 % able to lead, ~40 % first-timers,
60 % of teams with a registered leader (social workers), teams of 3 to 4 volunteers. The baseline is
a greedy assignment (leaders first, then first choice with room) scored by the same objective.
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from services.night.assignment import Team, Volunteer, check, greedy, levels, objective, solve

# Relative weight of each arrondissement in the preferences (central and north-east ones draw more).
POPULARITY = {1: 6, 2: 4, 3: 5, 4: 5, 5: 5, 6: 4, 7: 3, 8: 4, 9: 5, 10: 9, 11: 10, 12: 6, 13: 7, 14: 5,
              15: 5, 16: 3, 17: 5, 18: 10, 19: 9, 20: 9}


def instance(volunteers: int = 4000, teams: int = 400, seed: int = 2026) -> tuple[list[Volunteer], list[Team]]:
    """A reproducible instance of the given size."""
    rng = random.Random(seed)
    places = list(POPULARITY)
    weights = [POPULARITY[a] for a in places]
    team_list = []
    # teams spread over arrondissements like the need: more where more people sleep rough
    for index in range(teams):
        arrondissement = rng.choices(places, weights)[0]
        leader = f"L{index}" if rng.random() < 0.6 else None
        team_list.append(Team(f"T{index}", arrondissement, 3, 4, leader))
    people: list[Volunteer] = []
    group_no = 0
    while len(people) < volunteers:
        size = 1
        if rng.random() < 0.15 / 2.5:  # ~15 % of people end up in groups of 2-4 (mean size ~3)
            size = min(rng.randint(2, 4), volunteers - len(people))
        group = f"G{group_no}" if size > 1 else None
        group_no += size > 1
        shared = _prefs(rng, places, weights)
        for _ in range(size):
            experienced = rng.random() >= 0.4
            can_lead = experienced and rng.random() < 0.10 / 0.6
            prefs = shared if group and rng.random() < 0.8 else _prefs(rng, places, weights)
            people.append(Volunteer(f"V{len(people)}", prefs, experienced, group, can_lead))
    return people, team_list


def _prefs(rng: random.Random, places: list[int], weights: list[int]) -> tuple[int, ...]:
    chosen: list[int] = []
    while len(chosen) < rng.choice((1, 2, 3, 3, 3)):
        pick = rng.choices(places, weights)[0]
        if pick not in chosen:
            chosen.append(pick)
    return tuple(chosen)


def scarce_leaders(volunteers: int = 4000, teams: int = 400, seed: int = 5) -> tuple[list[Volunteer], list[Team]]:
    """The same shape, but 80 % of teams must find their leader among the volunteers (about 10 % can lead)."""
    people, team_list = instance(volunteers, teams, seed)
    rng = random.Random(seed)
    return people, [Team(t.id, t.arrondissement, t.min_volunteers, t.max_volunteers,
                         None if rng.random() < 0.8 else t.leader_id) for t in team_list]


def _figures(volunteers: list[Volunteer], teams: list[Team], exact_seconds: float) -> dict[str, object]:
    started = time.perf_counter()
    baseline = greedy(volunteers, teams)
    greedy_seconds = time.perf_counter() - started
    fast = solve(volunteers, teams)
    exact = solve(volunteers, teams, time_limit=exact_seconds)  # the same model, given time to prove its optimum
    rows = [(v.id, fast.placements[v.id].team_id if v.id in fast.placements else None,
             fast.placements[v.id].role if v.id in fast.placements else None) for v in volunteers]
    base = levels(volunteers, teams, baseline)
    return {
        "seconds": round(fast.seconds, 3), "staffed": fast.levels.staffed, "staffed_bound": fast.bounds.staffed,
        "placed": fast.levels.placed, "placed_bound": fast.bounds.placed, "rank": fast.levels.rank,
        "rank_floor": fast.bounds.rank, "experienced_teams": fast.levels.experienced, "spread": fast.levels.spread,
        "proven": fast.optimal, "violations": len(check(volunteers, teams, rows)),
        "exact_seconds": round(exact.seconds, 3), "exact_staffed": exact.levels.staffed,
        "exact_placed": exact.levels.placed, "exact_proven": exact.optimal,
        "greedy_seconds": round(greedy_seconds, 3), "greedy_staffed": base.staffed, "greedy_placed": base.placed,
        "greedy_rank": base.rank, "greedy_objective_worse": objective(volunteers, teams, baseline) >
        fast.objective,
    }


def main() -> None:
    city = _figures(*instance(), exact_seconds=60)
    scarce = _figures(*scarce_leaders(), exact_seconds=60)
    print(json.dumps({"benchmark": "night_assignment", "volunteers": 4000, "teams": 400, "target_seconds": 2,
                      "city": city, "scarce_leaders": scarce}))


if __name__ == "__main__":
    main()

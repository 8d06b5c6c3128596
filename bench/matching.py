"""Benchmark the matching engine end to end on a synthetic consortium, with references.

    .venv/bin/python bench/matching.py --size 1k|10k|50k [--no-matching-package]
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/matching.py ...

Builds a consortium (fixed seed; 1k/400, 10k/4k or 50k/20k mentees/mentors, capacities 1-3,
about 50 eligible mentors per mentee after the hard constraints) in a throwaway database:
PostgreSQL when BENCH_DATABASE_URL names a server where it may create one (migrated, then
dropped), else a temporary SQLite file. On PostgreSQL the user BENCH_DATABASE_URL names only
creates, migrates, analyses and drops that database; the app connects as production's does, as
the non-owner runtime role under FORCE ROW LEVEL SECURITY (bench/support.py; the script prints
the role and refuses one that would skip the policies), so their cost is in the figures. Runs
the real matching job through the job executor (job start to proposals committed) and prints
each phase's time and the peak memory. On the same candidate graph it times OR-Tools'
min-cost flow called directly, our stable mode, and (up to 10k, unless --no-matching-package:
it takes minutes) the `matching` package's hospital/residents solver, as references.

The last line is one JSON object: size, database, end_to_end_s, phases_s, job_cpu_s,
solve_s, ortools_solve_s, end_to_end_over_ortools, stable_s, matching_pkg_s, peak_mb
(the process), job_peak_mb (the job alone, Linux), proposed, total_score.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import pstats
import resource
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import insert

# This file is bench/matching.py: drop its folder from the path, or `import matching` (the
# `matching` package, a reference below) would import this script.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

from bench.support import (  # noqa: E402
    analyse,
    bench_app,
    measured_role,
    seeded_uuid,
    throwaway_database,
)
from consortium.core import tenancy  # noqa: E402
from consortium.core.jobs import execute  # noqa: E402
from consortium.extensions import db  # noqa: E402
from consortium.matching import solve  # noqa: E402
from consortium.matching.candidates import candidates  # noqa: E402
from consortium.matching.load import load  # noqa: E402
from consortium.matching.models import MatchingRun  # noqa: E402
from consortium.matching.scoring import integer_weights, score, shortlist_ranks  # noqa: E402
from consortium.matching.service import queue_run as queue_run_of  # noqa: E402
from consortium.models import (  # noqa: E402
    Application,
    Consortium,
    ConsortiumMembership,
    MentorProfile,
    MentorProfileShare,
    Organisation,
    Person,
    Programme,
)

SIZES = {"1k": (1_000, 400), "10k": (10_000, 4_000), "50k": (50_000, 20_000)}
SEED = 20261122
SHARES = 3  # organisations each mentor is shared with, by name
VISIBLE = 56  # mentors each organisation sees; hard constraints leave about 50
TOPICS = [
    "leadership",
    "quality-improvement",
    "finance",
    "digital-transformation",
    "patient-safety",
    "community-safety",
    "workforce-planning",
    "change-management",
    "coaching-skills",
    "data-analysis",
    "project-management",
    "equality-diversity-inclusion",
    "wellbeing",
    "resilience",
    "governance",
    "procurement",
    "partnership-working",
    "clinical-leadership",
    "operational-command",
    "public-health",
    "safeguarding",
    "education-leadership",
    "research",
    "communications",
    "budgeting",
    "negotiation",
    "strategy",
    "service-design",
    "innovation",
    "risk-management",
    "emergency-planning",
]
SECTORS = ("health", "police", "fire", "local_authority", "education", "voluntary")
PROFESSIONS = ("nursing", "medicine", "policing", "firefighting", "social work", "finance", "hr")
NOW = datetime.now(UTC)
PHASES = ("load", "candidates", "score", "solve", "explain", "write")  # in the order they run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="10k")
    parser.add_argument(
        "--no-matching-package",
        action="store_true",
        help="skip the `matching` package reference (minutes at 10k)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="print the job's 30 costliest functions (cProfile, cumulative; slows the run)",
    )
    arguments = parser.parse_args()
    size = arguments.size
    n, m = SIZES[size]
    with throwaway_database() as (url, kind):
        app = bench_app(url)
        print(f"database: {kind}; size {size}: {n} mentees, {m} mentors")
        with app.app_context():
            print(f"measured as {measured_role()}")
            started = time.perf_counter()
            programme_id = build(n, m)
            analyse()
            print(f"built the consortium in {time.perf_counter() - started:.1f} s")
            graph_figures = references(
                app, programme_id, n <= 10_000 and not arguments.no_matching_package
            )
            run_id, job_id = queue_run(programme_id)
        _reset_peak_rss()
        profiler = cProfile.Profile() if arguments.profile else None
        started, cpu = time.perf_counter(), time.process_time()
        with profiler or contextlib.nullcontext():
            status = execute(app, job_id)
        end_to_end = time.perf_counter() - started
        if profiler is not None:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        job_cpu = time.process_time() - cpu
        job_peak_mb = _peak_rss_mb()
        assert status == "succeeded", status
        with app.app_context(), tenancy.all_tenants():
            run = db.session.get(MatchingRun, run_id)
            assert run is not None
            timings, counts = dict(run.timings), dict(run.counts)
            db.session.rollback()
            db.engine.dispose()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    phases = {p: timings[p] for p in PHASES if p in timings} | timings
    for phase, seconds in phases.items():
        print(f"  {phase:11} {seconds:8.3f} s")
    print(f"  {'end to end':11} {end_to_end:8.3f} s  (job start → proposals committed)")
    print(f"  {'(bench CPU)':11} {job_cpu:8.3f} s  (this process; the database's is not in it)")
    ratio = end_to_end / max(graph_figures["ortools_solve_s"], 1e-9)
    print(
        f"candidate pairs {counts['candidate_pairs']} "
        f"({counts['candidate_pairs'] / max(counts['mentees'], 1):.1f} per mentee); "
        f"proposed {counts['proposed']}, unmatched {counts['unmatched']}, "
        f"total score {counts['total_score']:.3f}"
    )
    print(
        f"solve {timings['solve']:.3f} s vs OR-Tools directly "
        f"{graph_figures['ortools_solve_s']:.3f} s "
        f"(same optimum: {graph_figures['same_optimum']}); end to end is {ratio:.1f}x "
        "OR-Tools' solve alone; stable mode "
        f"{graph_figures['stable_s']:.3f} s (blocking pairs: {graph_figures['blocking']})"
    )
    if graph_figures["matching_pkg_s"] is not None:
        print(
            f"`matching` package hospital/residents {graph_figures['matching_pkg_s']:.2f} s "
            f"(same matching as ours: {graph_figures['matching_pkg_agrees']}); ours is "
            f"{graph_figures['matching_pkg_s'] / max(graph_figures['stable_s'], 1e-9):.0f}x faster"
        )
    print(
        f"peak memory (RSS) {peak_mb:.0f} MB for the process, "
        f"{job_peak_mb if job_peak_mb is not None else float('nan'):.0f} MB during the job"
    )
    print(
        json.dumps(
            {
                "size": size,
                "database": "postgresql-runtime-role-rls" if "PostgreSQL" in kind else "sqlite",
                "end_to_end_s": round(end_to_end, 3),
                "phases_s": phases,
                "job_cpu_s": round(job_cpu, 3),
                "solve_s": timings["solve"],
                "ortools_solve_s": round(graph_figures["ortools_solve_s"], 3),
                "end_to_end_over_ortools": round(ratio, 1),
                "stable_s": round(graph_figures["stable_s"], 3),
                "matching_pkg_s": graph_figures["matching_pkg_s"]
                and round(graph_figures["matching_pkg_s"], 2),
                "peak_mb": round(peak_mb),
                "job_peak_mb": job_peak_mb and round(job_peak_mb),
                "proposed": counts["proposed"],
                "total_score": counts["total_score"],
            }
        )
    )


def _reset_peak_rss() -> None:
    """Start the peak-RSS count afresh (Linux: VmHWM), so the job's own peak can be read."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _peak_rss_mb() -> float | None:
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return None


# --- the database ------------------------------------------------------------------------------


def build(n: int, m: int) -> uuid.UUID:
    """The synthetic consortium, written in bulk as the platform; returns the programme id."""
    rng = np.random.default_rng(SEED)
    orgs = max(SHARES + 2, round(m * SHARES / VISIBLE))
    org_ids = [seeded_uuid(rng) for _ in range(orgs)]
    consortium_id, programme_id = seeded_uuid(rng), seeded_uuid(rng)
    stamp = {"created_at": NOW, "updated_at": NOW}
    mentor_org = rng.integers(0, orgs, m)
    mentee_org = rng.integers(0, orgs, n)
    mentor_people = [seeded_uuid(rng) for _ in range(m)]
    mentee_people = [seeded_uuid(rng) for _ in range(n)]
    profile_ids = [seeded_uuid(rng) for _ in range(m)]
    # Half the mentees report to a mentor of their own organisation (chains to follow).
    by_org: dict[int, list[int]] = {}
    for j, o in enumerate(mentor_org.tolist()):
        by_org.setdefault(o, []).append(j)
    with tenancy.all_tenants():
        session = db.session
        session.execute(
            insert(Organisation),
            [
                {
                    "id": org_ids[k],
                    "name": f"Employer {k}",
                    "slug": f"employer-{k}",
                    "sector": SECTORS[k % len(SECTORS)],
                    "email_domains": [f"employer-{k}.example.org"],
                    "status": "active",
                    **stamp,
                }
                for k in range(orgs)
            ],
        )
        session.execute(
            insert(Consortium),
            [{"id": consortium_id, "name": "Bench ICS", "slug": "bench-ics", **stamp}],
        )
        session.execute(
            insert(ConsortiumMembership),
            [
                {
                    "id": seeded_uuid(rng),
                    "consortium_id": consortium_id,
                    "organisation_id": o,
                    **stamp,
                }
                for o in org_ids
            ],
        )
        people = [
            _person(mentor_people[j], org_ids[mentor_org[j]], f"m{j}", rng, None, stamp)
            for j in range(m)
        ]
        for i in range(n):
            colleagues = by_org.get(int(mentee_org[i]), [])
            boss = (
                mentor_people[colleagues[int(rng.integers(len(colleagues)))]]
                if colleagues and rng.random() < 0.5
                else None
            )
            people.append(
                _person(mentee_people[i], org_ids[mentee_org[i]], f"e{i}", rng, boss, stamp)
            )
        # Managers first, so every line_manager_id exists when its report is inserted.
        session.execute(insert(Person), people[:m])
        session.execute(insert(Person), people[m:])
        session.execute(
            insert(MentorProfile),
            [
                {
                    "id": profile_ids[j],
                    "organisation_id": org_ids[mentor_org[j]],
                    "person_id": mentor_people[j],
                    "modalities": ["mentoring"] if rng.random() < 0.96 else ["coaching"],
                    "topics": _topics(rng, 2, 5),
                    "bio": "Experienced in " + " and ".join(_topics(rng, 2, 3)).replace("-", " "),
                    "accreditation_body": "EMCC",
                    "accreditation_level": "practitioner",
                    "accreditation_rank": 2,
                    "capacity": int(rng.integers(1, 4)),
                    "active_load": 0,
                    "vetting_status": "approved" if rng.random() < 0.98 else "pending",
                    "vetting_expires_on": date.today() + timedelta(days=365),
                    "sharing_scope": "organisations",
                    "released_at": NOW,
                    "released_by": "bench",
                    "status": "active",
                    **stamp,
                }
                for j in range(m)
            ],
        )
        shares = []
        visible_to: dict[int, list[int]] = {}
        for j in range(m):
            others = [
                o
                for o in rng.choice(orgs, SHARES + 1, replace=False).tolist()
                if o != mentor_org[j]
            ]
            for o in others[:SHARES]:
                visible_to.setdefault(o, []).append(j)
                shares.append(
                    {
                        "id": seeded_uuid(rng),
                        "profile_id": profile_ids[j],
                        "owner_organisation_id": org_ids[mentor_org[j]],
                        "organisation_id": org_ids[o],
                        **stamp,
                    }
                )
        session.execute(insert(MentorProfileShare), shares)
        session.execute(
            insert(Programme),
            [
                {
                    "id": programme_id,
                    "consortium_id": consortium_id,
                    "name": "Bench Mentoring",
                    "description": "",
                    "type": "mentoring",
                    "status": "open",
                    "cross_organisation_required": True,
                    "sessions_min": 3,
                    "sessions_max": 6,
                    "cadence_days": 30,
                    "seniority_direction": "any",
                    "vetting_required": True,
                    "eligibility": {},
                    "opens_at": NOW - timedelta(days=10),
                    "closes_at": NOW + timedelta(days=10),
                    "matching_mode": "optimal",
                    "created_by": "bench",
                    **stamp,
                }
            ],
        )
        applications = []
        for i in range(n):
            seen = visible_to.get(int(mentee_org[i]), [])
            shortlist = (
                [str(profile_ids[j]) for j in rng.choice(seen, min(3, len(seen)), replace=False)]
                if seen and rng.random() < 0.2
                else []
            )
            avoid = [str(org_ids[int(rng.integers(orgs))])] if rng.random() < 0.1 else []
            topics = _topics(rng, 1, 4)
            applications.append(
                {
                    "id": seeded_uuid(rng),
                    "programme_id": programme_id,
                    "consortium_id": consortium_id,
                    "organisation_id": org_ids[mentee_org[i]],
                    "person_id": mentee_people[i],
                    "goals": [
                        {
                            "statement": "Grow in " + " and ".join(topics).replace("-", " "),
                            "success_measure": "A plan agreed with my manager",
                        }
                    ],
                    "topics": topics,
                    "preferences": {
                        "avoid_organisation_ids": avoid,
                        "sectors": [],
                        "mode": "either",
                    },
                    "shortlist": shortlist,
                    "status": "open",
                    **stamp,
                }
            )
        session.execute(insert(Application), applications)
        session.commit()
    return programme_id


def _person(
    person_id: uuid.UUID,
    org: uuid.UUID,
    local: str,
    rng: np.random.Generator,
    boss: uuid.UUID | None,
    stamp: dict[str, Any],
) -> dict[str, Any]:
    return {
        "id": person_id,
        "organisation_id": org,
        "given_name": "Bench",
        "family_name": local,
        "email": f"{local}@bench.example.org",
        "profession": PROFESSIONS[int(rng.integers(len(PROFESSIONS)))],
        "seniority": int(rng.integers(1, 10)),
        "line_manager_id": boss,
        "status": "active",
        **stamp,
    }


def _topics(rng: np.random.Generator, low: int, high: int) -> list[str]:
    return [str(t) for t in rng.choice(TOPICS, int(rng.integers(low, high)), replace=False)]


def queue_run(programme_id: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
    """A run and its outbox row, as POST …/matching-runs writes them (executed below, timed)."""
    with tenancy.all_tenants():
        programme = db.session.get(Programme, programme_id)
        assert programme is not None
        run = queue_run_of(programme, requested_by="bench")
        run_id, job_id = run.id, run.job_id
        assert job_id is not None
        db.session.info.pop("consortium.jobs", None)  # not run at commit: timed below
        db.session.commit()
    return run_id, job_id


# --- the references, on the candidate graph the run will see ----------------------------------


def references(app: Any, programme_id: uuid.UUID, with_matching_pkg: bool) -> dict[str, Any]:
    from ortools.graph.python import min_cost_flow

    with tenancy.all_tenants():
        programme = db.session.get(Programme, programme_id)
        assert programme is not None
        problem = load(programme)
        db.session.rollback()
    graph = candidates(problem)
    scores = score(problem, graph)
    ranks = shortlist_ranks(problem, graph.rows, graph.columns)
    n, m = problem.mentees.count, problem.mentors.count
    weights = integer_weights(scores.total)
    capacity = problem.mentors.capacity_left

    # OR-Tools directly: the same network, timing its solve() alone.
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(
        graph.rows, graph.columns + n, np.ones(graph.count, dtype=np.int64), -weights
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        np.arange(n), np.full(n, n + m), np.ones(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        np.arange(m) + n, np.full(m, n + m), capacity, np.zeros(m, dtype=np.int64)
    )
    supplies = np.zeros(n + m + 1, dtype=np.int64)
    supplies[:n], supplies[n + m] = 1, -n
    flow.set_nodes_supplies(np.arange(n + m + 1), supplies)
    started = time.perf_counter()
    assert flow.solve() == flow.OPTIMAL
    ortools_s = time.perf_counter() - started
    reference_total = int(weights[flow.flows(arcs) > 0].sum())
    ours = solve.optimal(graph.rows, graph.columns, weights, capacity, n)

    started = time.perf_counter()
    stable = solve.stable(graph.rows, graph.columns, scores.total, ranks, capacity, n)
    stable_s = time.perf_counter() - started
    blocking = solve.blocking_pairs(
        graph.rows, graph.columns, scores.total, ranks, capacity, stable, n
    )
    figures: dict[str, Any] = {
        "ortools_solve_s": ortools_s,
        "same_optimum": int(weights[ours].sum()) == reference_total,
        "stable_s": stable_s,
        "blocking": len(blocking),
        "matching_pkg_s": None,
        "matching_pkg_agrees": None,
    }
    if with_matching_pkg:
        figures.update(
            _deep_stack(lambda: _matching_package(graph, scores.total, ranks, capacity, stable, n))
        )
    return figures


def _deep_stack(work: Any) -> Any:
    """Run `work` in a thread with a large stack: the `matching` package deep-copies its
    players' linked preference lists recursively, deeper than the default limits allow."""
    import threading

    out: list[Any] = []
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(2_000_000)
    threading.stack_size(1 << 30)
    try:
        thread = threading.Thread(target=lambda: out.append(work()))
        thread.start()
        thread.join()
    finally:
        threading.stack_size(0)
        sys.setrecursionlimit(limit)
    return out[0]


def _matching_package(
    graph: Any, total: np.ndarray, ranks: np.ndarray, capacity: np.ndarray, ours: np.ndarray, n: int
) -> dict[str, Any]:
    from matching.games import HospitalResident

    order = solve.preference_order(graph.rows, graph.columns, total, ranks)
    resident_prefs: dict[int, list[int]] = {}
    for edge in order.tolist():
        resident_prefs.setdefault(int(graph.rows[edge]), []).append(int(graph.columns[edge]))
    by_mentor = np.lexsort((graph.rows, -total, graph.columns))
    hospital_prefs: dict[int, list[int]] = {}
    for edge in by_mentor.tolist():
        hospital_prefs.setdefault(int(graph.columns[edge]), []).append(int(graph.rows[edge]))
    capacities = {j: int(capacity[j]) for j in hospital_prefs}
    started = time.perf_counter()
    game = HospitalResident.create_from_dictionaries(resident_prefs, hospital_prefs, capacities)
    result = game.solve(optimal="resident")
    elapsed = time.perf_counter() - started
    theirs = {(int(r.name), int(h.name)) for h, residents in result.items() for r in residents}
    mine = set(zip(graph.rows[ours].tolist(), graph.columns[ours].tolist(), strict=True))
    return {"matching_pkg_s": elapsed, "matching_pkg_agrees": theirs == mine}


if __name__ == "__main__":
    main()

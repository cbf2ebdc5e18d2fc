"""Benchmark: the full ITT report job on trials of 10k, 30k and 100k participants.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_report \\
        .venv/bin/python bench/report_job.py [--sizes 10000 30000 100000] [--seed 1]

For each size, a trial of N randomized participants with 2 screening and 8
intervention weeks (10 N diary rows) is written straight into a throw-away
PostgreSQL database (test_<name>, created and dropped here) with COPY. Then a fresh
process runs the whole report job (load, compute, render JSON/HTML/XLSX/CSV/PNG,
store the files) for the statistician's default report after the lock (coded, with
the plan's negative binomial model, multiple imputation, jump to reference and
tipping point), runs it again without those analyses (the report as it was before
them: `before`), and, afterwards, just reads the same rows with a plain cursor.
Printed per size: the job's seconds (warm; `first` is the same job as the first
thing a fresh process does), its CPU seconds and stages (`arms` is opening the
sealed arm codes, part of `load`), the job without the plan's analyses and the ratio
of the two (`plan x`), the peak memory of that process, the time to read the rows
with a plain cursor, and the job / read ratio.
Goals at 100k: the default report within 3x the report without the plan's analyses,
<= 2 GiB, linear growth.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

TERMS = ["Headache", "Nausea", "Dizziness", "Rash", "Diarrhoea", "Fatigue", "Leg pain"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 30_000, 100_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--job", metavar="REPORT_ID", help=argparse.SUPPRESS)
    args = parser.parse_args()

    import django

    django.setup()
    if args.job is not None:
        run_job(args.job)
        return
    from django.db import connection
    from django.test.utils import setup_test_environment

    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL server (the benchmark writes with COPY).")
    setup_test_environment()
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    rows = []
    try:
        with tempfile.TemporaryDirectory() as media:
            for size in args.sizes:
                started = time.perf_counter()
                counts = load_trial(size, seed=args.seed)
                loaded = time.perf_counter() - started
                print(
                    f"{size:,} participants: {counts['diary']:,} diary rows written "
                    f"in {loaded:.1f} s; running the job...",
                    flush=True,
                )
                result = measure(test_db, media)
                rows.append({"participants": size, **counts, **result})
                print(f"  {json.dumps(result)}", flush=True)
    finally:
        connection.close()
        connection.creation.destroy_test_db(test_db, verbosity=0)
    print_table(rows)


# -- the trial, written in bulk ---------------------------------------------------------------


def load_trial(participants: int, *, seed: int) -> dict[str, int]:
    """Replace the database's trial by one of `participants` randomized participants."""
    import numpy as np
    import pandas as pd
    from django.db import connection
    from django.utils import timezone

    from diary.crypto import seal_arm
    from diary.models import Trial
    from diary.presets import PRESETS
    from diary.services.trial import trial_create

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE diary_trial, analysis_report RESTART IDENTITY CASCADE")
    trial = trial_create(**PRESETS["vitk2-nlc-2024"])
    trial = Trial.objects.get(pk=trial.pk)
    rng = np.random.default_rng(seed)
    now = timezone.now().isoformat()
    n = participants
    site_ids = dict(trial.sites.values_list("code", "pk"))
    weeks = {(p, w): pk for pk, p, w in trial.protocol_weeks.values_list("pk", "phase", "week")}
    arms = sorted(trial.arms.values_list("code", flat=True))

    # Screening log: the participants plus a quarter as many screen failures.
    failures = n // 4
    total = n + failures
    site = np.where(np.arange(total) % 2 == 0, "C1", "C2")
    screened = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1500, total), "D")
    sex = np.where(rng.random(total) < 0.6, "F", "M")
    age = rng.integers(65, 91, total)
    outcome = np.array(["enrolled"] * n + ["not_meeting_inclusion"] * failures, dtype=object)
    failed = n + np.arange(failures)
    outcome[failed[failed % 3 == 1]] = "meeting_exclusion"
    outcome[failed[failed % 3 == 2]] = "declined"
    reason = np.where(outcome == "enrolled", "", "Screened out")
    screening = pd.DataFrame(
        {
            "id": np.arange(1, total + 1),
            "trial_id": trial.pk,
            "site_id": pd.Series(site).map(site_ids),
            "screening_id": [f"S{i:07d}" for i in range(1, total + 1)],
            "screened_on": screened.strftime("%Y-%m-%d"),
            "sex": sex,
            "age": age,
            "answers": "{}",
            "eligible": np.where(outcome == "enrolled", "t", "f"),
            "outcome": outcome,
            "reason": reason,
            "created_at": now,
        }
    )
    copy_frame("diary_screeningrecord", screening, text=("reason",))

    # Participants: randomized 14 days after consent, bottle k for the k-th one.
    consented = screened[:n]
    randomized = consented + pd.Timedelta(days=14)
    withdrawn = rng.random(n) < 0.05
    withdrawn_on = randomized + pd.to_timedelta(rng.integers(7, 56, n), "D")
    ids = [f"{s}-{i:06d}" for i, s in enumerate(site[:n], start=1)]
    participant = pd.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "trial_id": trial.pk,
            "site_id": screening["site_id"][:n],
            "screening_id": np.arange(1, n + 1),
            "participant_id": ids,
            "phone": "",
            "consented_on": consented.strftime("%Y-%m-%d"),
            "consent_form_version": "v1.0",
            "sex": sex[:n],
            "age": age[:n],
            "height_cm": np.round(rng.normal(165, 9, n).clip(140, 200), 1),
            "weight_kg": np.round(rng.normal(68, 12, n).clip(40, 140), 1),
            "hypertension": np.where(rng.random(n) < 0.4, "t", "f"),
            "diabetes": np.where(rng.random(n) < 0.15, "t", "f"),
            "creatinine_mg_dl": np.round(rng.normal(0.9, 0.2, n).clip(0.4, 3), 2),
            "randomized_on": randomized.strftime("%Y-%m-%d"),
            "bottle_number": np.arange(1, n + 1),
            "withdrawn_on": np.where(withdrawn, withdrawn_on.strftime("%Y-%m-%d"), None),
            "withdrawal_reason": np.where(withdrawn, "Withdrew consent", ""),
            "created_at": now,
        }
    )
    copy_frame("diary_participant", participant, text=("phone", "withdrawal_reason"))

    # The randomization list: permuted blocks of 4, arms sealed as the app seals them.
    blocks = -(-n // 4)
    arm_of_bottle = np.concatenate([rng.permutation([0, 0, 1, 1]) for _ in range(blocks)])[:n]
    tokens = [seal_arm(arms[a]) for a in arm_of_bottle]
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO diary_randomizationlist (trial_id, source, method, seed_sealed, "
            "parameters, sha256, created_at, frozen_at) VALUES "
            "(%s, 'generated', 'permuted blocks', '', '{}', %s, now(), now()) RETURNING id",
            [trial.pk, "0" * 64],
        )
        list_id = cursor.fetchone()[0]
    entries = pd.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "randomization_list_id": list_id,
            "bottle_number": np.arange(1, n + 1),
            "arm_sealed": tokens,
            "block": np.arange(n) // 4 + 1,
            "stratum": "",
            "is_spare": "f",
        }
    )
    copy_frame("diary_listentry", entries, text=("stratum",))
    copy_frame(
        "diary_allocation",
        pd.DataFrame(
            {
                "participant_id": np.arange(1, n + 1),
                "list_entry_id": np.arange(1, n + 1),
                "kind": "randomization",
                "allocated_on": participant["randomized_on"],
                "allocated_at": now,
                "reason": "",
            }
        ),
        text=("reason",),
    )

    # Diary: 2 screening and 8 intervention weeks each (10 N rows); weeks after a
    # withdrawal are scheduled but never called.
    phase = np.array(["screening"] * 2 + ["intervention"] * 8)
    week = np.array([1, 2, 1, 2, 3, 4, 5, 6, 7, 8])
    who = np.repeat(np.arange(n), 10)
    ph, wk = np.tile(phase, n), np.tile(week, n)
    start = np.where(ph == "screening", consented[who], randomized[who])
    due = pd.DatetimeIndex(start) + pd.to_timedelta(7 * wk, "D")
    week_start = pd.DatetimeIndex(start) + pd.to_timedelta(7 * (wk - 1), "D")
    called = ~(withdrawn[who] & (ph == "intervention") & (week_start > withdrawn_on[who]))
    reached = called & (rng.random(10 * n) < 0.92)
    rate = rng.gamma(2.0, 1.5, n)[who] * np.where(arm_of_bottle[who] == 0, 0.8, 1.0)
    cramps = np.where(reached, rng.poisson(rate), -1)
    with_cramps = cramps > 0
    duration = np.round(rng.lognormal(1.0, 0.6, 10 * n).clip(0.1, 120), 2)
    severity = np.round(rng.uniform(1, 10, 10 * n), 2)
    capsules = rng.integers(0, 3, 10 * n)
    diary = pd.DataFrame(
        {
            "participant_id": who + 1,
            "protocol_week_id": [weeks[key] for key in zip(ph, wk.tolist(), strict=True)],
            "due_date": due.strftime("%Y-%m-%d"),
            "call_date": np.where(called, due.strftime("%Y-%m-%d"), None),
            "attempts": called.astype(int),
            "reached": np.where(called, np.where(reached, "t", "f"), None),
            "cramps": pd.Series(np.where(reached, cramps, 0), dtype="Int64").where(reached),
            "duration_min": np.where(with_cramps, duration, np.nan),
            "severity": np.where(with_cramps, severity, np.nan),
            "capsules_missed": pd.Series(capsules, dtype="Int64").where(
                reached & (ph == "intervention")
            ),
            "updated_at": now,
        }
    )
    copy_frame("diary_diaryweek", diary)

    # Adverse events: about one participant in ten.
    who_ae = np.flatnonzero(rng.random(n) < 0.1)
    onset = randomized[who_ae] + pd.to_timedelta(rng.integers(1, 50, len(who_ae)), "D")
    events = pd.DataFrame(
        {
            "participant_id": who_ae + 1,
            "onset_on": onset.strftime("%Y-%m-%d"),
            "term": rng.choice(TERMS, len(who_ae)),
            "serious": np.where(rng.random(len(who_ae)) < 0.05, "t", "f"),
            "grade": rng.choice(["mild", "moderate", "severe"], len(who_ae), p=[0.7, 0.25, 0.05]),
            "relatedness": rng.choice(["unrelated", "unlikely", "possible"], len(who_ae)),
            "outcome": "Resolved",
            "resolved_on": (onset + pd.Timedelta(days=5)).strftime("%Y-%m-%d"),
            "created_at": now,
        }
    )
    copy_frame("diary_adverseevent", events)
    with connection.cursor() as cursor:
        for table in ("diary_screeningrecord", "diary_participant", "diary_listentry"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table}))"
            )
        cursor.execute("ANALYZE")
    return {"screening": total, "diary": len(diary), "adverse_events": len(events)}


def copy_frame(table: str, frame, *, text: tuple[str, ...] = ()) -> None:
    """COPY the frame into the table; in the `text` columns an empty cell is ''."""
    from django.db import connection

    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, header=False, na_rep="")
    columns = ", ".join(frame.columns)
    options = f", FORCE_NOT_NULL ({', '.join(text)})" if text else ""
    with connection.cursor() as cursor:
        statement = f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv{options})"
        with cursor.cursor.copy(statement) as copy:
            copy.write(buffer.getvalue())


# -- the measurements ------------------------------------------------------------------------


def measure(test_db: str, media: str) -> dict:
    """Request a report here, then run the job in a fresh process (so its peak memory
    is the job's alone) and read the rows after it."""
    from django.db import connection

    from analysis.services.reports import report_request_operator

    report = report_request_operator(os_user="bench", view="coded")
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{test_db}",
        "APP_MEDIA_ROOT": media,
    }
    job = subprocess.run(
        [sys.executable, __file__, "--job", str(report.pk)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if job.returncode != 0:
        raise SystemExit(f"the job failed:\n{job.stdout}\n{job.stderr}")
    return json.loads(job.stdout.strip().splitlines()[-1])


def run_job(report_id: int) -> None:
    """In the child process: run the default report job twice (a fresh process, then
    warm) with the job without the plan's analyses between them, then the plain read of
    its rows (twice, the faster counts)."""
    import functools

    from django.db import connection

    import analysis.loader as loader
    import analysis.services.reports as reports
    from analysis.models import Report

    stages: dict[str, float] = {}
    with_plan = reports.build_report
    without_plan = functools.partial(with_plan, plan_analyses=False)

    def timed(name, function):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                stages[name] = stages.get(name, 0.0) + time.perf_counter() - started

        return wrapper

    reports.itt_dataset = timed("load", reports.itt_dataset)
    loader.participant_arm_codes = timed("open_arms", loader.participant_arm_codes)
    reports.build_report = timed("compute", lambda *a, **k: current[0](*a, **k))
    current = [with_plan]
    for name in list(reports.RENDERERS):
        reports.RENDERERS[name] = timed(f"render_{name}", reports.RENDERERS[name])
    reports.figure2_png = timed("render_png", reports.figure2_png)
    reports.consort_png = timed("render_png", reports.consort_png)

    with connection.cursor() as cursor:  # the same warm cache for the job and the read
        cursor.execute("SELECT count(*) FROM diary_diaryweek")
    baseline = peak_memory_mib()
    runs = []
    for report, compute in (
        (Report.objects.get(pk=report_id), with_plan),
        (reports.report_request_operator(os_user="bench", view="coded"), without_plan),
        (reports.report_request_operator(os_user="bench", view="coded"), with_plan),
    ):
        current[0] = compute
        stages.clear()
        started, cpu = time.perf_counter(), time.process_time()
        report = reports.report_build(report=report)
        runs.append(
            {
                "job_s": time.perf_counter() - started,
                "job_cpu_s": time.process_time() - cpu,
                **{f"{k}_s": v for k, v in stages.items()},
            }
        )
        if report.status != Report.Status.DONE:
            raise SystemExit(f"report {report.pk} {report.status}: {report.error}")
    peak = peak_memory_mib()
    read_seconds = min(plain_read(report.trial) for _ in range(2))
    cold, before, warm = runs
    result = {k: round(v, 2) for k, v in warm.items()}
    result.update(
        first_job_s=round(cold["job_s"], 2),
        before_job_s=round(before["job_s"], 2),
        before_compute_s=round(before["compute_s"], 2),
        plan_ratio=round(warm["job_s"] / before["job_s"], 2),
        read_s=round(read_seconds, 2),
        ratio=round(warm["job_s"] / read_seconds, 2),
        peak_mib=peak,
        after_imports_mib=baseline,
        load_average=round(os.getloadavg()[0], 1),
    )
    print(json.dumps(result))


def peak_memory_mib() -> int:
    """The process's peak resident memory (VmHWM; ru_maxrss would include the parent's
    memory at fork time)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024)
    except OSError:
        pass
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def plain_read(trial) -> float:
    """Seconds to fetch every row the loader reads, as tuples, with a plain cursor."""
    from django.db import connection

    from diary.models import AdverseEvent, DiaryWeek, Participant, ScreeningRecord

    queries = [
        ScreeningRecord.objects.filter(trial=trial).values_list(
            "screening_id", "site__code", "screened_on", "sex", "age", "outcome", "reason"
        ),
        Participant.objects.filter(trial=trial, randomized_on__isnull=False).values_list(
            "pk",
            "participant_id",
            "screening__screening_id",
            "site__code",
            "consented_on",
            "randomized_on",
            "bottle_number",
            "sex",
            "age",
            "height_cm",
            "weight_kg",
            "hypertension",
            "diabetes",
            "creatinine_mg_dl",
            "withdrawn_on",
            "withdrawal_reason",
        ),
        DiaryWeek.objects.filter(
            participant__trial=trial,
            participant__randomized_on__isnull=False,
            reached__isnull=False,
        )
        .order_by()
        .values_list(
            "participant_id",
            "protocol_week_id",
            "call_date",
            "reached",
            "cramps",
            "duration_min",
            "severity",
            "capsules_missed",
        ),
        AdverseEvent.objects.filter(participant__trial=trial).values_list(
            "participant__participant_id",
            "onset_on",
            "term",
            "serious",
            "grade",
            "relatedness",
            "outcome",
            "resolved_on",
        ),
    ]
    started = time.perf_counter()
    for query in queries:
        sql, params = query.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            while cursor.fetchmany(50_000):
                pass
    return time.perf_counter() - started


def print_table(rows: list[dict]) -> None:
    print()
    print(
        f"{'participants':>12} {'diary rows':>10} {'job s':>6} {'first':>6} {'cpu s':>6} "
        f"{'load':>5} {'arms':>5} {'compute':>7} {'render':>6} {'before':>6} {'plan x':>6} "
        f"{'read s':>6} {'job/read':>8} {'peak MiB':>8} {'s per 10k':>9}"
    )
    for row in rows:
        render = sum(v for k, v in row.items() if k.startswith("render_"))
        print(
            f"{row['participants']:>12,} {row['diary']:>10,} {row['job_s']:>6.1f} "
            f"{row['first_job_s']:>6.1f} {row['job_cpu_s']:>6.1f} {row['load_s']:>5.1f} "
            f"{row['open_arms_s']:>5.1f} {row['compute_s']:>7.1f} {render:>6.1f} "
            f"{row['before_job_s']:>6.1f} {row['plan_ratio']:>6.2f} "
            f"{row['read_s']:>6.2f} {row['ratio']:>8.1f} {row['peak_mib']:>8,} "
            f"{row['job_s'] / row['participants'] * 10_000:>9.2f}"
        )
    print(
        f"\nrun on {date.today()}, {os.cpu_count()} CPUs, load average "
        f"{', '.join(str(row['load_average']) for row in rows)} during the jobs; "
        "goal at 100k: the default report (plan x) within 3x the report without the plan's "
        "analyses, <= 2048 MiB"
    )


if __name__ == "__main__":
    main()

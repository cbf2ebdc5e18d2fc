"""Load on the production stack: research assistants working the call queue.

Starts the real stack with bin/stack (gunicorn, a Celery worker and beat, production
settings) on loopback against a PostgreSQL database made for the run and a private
redis-server, with a trial of --participants participants in progress. Then
--users simulated research assistants (threads), each logged in with their own
account, work their share of the queue: load the call queue, open the next call due,
save it; until the queue is done, --duration seconds have passed or --max-saves calls
are saved. A side thread hits /healthz, the trivial view the latencies are compared to.

Prints requests per second, median and p95 latency for the queue page, the call form
and the call save, the error count, and the ratio of each p95 to that of /healthz.
The goal: zero errors and a p95 of at most 50 ms for the save. Each assistant pauses
--think seconds (mean) before each request, as a person would; --think 0 measures
the throughput at saturation instead, where every latency is mostly queueing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/stack_load.py --participants 1000 --users 50 --duration 60

The seeded trial is kept as a template database (bench_stack_p<N>_u<U>, its allocation
key in var/bench/) so later runs skip the seeding; --fresh seeds it again. Each run
works on a copy, dropped at the end. The load generator shares the machine with the
stack: on a small machine its own CPU use inflates the latencies it measures.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.stack.harness import (  # noqa: E402
    PASSWORD,
    RedisServer,
    Stack,
    StackClient,
    manage,
    pg_create_database,
    pg_drop_database,
    pg_fetch,
    pg_url,
    python_module,
    stack_environment,
)

WEEK_LINK = r'href="(/participants/([^/"]+)/weeks/(screening|intervention)/(\d+)/)"'


@dataclass
class Timings:
    samples: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, name: str, seconds: float, error: str | None = None) -> None:
        with self.lock:
            self.samples[name].append(seconds)
            if error:
                self.errors[name].append(error)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[index]


def timed(timings: Timings, name: str, call, ok) -> object | None:
    started = time.perf_counter()
    try:
        response = call()
    except Exception as exc:  # noqa: BLE001 (a failed request is an error to count)
        timings.record(name, time.perf_counter() - started, f"{type(exc).__name__}: {exc}")
        return None
    elapsed = time.perf_counter() - started
    problem = ok(response)
    timings.record(name, elapsed, problem)
    return None if problem else response


def research_assistant(
    client: StackClient,
    index: int,
    users: int,
    timings: Timings,
    deadline: float,
    budget: dict,
    think: float,
) -> int:
    """Work the queue: the participants whose number minus one is `index` modulo `users`
    (with an even number of users, always participants of the assistant's own site)."""
    import re

    link = re.compile(WEEK_LINK)
    done: set[str] = set()
    saved = 0
    rng = random.Random(index)

    def pause() -> None:  # reading the page, talking to the participant
        if think:
            time.sleep(min(rng.expovariate(1 / think), max(0.0, deadline - time.monotonic())))

    while time.monotonic() < deadline:
        pause()
        queue = timed(
            timings,
            "queue page",
            lambda: client.get("/calls/", follow=False),
            lambda r: None if r.status_code == 200 else f"HTTP {r.status_code}",
        )
        if queue is None:
            continue
        mine = [
            url
            for url, pid, _, _ in link.findall(queue.text)
            if (int(pid.rsplit("-", 1)[1]) - 1) % users == index and url not in done
        ]
        if not mine:
            return saved
        url = mine[0]
        done.add(url)
        pause()
        form = timed(
            timings,
            "call form",
            lambda url=url: client.get(url, follow=False),
            lambda r: None if r.status_code == 200 else f"HTTP {r.status_code}",
        )
        if form is None:
            continue
        with budget["lock"]:
            if budget["left"] <= 0:
                return saved
            budget["left"] -= 1
        values = {
            "csrfmiddlewaretoken": client.csrf_token(form.text),
            "reached": "yes",
            "call_date": budget["today"],
            "cramps": str(saved % 5),
            "capsules_missed": "0",
            "new_health_problem": "no",
        }
        if saved % 5:
            values.update(duration_min="3.5", severity="5.5")
        pause()
        response = timed(
            timings,
            "call save",
            lambda url=url, values=values: client.post(url, values, follow=False),
            lambda r, url=url: (
                None
                if r.status_code == 302 and r.headers.get("Location", "").endswith("saved/")
                else f"HTTP {r.status_code} on {url}"
            ),
        )
        saved += response is not None
    return saved


def health_probe(base_url: str, timings: Timings, stop: threading.Event, rate: float) -> None:
    client = StackClient(base_url)
    while not stop.is_set():
        timed(
            timings,
            "healthz",
            lambda: client.get("/healthz", follow=False),
            lambda r: None if r.status_code == 200 else f"HTTP {r.status_code}",
        )
        stop.wait(1 / rate)


def seeded_template(server_url: str, participants: int, users: int, fresh: bool, work: Path):
    """The seeded template database and its allocation key (made once, then reused)."""
    name = f"bench_stack_p{participants}_u{users}"
    key_file = ROOT / "var" / "bench" / f"{name}.key"
    exists = pg_fetch(
        pg_url(server_url, "postgres"), "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
    )
    if exists and key_file.exists() and not fresh:
        print(f"seeded trial: reusing database {name}")
        return name, key_file.read_text().strip()
    url = pg_create_database(server_url, name)
    env = stack_environment(database_url=url, redis_url="redis://127.0.0.1:1/0", workdir=work)
    started = time.monotonic()
    print(f"seeding {participants} participants and {users} research assistants into {name} ...")
    manage(env, "migrate", "--noinput")
    python_module(
        env,
        "tests.stack.seed",
        "--participants",
        str(participants),
        "--research-assistants",
        str(users),
        timeout=3 * 3600,
    )
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key_file.write_text(env["ALLOCATION_KEY"])
    key_file.chmod(0o600)
    print(f"seeded in {time.monotonic() - started:.0f} s")
    return name, env["ALLOCATION_KEY"]


def report(timings: Timings, elapsed: float, saves: int, open_weeks: int) -> None:
    total = sum(len(v) for v in timings.samples.values())
    print()
    print(f"{total} requests in {elapsed:.1f} s: {total / elapsed:.1f} requests/s")
    print(f"{saves} calls saved of {open_weeks} open in the queues")
    print()
    header = f"{'endpoint':<12} {'count':>6} {'req/s':>7} {'median ms':>10} {'p95 ms':>8} "
    print(header + f"{'errors':>7} {'p95 / healthz p95':>18}")
    health_p95 = percentile(timings.samples["healthz"], 0.95) if timings.samples["healthz"] else 0
    for name in ("queue page", "call form", "call save", "healthz"):
        values = timings.samples.get(name, [])
        if not values:
            print(f"{name:<12} {0:>6}")
            continue
        p95 = percentile(values, 0.95)
        ratio = f"{p95 / health_p95:.1f}" if health_p95 else "-"
        print(
            f"{name:<12} {len(values):>6} {len(values) / elapsed:>7.1f} "
            f"{statistics.median(values) * 1000:>10.1f} {p95 * 1000:>8.1f} "
            f"{len(timings.errors.get(name, [])):>7} {ratio:>18}"
        )
    errors = sum(len(v) for v in timings.errors.values())
    print()
    print(f"errors: {errors}")
    for name, problems in timings.errors.items():
        for problem in problems[:5]:
            print(f"  {name}: {problem}")
    save_p95 = percentile(timings.samples["call save"], 0.95) * 1000 if saves else float("nan")
    met = errors == 0 and save_p95 <= 50
    print(f"goal (no errors, call save p95 <= 50 ms): {'met' if met else 'NOT met'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--users", type=int, default=50, help="research assistants")
    parser.add_argument("--duration", type=float, default=60, help="seconds of load at most")
    parser.add_argument("--max-saves", type=int, default=5000)
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="mean seconds a research assistant spends before each request (exponential);"
        " 0 hammers the server (its throughput at saturation)",
    )
    parser.add_argument("--health-rate", type=float, default=10, help="/healthz per second")
    parser.add_argument("--gunicorn-workers", type=int, default=None)
    parser.add_argument("--fresh", action="store_true", help="seed the template again")
    args = parser.parse_args()

    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url.startswith(("postgres://", "postgresql://")):
        print("Set DATABASE_URL to a PostgreSQL server (postgres://...).", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="stack-load-"))
    template, key = seeded_template(server_url, args.participants, args.users, args.fresh, work)
    run_db = f"bench_stack_run_{uuid.uuid4().hex[:8]}"
    database_url = pg_create_database(server_url, run_db, template=template)
    redis_server = RedisServer(work / "redis")
    redis_server.start()
    env = stack_environment(database_url=database_url, redis_url=redis_server.url, workdir=work)
    env.update(ALLOCATION_KEY=key, CELERY_CONCURRENCY="1", LOG_LEVEL="WARNING",
               GUNICORN_ACCESS_LOG="/dev/null")  # fmt: skip
    if args.gunicorn_workers:
        env["GUNICORN_WORKERS"] = str(args.gunicorn_workers)
    stack = Stack(env=env, workdir=work)
    try:
        print("starting the stack (bin/stack) ...")
        stack.start(timeout=600)
        ((open_weeks,),) = pg_fetch(
            database_url,
            "SELECT count(*) FROM diary_diaryweek WHERE reached IS NULL"
            " AND due_date <= current_date + 3",
        )
        ras = [f"ra-{i:02d}" for i in range(1, args.users + 1)]
        clients = []
        print(f"logging in {len(ras)} research assistants ...")
        for username in ras:
            client = StackClient(stack.base_url)
            client.login(username, PASSWORD)
            clients.append(client)
        timings = Timings()
        budget = {"left": args.max_saves, "lock": threading.Lock(),
                  "today": time.strftime("%Y-%m-%d")}  # fmt: skip
        results: list[int] = [0] * len(clients)
        stop = threading.Event()
        probe = threading.Thread(
            target=health_probe, args=(stack.base_url, timings, stop, args.health_rate)
        )
        print(
            f"load: {len(clients)} research assistants, {args.think:g} s mean think time,"
            f" for at most {args.duration:.0f} s ..."
        )
        started = time.monotonic()
        deadline = started + args.duration

        def work_queue(i: int) -> None:
            results[i] = research_assistant(
                clients[i], i, len(clients), timings, deadline, budget, args.think
            )

        threads = [threading.Thread(target=work_queue, args=(i,)) for i in range(len(clients))]
        probe.start()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        stop.set()
        probe.join()
        report(timings, elapsed, sum(results), open_weeks)
    finally:
        stack.stop()
        redis_server.stop()
        pg_drop_database(server_url, run_db)
    return 0


if __name__ == "__main__":
    sys.exit(main())

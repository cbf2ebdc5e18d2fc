"""Benchmark: generate data packages of 10 diary rows per participant and import them.

    .venv/bin/python bench/import_package.py [--sizes 10000,30000,100000] [--keep DIR]

Each size runs in its own process against a throw-away test database (SQLite in
memory by default; set DATABASE_URL for PostgreSQL, e.g.
postgres://postgres@127.0.0.1:5432/bench, which creates and drops test_bench), so
that each peak memory is that import's own. Prints, per size, the seconds the
import took, the process's peak memory (resident set, MiB; the package is written
before the import, streaming) and the rows imported per second.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

DEFAULT_SIZES = "10000,30000,100000"


def peak_mib() -> float:
    """This process's peak resident memory (and its children's), in MiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024  # kilobytes on Linux


def import_once(participants: int, keep: Path | None = None) -> dict:
    """Generate a package of `participants` and import it into a new test database;
    the figures of the import."""
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    from diary.services.package_import import package_import
    from tests.diary.package.builders import write_synthetic_package

    setup_test_environment()
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        with tempfile.TemporaryDirectory() as scratch:
            path = keep / f"package-{participants}" if keep else Path(scratch) / "package"
            write_synthetic_package(path, participants=participants)
            started, cpu = time.perf_counter(), time.process_time()
            result = package_import(path=path)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)
    rows = sum(result.rows.values())
    return {
        "participants": participants,
        "database": connection.vendor,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "peak_mib": peak_mib(),
        "rows": rows,
        "diary_rows": result.rows["diary.csv"],
        "rows_per_second": rows / seconds,
    }


def run_size(participants: int, keep: Path | None = None) -> dict:
    """import_once in a process of its own."""
    command = [sys.executable, __file__, "--one", str(participants)]
    if keep:
        command += ["--keep", str(keep)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode:
        raise RuntimeError(f"the import of {participants} participants failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def report_line(figures: dict) -> str:
    return (
        f"{figures['participants']:>9,} participants  {figures['rows']:>10,} rows "
        f"({figures['diary_rows']:,} diary)  {figures['seconds']:7.1f} s  "
        f"peak {figures['peak_mib']:7.0f} MiB  {figures['rows_per_second']:>9,.0f} rows/s  "
        f"(CPU {figures['cpu_seconds']:.1f} s)"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default=DEFAULT_SIZES, help="participants per run, comma-separated"
    )
    parser.add_argument("--keep", type=Path, help="write the packages in this folder and keep them")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # one size, in this process
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(import_once(args.one, args.keep)))
        return
    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    vendor = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    print(f"database: {vendor}; 10 diary rows per participant")
    for size in sizes:
        print(report_line(run_size(size, args.keep)), flush=True)


if __name__ == "__main__":
    main()

"""Benchmark: generate a data package with a million diary rows and import it.

    .venv/bin/python bench/import_package.py [--participants 100000] [--keep PATH]

Runs against a throw-away test database (SQLite in memory by default; set
DATABASE_URL for PostgreSQL, e.g. postgres://postgres@127.0.0.1:5432/bench, which
creates and drops test_bench). Prints the seconds taken and rows per second.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=100_000, help="10 diary rows each")
    parser.add_argument("--keep", type=Path, help="write the package here and keep it")
    args = parser.parse_args()

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
            path = args.keep or Path(scratch) / "package"
            started = time.perf_counter()
            counts = write_synthetic_package(path, participants=args.participants)
            generated = time.perf_counter() - started
            print(f"generated {counts['diary.csv']:,} diary rows in {generated:.1f} s")
            started, cpu = time.perf_counter(), time.process_time()
            result = package_import(path=path)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        rows = sum(result.rows.values())
        diary = result.rows["diary.csv"]
        print(f"database: {connection.vendor} ({test_db})")
        print(f"imported {rows:,} rows ({diary:,} diary rows) in {seconds:.1f} s")
        print(f"{rows / seconds:,.0f} rows/s; {diary / seconds:,.0f} diary rows/s")
        print(f"CPU time of this process: {cpu:.1f} s")
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)


if __name__ == "__main__":
    main()

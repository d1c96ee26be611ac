"""How fast the MTM feed imports a million rows, and how much memory it takes.

Run it against a throwaway PostgreSQL database (it writes MTM records):

    createdb bench_imports
    export DJANGO_DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_imports
    .venv/bin/python manage.py migrate
    .venv/bin/python benchmarks/imports.py            # --rows 1000000
    dropdb bench_imports

It writes a CSV of `--rows` MTM deliveries to a temporary file (streamed), then imports it
three times through the engine the Celery task calls (`engine.run_import`): a preview (check
and count only), the import into an empty table, and the same file again (every row
unchanged). It prints rows/s for each and the process's peak RSS before and after.
Timings only; the tests assert correctness.
"""

import argparse
import csv
import datetime
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mct_portal.settings")

import django

django.setup()

from django.db import connection  # noqa: E402

from enrollment.imports import engine  # noqa: E402
from enrollment.imports.feeds import FEEDS  # noqa: E402
from enrollment.models import MtmTrainingRecord  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_feed(path: Path, rows: int, seed: int) -> None:
    rng = random.Random(seed)
    start = datetime.date.today() - datetime.timedelta(days=700)
    courses = [(f"AZ-{n:03d}", f"Azure course {n}") for n in range(400)]
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("mtm_id,course_name,course_id,delivery_date,students,average_score\n")
        for n in range(rows):
            course_id, name = courses[n % len(courses)]
            day = start + datetime.timedelta(days=n % 700)
            score = f"{rng.randint(500, 1000) / 100:.2f}" if n % 10 else ""
            out.write(
                f"trainer-{n // 700:07d},{name},{course_id},{day.isoformat()},"
                f"{rng.randint(1, 40)},{score}\n"
            )


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def database_cpu_seconds() -> float | None:
    """CPU time of this connection's PostgreSQL backend, when it runs on this machine."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed_import(path: Path, *, apply: bool) -> tuple[engine.Report, float]:
    started = time.perf_counter()
    cpu_started = cpu_seconds()
    db_started = database_cpu_seconds()
    phases: dict[str, float] = {}

    def progress(phase: str, bytes_read: int) -> None:
        phases.setdefault(phase, time.perf_counter() - started)

    with path.open("rb") as binary:
        report = engine.run_import(
            feed=FEEDS["mtm"],
            binary=binary,
            size=path.stat().st_size,
            apply=apply,
            progress=progress,
        )
    elapsed = time.perf_counter() - started
    marks = ", ".join(f"{phase} from {at:.1f} s" for phase, at in phases.items())
    cpu = cpu_seconds() - cpu_started
    db_now = database_cpu_seconds()
    db_cpu = (db_now - db_started) if db_now is not None and db_started is not None else 0.0
    print(
        f"  phases: {marks}, end {elapsed:.1f} s; CPU: this process {cpu:.1f} s, its "
        f"PostgreSQL backend {db_cpu:.1f} s ({report.rows_total / (cpu + db_cpu):,.0f} rows "
        f"per CPU second in all); load average {os.getloadavg()[0]:.1f}"
    )
    return report, elapsed


def baseline_rows_per_second(path: Path) -> float:
    """The baseline of the same run: the file read by the csv module alone (no checks, no
    database), rows/s."""
    started = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as source:
        rows = sum(1 for _ in csv.reader(source)) - 1
    return rows / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a throwaway PostgreSQL database.")
    with connection.cursor() as cursor:  # a truly empty table, not one full of dead rows
        cursor.execute(f"TRUNCATE {MtmTrainingRecord._meta.db_table}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mtm.csv"
        started = time.perf_counter()
        write_feed(path, args.rows, args.seed)
        print(
            f"file: {args.rows:,} rows, {path.stat().st_size / 1e6:.0f} MB, "
            f"written in {time.perf_counter() - started:.1f} s"
        )
        base_rate = baseline_rows_per_second(path)
        print(f"baseline (the csv module reading the file, same run): {base_rate:,.0f} rows/s")
        baseline = peak_rss_mb()
        print(f"peak RSS before importing: {baseline:.0f} MB")
        for label, apply in (
            ("preview (check and count)", False),
            ("import into an empty table", True),
            ("re-import (all unchanged)", True),
        ):
            report, seconds = timed_import(path, apply=apply)
            print(
                f"{label}: {report.rows_total:,} rows in {seconds:.1f} s = "
                f"{report.rows_total / seconds:,.0f} rows/s; created {report.created:,}, "
                f"updated {report.updated:,}, unchanged {report.unchanged:,}, "
                f"errors {report.rows_error:,}; peak RSS {peak_rss_mb():.0f} MB; "
                f"{report.rows_total / seconds / base_rate:.2f}× the baseline's rate"
            )
        print(f"peak RSS growth: {peak_rss_mb() - baseline:.0f} MB")
        print(f"MTM records in the table: {MtmTrainingRecord.objects.count():,}")


if __name__ == "__main__":
    main()

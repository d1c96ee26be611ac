"""How fast the support search answers on a big database.

Seed a database first (PostgreSQL for meaningful figures), then run this script against it:

    DJANGO_DEBUG=1 DATABASE_URL=postgres://.../h6_bench .venv/bin/python manage.py migrate
    DJANGO_DEBUG=1 DATABASE_URL=postgres://.../h6_bench \\
        .venv/bin/python manage.py seed_scale --trainers 1000000 --seed 7
    DJANGO_DEBUG=1 DATABASE_URL=postgres://.../h6_bench .venv/bin/python benchmarks/search.py

It samples real trainers, builds the queries a support agent types (exact name, last name,
misspelt name, full email, start of an email, the part before "@", MCP ID, exam reference,
MTM ID), and times
the search (`trainer_search`) and the result page's rows (`search_rows`, 25 rows with their
MCP IDs and duplicate flags): what the search page asks the database. The first round warms
the caches and is reported separately. Timings only; the tests assert correctness.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mct_portal.settings")

import django

django.setup()

from _http import percentile  # noqa: E402
from django.db import connection  # noqa: E402

from enrollment.models import ExamResult, McpId, Trainer  # noqa: E402
from enrollment.support.selectors import SEARCH_NAME_SQL, search_rows, trainer_search  # noqa: E402

PAGE_SIZE = 25


def misspell(word: str, rng: random.Random) -> str:
    """One typo inside the word: a dropped, doubled or swapped letter."""
    if len(word) < 5:
        return word
    i = rng.randrange(2, len(word) - 1)
    kind = rng.choice(["drop", "double", "swap"])
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]


def sample_queries(samples: int, seed: int) -> dict[str, list[str]]:
    rng = random.Random(seed)
    highest = Trainer.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    if highest == 0:
        sys.exit("No trainers: run manage.py seed_scale first.")
    ids = [rng.randint(1, highest) for _ in range(samples * 3)]
    trainers = list(Trainer.objects.filter(pk__in=ids)[:samples])
    mcp_ids = dict(
        McpId.objects.filter(trainer__in=trainers, is_primary=True).values_list(
            "trainer_id", "value"
        )
    )
    exams = list(
        ExamResult.objects.filter(mcp_id__trainer__in=trainers).values_list(
            "reference_number", flat=True
        )[:samples]
    )
    queries = {
        "name (first and last)": [f"{t.first_name} {t.last_name}" for t in trainers],
        "name (last only)": [t.last_name for t in trainers],
        "name, misspelt": [
            f"{t.first_name} {misspell(t.last_name, rng)}"
            for t in trainers
            if len(t.last_name) >= 5
        ],
        "last name only, misspelt": [
            misspell(t.last_name, rng) for t in trainers if len(t.last_name) >= 5
        ],
        "email (full address)": [t.email for t in trainers],
        "email (start)": [t.email.split("@")[0][:12] for t in trainers],
        "email (part before @)": [t.email.split("@")[0] for t in trainers],
        "MCP ID": [mcp_ids[t.pk] for t in trainers if t.pk in mcp_ids],
        "exam reference": exams,
        "MTM ID": [t.mtm_id for t in trainers if t.mtm_id],
    }
    return {kind: values for kind, values in queries.items() if values}


def timed(query: str) -> tuple[float, float, int]:
    started = time.perf_counter()
    outcome = trainer_search(query=query)
    searched = time.perf_counter()
    search_rows(hits=outcome.hits[:PAGE_SIZE])
    finished = time.perf_counter()
    return (searched - started) * 1000, (finished - started) * 1000, len(outcome.hits)


def baseline_reads(samples: int, seed: int) -> list[float]:
    """The baseline of the same run: one trainer read by primary key (the cheapest indexed
    read there is), in ms."""
    rng = random.Random(seed)
    highest = Trainer.objects.order_by("-pk").values_list("pk", flat=True).first() or 1
    timings = []
    for _ in range(samples + 1):
        pk = rng.randint(1, highest)
        started = time.perf_counter()
        Trainer.objects.filter(pk__gte=pk).order_by("pk").first()
        timings.append((time.perf_counter() - started) * 1000)
    return timings[1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=50, help="queries per kind")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--explain", action="store_true", help="print the name query's plan")
    parser.add_argument(
        "--http",
        action="store_true",
        help="also time the whole search page over HTTP (Django test client, signed in as a "
        "support user created for the benchmark)",
    )
    args = parser.parse_args()

    total = Trainer.objects.count()
    print(f"Database: {connection.vendor}, {total:,} trainers")
    queries = sample_queries(args.samples, args.seed)
    if args.explain and connection.vendor == "postgresql":
        explain_name_query(queries["name, misspelt"][0])

    base = baseline_reads(args.samples, args.seed)
    base_p95 = percentile(base, 0.95)
    print(
        f"Baseline (a trainer read by primary key, same run): median "
        f"{statistics.median(base):.2f} ms, p95 {base_p95:.2f} ms"
    )
    header = (
        f"{'query':<26} {'n':>4} {'first':>8} {'median':>8} {'p95':>8} {'max':>8}"
        f" {'page p95':>9} {'hits':>6} {'p95 × base':>11}"
    )
    print(f"\nSearch times in ms (first = first query of the kind, cold caches)\n{header}")
    print("-" * len(header))
    for kind, values in queries.items():
        first_search, _first_page, _ = timed(values[0])
        searches, pages, hits = [], [], []
        for value in values[1:] or values:
            search_ms, page_ms, count = timed(value)
            searches.append(search_ms)
            pages.append(page_ms)
            hits.append(count)
        print(
            f"{kind:<26} {len(values):>4} {first_search:>8.1f} "
            f"{statistics.median(searches):>8.1f} {percentile(searches, 0.95):>8.1f} "
            f"{max(searches):>8.1f} {percentile(pages, 0.95):>9.1f} "
            f"{statistics.median(hits):>6.0f} {percentile(searches, 0.95) / base_p95:>10.1f}×"
        )
    print(
        "\nfirst/median/p95/max: trainer_search alone; page p95: search plus the 25 result "
        "rows (MCP IDs, duplicate flags); hits: median number of results (capped at 200)."
    )
    if args.http:
        time_pages(queries)


def time_pages(queries: dict[str, list[str]]) -> None:
    """The results page as a support agent gets it: session, permission check, search,
    rows, audit event, template."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client, override_settings

    from enrollment.roles import SUPPORT_GROUP

    agent, _ = get_user_model().objects.get_or_create(
        username="benchmark-support", defaults={"email": "benchmark-support@example.org"}
    )
    agent.groups.add(Group.objects.get_or_create(name=SUPPORT_GROUP)[0])
    client = Client(HTTP_HOST="localhost")
    client.force_login(agent)
    header = f"{'query':<26} {'n':>4} {'median':>8} {'p95':>8} {'max':>8}"
    print(f"\nResults page over HTTP in ms (GET of the results page)\n{header}")
    print("-" * len(header))
    for kind, values in queries.items():
        timings = []
        for value in values:
            with override_settings(SUPPORT_SEARCH_RATE_LIMIT="1000000/m"):
                location = client.post("/support/", {"q": value})["Location"]
            started = time.perf_counter()
            response = client.get(location)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
        print(
            f"{kind:<26} {len(values):>4} {statistics.median(timings):>8.1f} "
            f"{percentile(timings, 0.95):>8.1f} {max(timings):>8.1f}"
        )


def explain_name_query(query: str) -> None:
    needle = query.lower()
    words = [w for w in needle.split() if len(w) >= 2]
    conditions = " AND ".join(f"%s <<%% {SEARCH_NAME_SQL}" for _ in words)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pg_trgm.strict_word_similarity_threshold', '0.5', false)"
        )
        cursor.execute(
            f"EXPLAIN (ANALYZE, BUFFERS) SELECT id FROM {Trainer._meta.db_table} "
            f"WHERE {conditions}",
            words,
        )
        print(f"\nPlan of the misspelt-name query for {query!r}:")
        for (line,) in cursor.fetchall():
            print(f"  {line}")


if __name__ == "__main__":
    main()

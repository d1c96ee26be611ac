"""How fast the review queue answers with 100,000 waiting and 1,000,000 decided documents.

Over HTTP against gunicorn with DEBUG off, as a superuser (see benchmarks/_http.py): the
queue as it opens (waiting documents, the dashboard's counts), "All" (every state, paged
without a full count), the overdue filter, a later page, and a search by a trainer's
name, each beside the admin index page measured in the same run. Seed first:
`manage.py seed_scale --trainers 1000000 --documents-waiting 100000 --documents-decided
1000000` (make bench does). Correctness is in tests/verification/test_review_queue_scale.py.

    DATABASE_URL=postgres://.../mct_bench .venv/bin/python benchmarks/review_queue.py
"""

import argparse
import random
import sys
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _http

_http.setup_django()

from django.urls import reverse  # noqa: E402

from core.admin_lists import table_size_estimate  # noqa: E402
from verification.admin import review_dashboard  # noqa: E402
from verification.models import Document  # noqa: E402

GOAL_MS = 80  # issue 14: review queue p95
BASELINE = "admin index (baseline)"


def owner_names(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    highest = Document.objects.order_by("-pk").values_list("pk", flat=True).first()
    if not highest:
        sys.exit("No documents: run manage.py seed_scale --documents-waiting ... first.")
    names = []
    while len(names) < count:
        document = (
            Document.objects.filter(pk__gte=rng.randint(1, highest))
            .select_related("owner")
            .order_by("pk")
            .first()
        )
        if document and document.owner.first_name:
            names.append(f"{document.owner.first_name} {document.owner.last_name}")
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=30, help="timed requests per page")
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    counts = review_dashboard()
    print(
        f"about {table_size_estimate(Document._meta.db_table):,} documents; "
        f"{counts['pending']:,} waiting, {counts['overdue']:,} overdue, "
        f"{counts['decided_today']:,} decided today"
    )
    queue = reverse("admin:verification_document_changelist")
    paths = {
        BASELINE: [reverse("admin:index")],
        "queue (waiting, as it opens)": [queue],
        "queue ?state=all": [f"{queue}?state=all"],
        "queue ?state=all, page 20": [f"{queue}?state=all&p=20"],
        "queue, overdue only": [f"{queue}?overdue=yes"],
        "queue, page 20": [f"{queue}?p=20"],
        "queue, search by trainer name": [
            f"{queue}?{urlencode({'q': name, 'state': 'all'})}"
            for name in owner_names(args.rounds, args.seed)
        ],
    }
    cookie = _http.superuser_cookie()
    with _http.gunicorn() as base:
        times = _http.measure(base, cookie, paths, args.rounds)
    _http.report(
        "Review queue over HTTP (gunicorn, DEBUG off), milliseconds", times, BASELINE, GOAL_MS
    )


if __name__ == "__main__":
    main()

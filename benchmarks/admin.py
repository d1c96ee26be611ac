"""How fast the admin lists of the tables that grow with the program answer, from outside.

The portal runs under gunicorn with DEBUG off on a seeded PostgreSQL database (`make bench`
prepares one; by hand: migrate, `manage.py seed_scale --trainers 1000000 --documents-waiting
100000 --documents-decided 1000000`, `manage.py collectstatic`). A superuser session is
written straight into the session table. Each changelist's first page and a search for a
sampled trainer (name, email, MCP ID) are fetched over HTTP, interleaved, and timed beside
the admin index page (the baseline, measured in the same run). Timings only; the tests
assert correctness (tests/enrollment/test_big_lists_admin.py).

    DATABASE_URL=postgres://.../mct_bench REDIS_URL=... .venv/bin/python benchmarks/admin.py
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
from enrollment.models import McpId, Trainer  # noqa: E402

GOAL_MS = 100  # issue 14: p95 of every big list, first page and search
BASELINE = "admin index (baseline)"
# Every list of a table that grows with the program, and what its search is given.
LISTS = {
    "auth_user": "name",
    "enrollment_trainer": "name",
    "enrollment_mcpid": "name",
    "enrollment_examresult": "name",
    "enrollment_earnedcertification": "name",
    "enrollment_mtmtrainingrecord": "name",
    "enrollment_application": "name",
    "enrollment_membership": "name",
    "enrollment_payment": "name",
    "enrollment_evidence": "name",
    "verification_document": "name",
    "verification_outboundemail": "email",
    "verification_auditevent": "name",
    "verification_passcode": "email",
    "enrollment_mcpidclaimattempt": "mcp_id",
}


def sampled_people(count: int, seed: int) -> list[dict[str, str]]:
    rng = random.Random(seed)
    highest = Trainer.objects.order_by("-pk").values_list("pk", flat=True).first()
    if not highest:
        sys.exit("No trainers: run manage.py seed_scale first.")
    people = []
    while len(people) < count:
        trainer = Trainer.objects.filter(pk__gte=rng.randint(1, highest)).order_by("pk").first()
        mcp_id = McpId.objects.filter(trainer=trainer).values_list("value", flat=True).first()
        if trainer is None or mcp_id is None:
            continue
        people.append(
            {
                "name": f"{trainer.first_name} {trainer.last_name}",
                "email": trainer.email,
                "mcp_id": mcp_id,
            }
        )
    return people


def pages(people: list[dict[str, str]]) -> dict[str, list[str]]:
    paths = {BASELINE: [reverse("admin:index")]}
    for name, key in LISTS.items():
        url = reverse(f"admin:{name}_changelist")
        paths[f"{name}: first page"] = [url]
        paths[f"{name}: search by {key}"] = [
            f"{url}?{urlencode({'q': person[key]})}" for person in people
        ]
    trainers = reverse("admin:enrollment_trainer_changelist")
    for key in ("email", "mcp_id"):
        paths[f"enrollment_trainer: search by {key}"] = [
            f"{trainers}?{urlencode({'q': person[key]})}" for person in people
        ]
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20, help="timed requests per page")
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    print(f"about {table_size_estimate(Trainer._meta.db_table):,} trainers")
    paths = pages(sampled_people(args.rounds, args.seed))
    cookie = _http.superuser_cookie()
    with _http.gunicorn() as base:
        times = _http.measure(base, cookie, paths, args.rounds)
    _http.report(
        "Admin lists over HTTP (gunicorn, DEBUG off), milliseconds", times, BASELINE, GOAL_MS
    )


if __name__ == "__main__":
    main()

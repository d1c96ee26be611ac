"""The long-running processes the Makefile and the Procfile start can run as two copies on
one machine: nothing they open lies at a fixed path outside the checkout."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def commands(name: str) -> list[str]:
    text = (ROOT / name).read_text()
    return [line for line in text.splitlines() if re.search(r"\b(gunicorn|celery)\b", line)]


def test_gunicorn_opens_no_shared_control_socket():
    # gunicorn's default control socket is ~/.gunicorn/gunicorn.ctl, one for every copy:
    # the second copy takes it over and the first one's shutdown deletes it.
    gunicorn = [c for f in ("Makefile", "Procfile") for c in commands(f) if "gunicorn " in c]
    assert len(gunicorn) == 2
    assert all("--no-control-socket" in command for command in gunicorn)


def test_celery_beat_keeps_its_schedule_inside_the_checkout():
    beat = [c for f in ("Makefile", "Procfile") for c in commands(f) if " beat " in c]
    assert len(beat) == 2
    for command in beat:
        schedule = re.search(r"--schedule (\S+)", command).group(1)
        assert not schedule.startswith("/"), command

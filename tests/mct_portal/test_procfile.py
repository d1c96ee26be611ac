"""The Procfile migrates in a release step, never in front of the web server."""

from pathlib import Path

from django.conf import settings


def _processes() -> dict[str, str]:
    lines = (Path(settings.BASE_DIR) / "Procfile").read_text().splitlines()
    return dict(line.split(":", 1) for line in lines if line.strip())


def test_migrations_run_as_the_release_step():
    processes = _processes()
    assert processes["release"].strip() == "python manage.py migrate --noinput"
    assert "migrate" not in processes["web"]
    assert processes["web"].strip().startswith("gunicorn mct_portal.wsgi")

"""Docstrings and comments cite the copies in docs/ (docs/spec.md §N, docs/wizard.md, ...),
never a file outside the repository: a reader of the code has the repository, nothing else."""

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIPPED = {".venv", ".git", "node_modules", "staticfiles", "var"}
OUTSIDE = re.compile(r"SPEC §|SPEC\.md|\.\./shared/|/work/shared|STYLE\.md")
THIS_FILE = Path(__file__).resolve()


def _sources():
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIPPED]
        for name in files:
            path = Path(folder) / name
            if path.suffix in (".py", ".html", ".txt", ".md") and path != THIS_FILE:
                yield path, path.relative_to(ROOT)


def test_no_citation_points_outside_the_repository():
    found = [
        f"{relative}:{number}: {line.strip()}"
        for path, relative in _sources()
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), start=1)
        if OUTSIDE.search(line)
    ]
    assert found == [], "cite docs/ instead:\n" + "\n".join(found)


def test_every_cited_spec_section_exists():
    spec = (ROOT / "docs" / "spec.md").read_text()
    sections = set(re.findall(r"^##+ (\d+)\.", spec, flags=re.MULTILINE))
    cited = {
        (str(relative), section)
        for path, relative in _sources()
        if path.suffix in (".py", ".html")
        for section in re.findall(r"docs/spec\.md §(\d+)", path.read_text(errors="replace"))
    }
    missing = sorted((where, section) for where, section in cited if section not in sections)
    assert cited, "no citation found: the pattern no longer matches how docstrings cite"
    assert missing == []

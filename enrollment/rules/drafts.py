"""Merging a wizard draft written by two requests at once (a double click, a second tab).

Each request read the draft (`base`), changed some of it (`mine`), and meanwhile another
request may have written its own changes (`theirs`, the row as it is now). The merge keeps
both: per step and per bookkeeping entry, what this request changed wins, everything else
is taken from the row. Lists (the completed steps) merge by what was added and removed.
"""

from typing import Any

MISSING = object()


def merge_draft(base: dict, mine: dict, theirs: dict) -> dict:
    """The draft to write: `theirs` with the changes from `base` to `mine` applied."""
    base = base if isinstance(base, dict) else {}
    theirs = theirs if isinstance(theirs, dict) else {}
    merged = dict(theirs)
    for key in set(base) | set(mine):
        merged_value = _merge_value(
            base.get(key, MISSING), mine.get(key, MISSING), theirs.get(key, MISSING), depth=0
        )
        if merged_value is MISSING:
            merged.pop(key, None)
        else:
            merged[key] = merged_value
    return merged


def _merge_value(base: Any, mine: Any, theirs: Any, *, depth: int) -> Any:
    if mine == base:
        return theirs  # this request did not touch it
    if depth == 0 and isinstance(mine, dict):
        # Top level (step data, extra data): merge entry by entry.
        base_d = base if isinstance(base, dict) else {}
        theirs_d = theirs if isinstance(theirs, dict) else {}
        merged = dict(theirs_d)
        for key in set(base_d) | set(mine):
            value = _merge_value(
                base_d.get(key, MISSING),
                mine.get(key, MISSING),
                theirs_d.get(key, MISSING),
                depth=1,
            )
            if value is MISSING:
                merged.pop(key, None)
            else:
                merged[key] = value
        return merged
    if isinstance(mine, list) and isinstance(theirs, list):
        before = base if isinstance(base, list) else []
        added = [item for item in mine if item not in before]
        removed = [item for item in before if item not in mine]
        return [item for item in theirs if item not in removed] + [
            item for item in added if item not in theirs
        ]
    return mine

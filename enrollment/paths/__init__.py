"""The path registry: one declarative definition per application path (docs/architecture.md).

Import lookups from here: `from enrollment.paths import path_definition, all_paths`.
The six definitions register themselves when their apps are ready (enrollment's in
enrollment/paths/definitions.py, the alumni ones in alumni/paths.py).
"""

from .registry import (
    PathDefinition,
    all_paths,
    by_slug,
    path_definition,
    paths_of,
    program_for_path,
    register,
    rejoin_path,
    renew_path,
    start_url,
    start_url_name,
    step_url,
    step_url_name,
    unregister,
)

__all__ = [
    "PathDefinition",
    "all_paths",
    "by_slug",
    "path_definition",
    "paths_of",
    "program_for_path",
    "register",
    "rejoin_path",
    "renew_path",
    "start_url",
    "start_url_name",
    "step_url",
    "step_url_name",
    "unregister",
]

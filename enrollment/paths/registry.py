"""What an application path is, in one place, and the lookups everyone else uses.

A PathDefinition says everything the portal needs to know about a path: its slug and
program, its steps with their forms (and the app whose templates they use), who may start
it (a rule function), what it requires, whether it has a fee, whether approval starts a
membership year or extends the open one, which program's year must stay open for it, and
whether it is its program's renew or rejoin path. URLs, eligibility, requirements,
selectors, services, the profile page and the emails read it from here.

This module imports nothing of the app but enums, so every layer may read it.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

from ..enums import Program

# The rule function: the reason a trainer with this standing may not start the path today,
# or "" when they may. Arguments: (standing, today, renewal window in days).
RefusalRule = Callable[[object, datetime.date, int], str]

START = "start"
EXTEND = "extend"

# Proof of instructional skills: never asked, always asked, or asked again after an absence.
PROOF_NEVER = "never"
PROOF_ALWAYS = "always"
PROOF_AFTER_ABSENCE = "after_absence"


@dataclass(frozen=True)
class PathDefinition:
    path: str  # the Application.path value (a choice of ApplicationPath)
    label: str  # "Renew MCT membership"
    slug: str  # /apply/<slug>/<step>/
    program: str  # Program
    # The button that starts it on the profile page: "Renew" (marked with gettext_noop;
    # translated where it is shown).
    action_label: str
    order: int  # the profile page offers startable paths in this order
    refusal: RefusalRule
    steps: tuple[tuple[str, type], ...]  # (step name, form class), in order
    template_app: str = "enrollment"  # <app>/wizard/<path>_<step>.html, then <app>/wizard/...
    has_fee: bool = True
    membership: str = START  # START a new year on approval, or EXTEND the open one
    # Open applications on this path are closed when the open year of this program ends.
    needs_open_year_of: str | None = None
    renews_program: bool = False  # the path a member of `program` renews by
    rejoins: str | None = None  # the program a former member comes back to by this path
    # Requirements.
    needs_certification: bool = True
    needs_teaching: bool = False
    proof: str = PROOF_NEVER

    @property
    def is_alumni(self) -> bool:
        return self.program == Program.ALUMNI

    @property
    def has_requirements(self) -> bool:
        return self.needs_certification or self.needs_teaching or self.proof != PROOF_NEVER

    @property
    def step_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.steps)

    @property
    def extends_membership(self) -> bool:
        return self.membership == EXTEND


_REGISTRY: dict[str, PathDefinition] = {}


def register(definition: PathDefinition) -> PathDefinition:
    """Adds a path (an app's ready() does it); registering the same definition twice is a no-op."""
    known = _REGISTRY.get(definition.path)
    if known is not None and known != definition:
        raise ValueError(f"Path {definition.path!r} is already registered differently.")
    if any(d.slug == definition.slug and d.path != definition.path for d in _REGISTRY.values()):
        raise ValueError(f"Slug {definition.slug!r} is taken.")
    _REGISTRY[definition.path] = definition
    return definition


def unregister(path: str) -> None:
    _REGISTRY.pop(path, None)


def path_definition(path: str) -> PathDefinition:
    try:
        return _REGISTRY[path]
    except KeyError:
        raise ValueError(f"Unknown application path: {path!r}") from None


def all_paths() -> list[PathDefinition]:
    """Every registered path, in the order the profile page offers them."""
    return sorted(_REGISTRY.values(), key=lambda d: (d.order, d.path))


def by_slug(slug: str) -> PathDefinition | None:
    return next((d for d in _REGISTRY.values() if d.slug == slug), None)


def paths_of(program: str) -> tuple[str, ...]:
    return tuple(d.path for d in all_paths() if d.program == program)


def program_for_path(path: str) -> str:
    return path_definition(path).program


def renew_path(program: str) -> PathDefinition:
    return next(d for d in all_paths() if d.program == program and d.renews_program)


def rejoin_path(program: str) -> PathDefinition:
    return next(d for d in all_paths() if d.rejoins == program)


def step_url_name(path: str) -> str:
    """URL name of a path's step pages: apply_new_step, apply_alumni_renew_step..."""
    return f"apply_{path}_step"


def start_url_name(path: str) -> str:
    return f"apply_{path}"


def start_url(path: str) -> str:
    return reverse(start_url_name(path))


def step_url(path: str, step: str) -> str:
    return reverse(step_url_name(path), kwargs={"step": step})

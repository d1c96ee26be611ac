"""What a reviewer needs to know around a document, from apps verification knows nothing of.

Verification does not import enrollment: an app that knows more about a document's owner
(the application it is evidence for, the trainer's certifications) registers a provider
here, and the review page shows what the providers return.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReviewFacts:
    """One section of the review page's context: a heading and label → value rows."""

    title: str
    rows: list[tuple[str, str]] = field(default_factory=list)
    # Lists of items (e.g. certifications), shown as a list under the rows.
    items: list[str] = field(default_factory=list)
    empty: str = ""


ReviewContextProvider = Callable[[object], list[ReviewFacts]]
# Labels of the document's own `details` that a provider already shows; the page drops them.
_providers: list[tuple[ReviewContextProvider, tuple[str, ...]]] = []


def register_review_context(
    provider: ReviewContextProvider, *, replaces_details: tuple[str, ...] = ()
) -> ReviewContextProvider:
    if all(existing is not provider for existing, _ in _providers):
        _providers.append((provider, tuple(replaces_details)))
    return provider


def review_context(document) -> tuple[list[ReviewFacts], set[str]]:
    """Every provider's sections for this document, and the detail labels they cover."""
    sections: list[ReviewFacts] = []
    covered: set[str] = set()
    for provider, replaces in _providers:
        try:
            found = provider(document)
        except Exception:
            # A broken provider costs its section, never the review page.
            logger.exception("Review context provider %r failed", provider)
            continue
        if found:
            sections.extend(found)
            covered.update(replaces)
    return sections, covered

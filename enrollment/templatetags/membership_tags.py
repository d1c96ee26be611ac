"""Template helpers for membership years (the transcript include)."""

from django import template
from django.utils import timezone

from ..rules.membership_wording import with_phases
from ..selectors.memberships import membership_transcript

register = template.Library()


@register.filter
def transcript_rows(memberships):
    """Membership years oldest first, with "not a member" gap rows between them; each year
    carries its phase on the day the page is read (rules.membership_wording)."""
    today = timezone.localdate()
    years = with_phases(memberships or [], today)
    return membership_transcript(memberships=years, today=today)

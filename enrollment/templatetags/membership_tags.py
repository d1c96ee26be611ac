"""Template helpers for membership years (the transcript include)."""

from django import template

from ..selectors.memberships import membership_transcript

register = template.Library()


@register.filter
def transcript_rows(memberships):
    """Membership years oldest first, with "not a member" gap rows between them."""
    return membership_transcript(memberships=memberships or [])

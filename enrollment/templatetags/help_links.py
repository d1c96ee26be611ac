"""Where a trainer who is stuck goes: the help page and the "Link an MCP ID" action.

Both are built by the onboarding work (issue 9) under the names below. Until a name exists
the links fall back to the help page, so no page ever fails to render for want of them.
"""

from django import template
from django.urls import NoReverseMatch, reverse

register = template.Library()

HELP_PATH = "/help/"
HELP_URL_NAME = "help"
MCP_ID_CLAIM_URL_NAME = "mcp_id_claim"


def _reverse_or_empty(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


@register.simple_tag
def help_url() -> str:
    return _reverse_or_empty(HELP_URL_NAME) or HELP_PATH


@register.simple_tag
def mcp_id_claim_url() -> str:
    """The page where a trainer links an MCP ID they hold; the help page until it exists."""
    return _reverse_or_empty(MCP_ID_CLAIM_URL_NAME) or help_url()

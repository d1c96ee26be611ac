"""Absolute links to the portal's own pages, for emails (an email has no request to use)."""

from django.conf import settings


def portal_base_url() -> str:
    """PORTAL_BASE_URL when set; else the first CSRF trusted origin (the real stack sets it);
    else the first concrete allowed host."""
    base = settings.PORTAL_BASE_URL
    if not base and settings.CSRF_TRUSTED_ORIGINS:
        base = settings.CSRF_TRUSTED_ORIGINS[0]
    if not base:
        host = next((h for h in settings.ALLOWED_HOSTS if h and h != "*" and h[0] != "."), "")
        if host:
            base = f"http://{host}:8000" if settings.DEBUG else f"https://{host}"
    return base.rstrip("/")


def portal_url(path: str) -> str:
    """An absolute link to a page of the portal."""
    return f"{portal_base_url()}{path}"

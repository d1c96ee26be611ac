"""Deployment checks of the portal's own settings (`manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

W001 = Warning(
    "SECURE_SSL_REDIRECT is on with DEBUG off, but PROXY_COUNT is 0: the portal does not "
    "trust X-Forwarded-Proto, so behind a TLS-terminating proxy every request looks like "
    "plain HTTP and is redirected again and again.",
    hint=(
        "Behind a reverse proxy that terminates TLS and overwrites X-Forwarded-Proto, set "
        "PROXY_COUNT to the number of proxies. Serving TLS from the portal itself? Then "
        "silence mct_portal.W001."
    ),
    id="mct_portal.W001",
)


@register(Tags.security, deploy=True)
def check_proxy_for_https_redirect(app_configs=None, **kwargs):
    redirect_on = getattr(settings, "SECURE_SSL_REDIRECT", False)
    if not settings.DEBUG and redirect_on and getattr(settings, "PROXY_COUNT", 0) <= 0:
        return [W001]
    return []

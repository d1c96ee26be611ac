"""Deploy checks for credentials: a production portal signs with a configured key."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from .keys import SigningKeyError, signing_keys


@register(Tags.security, deploy=True)
def credential_keys_configured(app_configs, **kwargs):
    if settings.DEBUG:
        return []
    try:
        keys = signing_keys()
    except SigningKeyError as error:
        return [Error(str(error), id="credentials.E001")]
    if not keys:
        return [
            Warning(
                "No credential signing key: membership credentials are not issued.",
                hint="Create one with `manage.py credential_key --out PATH` and list it in "
                "CREDENTIAL_SIGNING_KEYS.",
                id="credentials.W001",
            )
        ]
    return []

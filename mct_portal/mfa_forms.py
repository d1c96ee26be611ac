"""allauth MFA forms as the portal uses them (MFA_FORMS)."""

from allauth.account.internal.flows.login import record_authentication
from allauth.core import context
from allauth.mfa.totp.forms import ActivateTOTPForm


class EnrollingTOTPForm(ActivateTOTPForm):
    """The code that enrols the authenticator is this session's second factor, so a staff
    member enrolling on their first sign-in goes straight on to their page."""

    def clean_code(self) -> str:
        code = super().clean_code()
        record_authentication(context.request, self.user, "mfa", type="totp", enrolled=True)
        return code

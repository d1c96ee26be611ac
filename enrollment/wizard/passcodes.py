"""The wizard's passcode actions: "Email code" and "Verify code" on the profile step.

They are their own POST actions (the form's clean() only compares what was verified); a
code is never kept in the draft.
"""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from verification.passcodes import (
    PasscodeAlreadyVerified,
    PasscodeError,
    PasscodeInvalid,
    passcode_issue,
    passcode_verify,
)

from ..forms.wizard import SEND_CODE
from .draft_data import draft_values


class PasscodeStepMixin:
    """Mixed into ApplicationWizard: the steps with passcodes and their two POST actions."""

    def has_passcodes(self, step: str) -> bool:
        return step == "profile"

    def passcode_post(self, step: str, action: str):
        """ "Email code" and "Verify code": their own POST actions on the profile step."""
        form = self.get_form(step, data=self.request.POST, files=None, passcode_action=action)
        # Whatever happens, what the trainer typed is kept (the code itself never is).
        self.storage.set_step_data(step, draft_values(form, self.request.POST))
        self.storage.mark_completed(step, False)
        if not form.is_valid() or form.passcode_target() is None:
            return self.render(form)
        address, purpose, code_field = form.passcode_target()
        user = self.request.user
        if action == SEND_CODE:
            try:
                passcode_issue(user=user, address=address, purpose=purpose)
            except PasscodeError as error:
                form.add_error(code_field, _passcode_message(error))
                return self.render(form)
            self.storage.extra_entry("sent", {})[purpose] = address
            messages.info(
                self.request,
                ngettext(
                    "We sent a code to %(address)s. It can take a few minutes to arrive. It "
                    "works once, within %(days)s day.",
                    "We sent a code to %(address)s. It can take a few minutes to arrive. It "
                    "works once, within %(days)s days.",
                    settings.PASSCODE_VALID_DAYS,
                )
                % {"address": address, "days": settings.PASSCODE_VALID_DAYS},
            )
            return redirect(self.get_step_url(step))

        code = (form.cleaned_data.get(code_field) or "").strip()
        if not code:
            form.add_error(code_field, _("Enter the code from the email."))
            return self.render(form)
        try:
            passcode_verify(user=user, address=address, purpose=purpose, code=code)
        except PasscodeAlreadyVerified as error:
            # A double click: the first click proved it, and the row remembers.
            messages.info(self.request, error.message)
            return redirect(self.get_step_url(step))
        except PasscodeInvalid as error:
            form.add_error(code_field, _passcode_message(error))
            return self.render(form)
        except PasscodeError as error:
            form.add_error(code_field, _passcode_message(error))
            return self.render(form)
        messages.success(
            self.request, _("Thank you: %(address)s is verified.") % {"address": address}
        )
        return redirect(self.get_step_url(step))


def _passcode_message(error) -> str:
    return getattr(error, "message", "") or str(error)

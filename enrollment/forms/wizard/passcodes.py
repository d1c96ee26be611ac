"""The passcode part of a step form: "Email code" / "Verify code" actions and their checks."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .base import ALIAS_RE, ConditionalCharField, ConditionalChoiceField, microsoft_domains

SEND_CODE = "send_code"
VERIFY_CODE = "verify_code"
PASSCODE_ACTIONS = (SEND_CODE, VERIFY_CODE)


class PasscodeFormMixin:
    """Microsoft and partner addresses are proven with a one-time code, sent and checked in
    their own POST actions (see the wizard); clean() only compares with the verified address.
    """

    passcode_action: str | None = None

    def passcode_fields(self) -> tuple[str, ...]:
        """The fields that make up the address (and its code) for this step."""
        raise NotImplementedError

    def full_clean(self):
        super().full_clean()
        if self.passcode_action and self._errors:
            # Sending or checking a code only needs the address: other answers can wait.
            keep = set(self.passcode_fields())
            for name in list(self._errors):
                if name not in keep:
                    del self._errors[name]

    def _require(self, cleaned: dict, name: str, message: str):
        value = cleaned.get(name)
        if not value and name not in self.errors:
            self.add_error(name, message)
        return value

    def _microsoft_address(self, cleaned: dict) -> str | None:
        alias = self._require(
            cleaned, "microsoft_alias", _("Enter your Microsoft alias (the part before the @).")
        )
        domain = self._require(
            cleaned, "microsoft_domain", _("Choose your Microsoft email domain.")
        )
        if alias and not ALIAS_RE.match(alias):
            self.add_error(
                "microsoft_alias",
                _(
                    "Enter only the alias, the part of your address before the @: letters, "
                    "digits, dots, hyphens and underscores."
                ),
            )
            return None
        if alias and domain:
            return f"{alias}@{domain}".lower()
        return None

    def _check_verified(self, address: str | None, purpose: str, code_field: str) -> None:
        if address is None or self.passcode_action:
            return
        if not (self.context and self.context.is_verified(purpose, address)):
            self.add_error(
                code_field,
                _(
                    "Prove that %(address)s is your address: use “Email code”, then enter the "
                    "code from the email and use “Verify code”."
                )
                % {"address": address},
            )

    def passcode_target(self) -> tuple[str, str, str] | None:
        """(address, purpose, code field) the trainer asked a code for; after is_valid()."""
        return getattr(self, "_passcode_target", None)


def microsoft_field(name: str) -> forms.Field:
    """A fresh field of the Microsoft address group (FTE on MCT paths, alumni employees)."""
    return {
        "microsoft_domain": ConditionalChoiceField(
            label=_("Microsoft email domain"),
            choices=[(d, d) for d in microsoft_domains()],
        ),
        "microsoft_alias": ConditionalCharField(
            label=_("Microsoft alias"),
            max_length=64,
            help_text=_("The part of your Microsoft email address before the @."),
            widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        ),
        "fte_passcode": ConditionalCharField(
            label=_("Code sent to your Microsoft address"),
            max_length=20,
            widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false"}),
        ),
    }[name]


__all__ = ["PASSCODE_ACTIONS", "SEND_CODE", "VERIFY_CODE", "PasscodeFormMixin", "microsoft_field"]

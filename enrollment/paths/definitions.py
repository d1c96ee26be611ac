"""The four MCT paths (the two alumni paths are defined in alumni/paths.py).

Adding a path: one PathDefinition here (or in its own app's paths.py, registered from
its AppConfig.ready), its forms, and a migration adding its choice to ApplicationPath.
"""

from django.utils.translation import gettext_noop as _

from ..enums import ApplicationPath, Program
from ..forms.wizard import (
    ConfirmationForm,
    MctTermsForm,
    ProfileForm,
    ProofRequirementsForm,
    RenewRequirementsForm,
    UpgradeRequirementsForm,
)
from ..rules import eligibility
from .registry import EXTEND, PROOF_AFTER_ABSENCE, PROOF_ALWAYS, PathDefinition, register

RENEW = register(
    PathDefinition(
        path=ApplicationPath.RENEW,
        label=ApplicationPath.RENEW.label,
        slug="renew",
        program=Program.MCT,
        action_label=_("Renew"),
        order=10,
        refusal=eligibility.refusal_renew,
        steps=(
            ("profile", ProfileForm),
            ("requirements", RenewRequirementsForm),
            ("terms", MctTermsForm),
            ("confirmation", ConfirmationForm),
        ),
        membership=EXTEND,
        needs_open_year_of=Program.MCT,
        renews_program=True,
        needs_teaching=True,
    )
)

NEW = register(
    PathDefinition(
        path=ApplicationPath.NEW,
        label=ApplicationPath.NEW.label,
        slug="new",
        program=Program.MCT,
        action_label=_("Enroll"),
        order=20,
        refusal=eligibility.refusal_new,
        steps=(
            ("profile", ProfileForm),
            ("requirements", ProofRequirementsForm),
            ("terms", MctTermsForm),
            ("confirmation", ConfirmationForm),
        ),
        proof=PROOF_ALWAYS,
    )
)

REJOIN = register(
    PathDefinition(
        path=ApplicationPath.REJOIN,
        label=ApplicationPath.REJOIN.label,
        slug="rejoin",
        program=Program.MCT,
        action_label=_("Rejoin"),
        order=30,
        refusal=eligibility.refusal_rejoin,
        steps=NEW.steps,
        rejoins=Program.MCT,
        proof=PROOF_AFTER_ABSENCE,
    )
)

UPGRADE = register(
    PathDefinition(
        path=ApplicationPath.UPGRADE,
        label=ApplicationPath.UPGRADE.label,
        slug="upgrade",
        program=Program.MCT,
        action_label=_("Upgrade from Alumni"),
        order=40,
        refusal=eligibility.refusal_upgrade,
        steps=(
            ("profile", ProfileForm),
            ("requirements", UpgradeRequirementsForm),
            ("terms", MctTermsForm),
            ("confirmation", ConfirmationForm),
        ),
        needs_open_year_of=Program.ALUMNI,
    )
)

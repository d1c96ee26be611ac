"""The two alumni paths: Profile → Terms → Confirmation, no fee (registered in ready())."""

from django.utils.translation import gettext_noop as _

from enrollment.enums import ApplicationPath, Program
from enrollment.forms.wizard import ConfirmationForm
from enrollment.paths.registry import EXTEND, PathDefinition, register
from enrollment.rules import eligibility

from .forms import AlumniProfileForm, AlumniTermsForm

STEPS = (
    ("profile", AlumniProfileForm),
    ("terms", AlumniTermsForm),
    ("confirmation", ConfirmationForm),
)

ALUMNI_RENEW = register(
    PathDefinition(
        path=ApplicationPath.ALUMNI_RENEW,
        label=ApplicationPath.ALUMNI_RENEW.label,
        slug="alumni-renew",
        program=Program.ALUMNI,
        action_label=_("Renew MCT Alumni"),
        order=50,
        refusal=eligibility.refusal_alumni_renew,
        steps=STEPS,
        template_app="alumni",
        has_fee=False,
        membership=EXTEND,
        needs_open_year_of=Program.ALUMNI,
        renews_program=True,
        needs_certification=False,
    )
)

ALUMNI = register(
    PathDefinition(
        path=ApplicationPath.ALUMNI,
        label=ApplicationPath.ALUMNI.label,
        slug="alumni",
        program=Program.ALUMNI,
        action_label=_("Apply for MCT Alumni"),
        order=60,
        refusal=eligibility.refusal_alumni,
        steps=STEPS,
        template_app="alumni",
        has_fee=False,
        rejoins=Program.ALUMNI,
        needs_certification=False,
    )
)

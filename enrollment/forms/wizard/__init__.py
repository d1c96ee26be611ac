"""One form per wizard step, one module per step. Validation only: saving is the services' job.

Every form takes `context` (enrollment.wizard.context.StepContext): the application, the
trainer and the facts the step is checked against, computed once per request. `clean()`
stays cheap: formtools revalidates every step before the application is submitted.
"""

from .base import *  # noqa: F403
from .base import __all__ as _base
from .confirmation import ConfirmationForm
from .passcodes import *  # noqa: F403
from .passcodes import __all__ as _passcodes
from .profile import ProfileForm
from .requirements import (
    SUMMARY,
    WAIVER,
    ProofRequirementsForm,
    RenewRequirementsForm,
    RequirementsForm,
    UpgradeRequirementsForm,
)
from .terms import MctTermsForm, TermsForm

__all__ = [
    *_base,
    *_passcodes,
    "SUMMARY",
    "WAIVER",
    "ConfirmationForm",
    "MctTermsForm",
    "ProfileForm",
    "ProofRequirementsForm",
    "RenewRequirementsForm",
    "RequirementsForm",
    "TermsForm",
    "UpgradeRequirementsForm",
]

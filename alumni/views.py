"""The two alumni wizards: Profile → Terms → Confirmation, on the shared wizard base."""

from enrollment.enums import ApplicationPath
from enrollment.forms.wizard import ConfirmationForm
from enrollment.wizard.base import ApplicationWizard

from .forms import AlumniProfileForm, AlumniTermsForm


class AlumniWizard(ApplicationWizard):
    path = ApplicationPath.ALUMNI
    template_app = "alumni"
    form_list = [
        ("profile", AlumniProfileForm),
        ("terms", AlumniTermsForm),
        ("confirmation", ConfirmationForm),
    ]


class AlumniRenewWizard(AlumniWizard):
    path = ApplicationPath.ALUMNI_RENEW


alumni_wizard = AlumniWizard.as_path_view()
alumni_renew_wizard = AlumniRenewWizard.as_path_view()

"""The four MCT application wizards (the two alumni ones live in alumni.views)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from ..enums import ApplicationPath, ApplicationStatus, EvidenceKind
from ..errors import InvalidTransition
from ..forms.wizard import (
    ConfirmationForm,
    MctTermsForm,
    ProfileForm,
    ProofRequirementsForm,
    RenewRequirementsForm,
    UpgradeRequirementsForm,
)
from ..selectors.applications import owned_application
from ..services.applications import application_withdraw
from ..services.evidence import WAIVER_FIELDS
from ..services.trainers import trainer_ensure
from ..wizard.base import ApplicationWizard


class NewWizard(ApplicationWizard):
    path = ApplicationPath.NEW
    form_list = [
        ("profile", ProfileForm),
        ("requirements", ProofRequirementsForm),
        ("terms", MctTermsForm),
        ("confirmation", ConfirmationForm),
    ]


class RejoinWizard(NewWizard):
    path = ApplicationPath.REJOIN


class UpgradeWizard(ApplicationWizard):
    path = ApplicationPath.UPGRADE
    form_list = [
        ("profile", ProfileForm),
        ("requirements", UpgradeRequirementsForm),
        ("terms", MctTermsForm),
        ("confirmation", ConfirmationForm),
    ]


class RenewWizard(ApplicationWizard):
    path = ApplicationPath.RENEW
    form_list = [
        ("profile", ProfileForm),
        ("requirements", RenewRequirementsForm),
        ("terms", MctTermsForm),
        ("confirmation", ConfirmationForm),
    ]

    def initial_extra(self, step: str) -> dict:
        if step != "requirements":
            return {}
        waiver = self.step_context.evidence.get(EvidenceKind.TRAINING_WAIVER)
        if waiver is None:
            return {}
        return {"current_waiver": {name: getattr(waiver, name) for name in WAIVER_FIELDS}}


new_wizard = NewWizard.as_path_view()
renew_wizard = RenewWizard.as_path_view()
upgrade_wizard = UpgradeWizard.as_path_view()
rejoin_wizard = RejoinWizard.as_path_view()


@login_required
@require_POST
def withdraw_application(request, public_id):
    """The trainer withdraws one of their open applications (from the profile page)."""
    trainer = trainer_ensure(request.user)
    application = owned_application(trainer=trainer, public_id=public_id)
    if application is None:
        raise Http404("No such application.")
    if application.status == ApplicationStatus.WITHDRAWN:
        return redirect("profile")
    try:
        application_withdraw(application=application, by=request.user, reason="By the trainer.")
    except InvalidTransition as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, f"Your application “{application.get_path_display()}” is withdrawn."
        )
    return redirect("profile")

"""Withdrawing an application. The wizards themselves are ApplicationWizard.for_path(definition),
made by enrollment.urls for every registered path."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..enums import ApplicationStatus
from ..errors import InvalidTransition
from ..selectors.applications import owned_application
from ..services.applications import application_withdraw
from ..services.trainers import trainer_ensure


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
            request,
            _("Your application “%(path)s” is withdrawn.")
            % {"path": application.get_path_display()},
        )
    return redirect("profile")

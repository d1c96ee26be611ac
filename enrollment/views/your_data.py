"""The profile page's "Your data": a copy of everything the portal holds about the trainer,
and "Delete my account" (a request support confirms). docs/personal-data.md.

Every view works on the signed-in trainer's own record; an export that is not theirs, not
ready or past its time is "not found", never "forbidden".
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ..enums import DataExportState, ErasureState
from ..models import DataExport
from ..selectors.personal_data import current_data_export, current_erasure_request
from ..services.personal_data import (
    data_export_downloaded,
    data_export_request,
    erasure_request,
    export_storage,
)
from ..services.trainers import trainer_ensure, trainer_for


def _your_data_url() -> str:
    return reverse("profile") + "#your-data"


def your_data_context(*, trainer) -> dict:
    """What the profile page's "Your data" section shows (nothing yet for a trainer whose
    record the first saved step will create)."""
    saved = trainer.pk is not None
    export = current_data_export(trainer=trainer) if saved else None
    now = timezone.now()
    return {
        "export": export,
        "export_downloadable": export is not None
        and export.state == DataExportState.READY
        and export.expires_at is not None
        and export.expires_at > now,
        "erasure": current_erasure_request(trainer=trainer) if saved else None,
        "export_days": settings.DATA_EXPORT_DAYS,
    }


@login_required
@require_POST
def data_export_request_view(request: HttpRequest) -> HttpResponse:
    trainer = trainer_ensure(request.user)
    export, created = data_export_request(trainer=trainer, by=request.user)
    if created:
        messages.success(
            request,
            _("We are preparing a copy of your data. Come back to this page to download it."),
        )
    elif export.state == DataExportState.READY:
        messages.info(request, _("Your copy is ready: download it below."))
    else:
        messages.info(request, _("Your copy is already being prepared."))
    return redirect(_your_data_url())


@login_required
@require_safe
@never_cache
def data_export_download(request: HttpRequest, public_id) -> HttpResponse:
    export = (
        DataExport.objects.filter(
            public_id=public_id,
            trainer__user=request.user,
            state=DataExportState.READY,
            expires_at__gt=timezone.now(),
        )
        .exclude(file="")
        .first()
    )
    if export is None:
        raise Http404("No such copy.")
    try:
        handle = export_storage().open(export.file.name, "rb")
    except FileNotFoundError as missing:
        raise Http404("No such copy.") from missing
    data_export_downloaded(export=export, by=request.user)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"mct-portal-data-{export.ready_at:%Y-%m-%d}.zip",
        content_type="application/zip",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def account_delete(request: HttpRequest) -> HttpResponse:
    """GET explains what is erased and what is kept; POST (the confirmation) asks support."""
    if request.method == "POST":
        trainer = trainer_ensure(request.user)
        if request.POST.get("confirm") != "yes":
            messages.error(
                request, _("Tick the box to confirm that you want your account deleted.")
            )
            return redirect("account_delete")
        erasure, created = erasure_request(trainer=trainer, by=request.user)
        if created:
            messages.success(
                request,
                _(
                    "Your request to delete your account has reached the support team. "
                    "Once it is done, you can no longer sign in."
                ),
            )
        else:
            messages.info(
                request, _("Your request to delete your account is already with support.")
            )
        return redirect(_your_data_url())
    trainer = trainer_for(request.user)  # a GET writes nothing
    erasure = current_erasure_request(trainer=trainer) if trainer.pk is not None else None
    return render(
        request,
        "enrollment/account_delete.html",
        {
            "trainer": trainer,
            "pending": erasure is not None and erasure.state == ErasureState.REQUESTED,
            "keep_invoices_years": settings.ERASURE_KEEP_INVOICES_YEARS,
            "keep_membership_years": settings.ERASURE_KEEP_MEMBERSHIP_YEARS,
        },
    )

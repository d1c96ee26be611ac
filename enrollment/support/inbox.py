"""Support's inbox (issue 9): feedback from the help page, MCP IDs claimed by a second
account (possible duplicates), and issuing a new access code. Support group only."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ..models import DuplicateClaimFlag, Feedback, Trainer
from ..permissions import support_required
from ..services.access_codes import access_code_reissue, duplicate_flag_handle
from ..services.feedback import feedback_mark_handled
from .inbox_forms import AccessCodeReissueForm
from .services import SupportError

PAGE_SIZE = 25


@support_required
def inbox(request: HttpRequest) -> HttpResponse:
    show_handled = request.GET.get("show") == "handled"
    feedback = Feedback.objects.select_related("user", "handled_by")
    feedback = (
        feedback.exclude(handled_at=None) if show_handled else feedback.filter(handled_at=None)
    )
    page = Paginator(feedback.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    flags = (
        DuplicateClaimFlag.objects.filter(handled_at=None)
        .select_related("mcp_id", "claimant", "holder")
        .order_by("-created_at")[:100]
    )
    return render(
        request,
        "support/inbox.html",
        {"page": page, "flags": flags, "show_handled": show_handled},
    )


@support_required
@require_POST
def feedback_handled(request: HttpRequest, feedback_id: int) -> HttpResponse:
    feedback = get_object_or_404(Feedback, pk=feedback_id)
    feedback_mark_handled(feedback=feedback, by=request.user)
    messages.success(request, f"Feedback #{feedback.pk} is marked handled.")
    return redirect("support:inbox")


@support_required
@require_POST
def duplicate_flag_handled(request: HttpRequest, flag_id: int) -> HttpResponse:
    flag = get_object_or_404(DuplicateClaimFlag, pk=flag_id)
    duplicate_flag_handle(flag=flag, by=request.user)
    messages.success(request, f"The possible duplicate for MCP ID {flag.mcp_id} is marked handled.")
    return redirect("support:inbox")


@support_required
@require_POST
def access_code_reissue_view(request: HttpRequest, trainer_id: int) -> HttpResponse:
    trainer = get_object_or_404(Trainer.objects.select_related("user"), pk=trainer_id)
    form = AccessCodeReissueForm(request.POST)
    if not form.is_valid():
        messages.error(request, next(iter(form.errors.values()))[0])
    else:
        try:
            mcp_id = access_code_reissue(
                value=form.cleaned_data["value"], recipient=trainer, by=request.user
            )
        except SupportError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                f"A new access code for MCP ID {mcp_id.value} is on its way to "
                f"{trainer.user.email}. The old code no longer works and the ID is unlocked.",
            )
    return redirect(reverse("support:person", args=[trainer.pk]))

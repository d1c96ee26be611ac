"""Support's queue of account-deletion requests (docs/personal-data.md): confirm (the erasure
then runs in a worker) or refuse with a reason. Support group only, checked on the server."""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from ..enums import ErasureState
from ..errors import DomainError
from ..models import ErasureRequest
from ..permissions import support_required
from ..services.personal_data import erasure_confirm, erasure_refuse


class ErasureConfirmForm(forms.Form):
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=1000,
        widget=forms.TextInput(attrs={"class": "input--medium"}),
    )


class ErasureRefuseForm(forms.Form):
    reason = forms.CharField(
        label="Why is it refused?",
        max_length=1000,
        help_text="The trainer sees this on their profile page.",
        error_messages={"required": "Say why the request is refused."},
        widget=forms.Textarea(attrs={"rows": 2}),
    )


@support_required
def erasure_requests(request: HttpRequest) -> HttpResponse:
    pending = (
        ErasureRequest.objects.filter(state=ErasureState.REQUESTED)
        .select_related("trainer__user")
        .order_by("created_at", "pk")[:200]
    )
    recent = (
        ErasureRequest.objects.exclude(state=ErasureState.REQUESTED)
        .select_related("decided_by")
        .order_by("-updated_at", "-pk")[:50]
    )
    return render(
        request,
        "support/erasure_requests.html",
        {
            "pending": pending,
            "recent": recent,
            "confirm_form": ErasureConfirmForm(),
            "refuse_form": ErasureRefuseForm(),
        },
    )


@support_required
@require_POST
def erasure_confirm_view(request: HttpRequest, request_id: int) -> HttpResponse:
    erasure = get_object_or_404(ErasureRequest, pk=request_id)
    form = ErasureConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, next(iter(form.errors.values()))[0])
        return redirect("support:erasure_requests")
    try:
        erasure_confirm(request=erasure, by=request.user, note=form.cleaned_data["note"])
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, f"Request #{erasure.pk} is confirmed: the personal data is being erased."
        )
    return redirect("support:erasure_requests")


@support_required
@require_POST
def erasure_refuse_view(request: HttpRequest, request_id: int) -> HttpResponse:
    erasure = get_object_or_404(ErasureRequest, pk=request_id)
    form = ErasureRefuseForm(request.POST)
    if not form.is_valid():
        messages.error(request, next(iter(form.errors.values()))[0])
        return redirect("support:erasure_requests")
    try:
        erasure_refuse(request=erasure, by=request.user, reason=form.cleaned_data["reason"])
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Request #{erasure.pk} is refused.")
    return redirect("support:erasure_requests")

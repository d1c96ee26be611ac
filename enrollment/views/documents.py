"""Invoices and credit notes as PDF, for their trainer and for staff only."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from ..models import PaymentDocument
from ..payments.pdf import document_filename, render_document_pdf


@login_required
@require_GET
def payment_document(request: HttpRequest, number: str) -> HttpResponse:
    """Anyone else's document is a 404, never a 403: numbers are not secrets, but whose
    invoice a number is must not leak."""
    document = (
        PaymentDocument.objects.select_related("payment__application__trainer")
        .filter(number=number)
        .first()
    )
    if document is None or not (
        request.user.is_staff or document.payment.application.trainer.user_id == request.user.pk
    ):
        raise Http404("No such document.")
    response = HttpResponse(render_document_pdf(document), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{document_filename(document)}"'
    return response

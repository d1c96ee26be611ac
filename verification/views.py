"""Files are served only here, to the people allowed to see them; everyone else gets 404."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .enums import REVIEWABLE_STATES, RenderState
from .models import Document, DocumentPage
from .rendering import kind_for_content_type
from .services import document_downloaded, may_review

# Answers whose bytes a browser must never interpret as a page of the portal.
FILE_RESPONSE_CSP = "default-src 'none'; sandbox"

PREVIEW_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)


def _document_for(request: HttpRequest, public_id) -> Document:
    document = Document.objects.select_related("owner").filter(public_id=public_id).first()
    if document is None:
        raise Http404("No such file.")
    user = request.user
    if document.owner_id == user.pk:
        return document
    # Reviewers get a file only once the check has passed it: never one still unscanned.
    reviewer = (user.is_staff or user.is_superuser) and may_review(user)
    if reviewer and document.state in REVIEWABLE_STATES:
        return document
    # The same answer as a file that does not exist: nothing to learn by guessing.
    raise Http404("No such file.")


def _gone(request: HttpRequest, document: Document) -> HttpResponse:
    return render(request, "verification/file_gone.html", {"document": document}, status=410)


def _protect(response: HttpResponse) -> HttpResponse:
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    response["Content-Security-Policy"] = FILE_RESPONSE_CSP
    return response


@require_GET
@login_required
def document_download(request: HttpRequest, public_id) -> HttpResponse:
    document = _document_for(request, public_id)
    if not document.file.name:
        return _gone(request, document)
    try:
        stored = document.file.open("rb")
    except FileNotFoundError:
        return _gone(request, document)
    if document.owner_id != request.user.pk:
        if kind_for_content_type(document.content_type) in ("jpeg", "png"):
            stored.close()
            return _cleaned_image_download(request, document)
        document_downloaded(document=document, by=request.user)
    response = FileResponse(
        stored,
        as_attachment=True,
        filename=document.original_name or "document",
        content_type=document.content_type or "application/octet-stream",
    )
    return _protect(response)


@require_GET
@login_required
def document_preview(request: HttpRequest, public_id) -> HttpResponse:
    document = _document_for(request, public_id)
    if not document.preview.name:
        if document.file_deleted_at is not None:
            return _gone(request, document)
        raise Http404("This document has no preview.")
    try:
        stored = document.preview.open("rb")
    except FileNotFoundError:
        return _gone(request, document)
    head = stored.read(16)
    stored.seek(0)
    content_type, extension = next(
        ((ctype, ext) for sig, ctype, ext in PREVIEW_SIGNATURES if head.startswith(sig)),
        ("application/octet-stream", "bin"),
    )
    # Previews are re-encoded images the portal made itself: shown in place, never sniffed.
    response = FileResponse(
        stored,
        as_attachment=content_type == "application/octet-stream",
        filename=f"preview.{extension}",
        content_type=content_type,
    )
    return _protect(response)


def _cleaned_image_download(request: HttpRequest, document: Document) -> HttpResponse:
    """Reviewers download a photo as the worker redrew it: no EXIF, no comment, no profile.

    Only when the redraw failed is the original served (the page says why).
    """
    page = document.pages.order_by("number").first()
    if page is None and document.render_state != RenderState.FAILED:
        return render(
            request, "verification/file_not_ready.html", {"document": document}, status=409
        )
    if page is None:
        stored = document.file.open("rb")
        filename, content_type = document.original_name or "image", document.content_type
    else:
        try:
            stored = page.image.open("rb")
        except FileNotFoundError:
            return _gone(request, document)
        stem = (document.original_name or "image").rsplit(".", 1)[0]
        extension = "jpg" if page.content_type == "image/jpeg" else "png"
        filename, content_type = f"{stem}.{extension}", page.content_type
    document_downloaded(
        document=document,
        by=request.user,
        note="The re-encoded copy, without metadata." if page is not None else "",
    )
    response = FileResponse(
        stored, as_attachment=True, filename=filename, content_type=content_type
    )
    return _protect(response)


@require_GET
@login_required
def document_page(request: HttpRequest, public_id, number: int) -> HttpResponse:
    """One page as the worker drew it, shown in place: never the trainer's own bytes."""
    document = _document_for(request, public_id)
    page = DocumentPage.objects.filter(document=document, number=number).first()
    if page is None:
        if document.file_deleted_at is not None:
            return _gone(request, document)
        raise Http404("No such page.")
    try:
        stored = page.image.open("rb")
    except FileNotFoundError:
        return _gone(request, document)
    extension = "jpg" if page.content_type == "image/jpeg" else "png"
    response = FileResponse(
        stored,
        as_attachment=False,
        filename=f"page-{page.number}.{extension}",
        content_type=page.content_type,
    )
    return _protect(response)

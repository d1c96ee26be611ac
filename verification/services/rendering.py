"""Rendering a queued document for reviewers, once, in the worker; and deleting what it made.

The task takes a document id; the row says whether rendering is still to do, so a task run
twice (a replayed message, the sweeper) renders once. Files are written after the row that
claims the attempt has committed, and deleted again if the attempt does not end in a row
that names them.
"""

import json
import logging
import uuid
from datetime import timedelta

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from ..enums import DocumentState, RenderState
from ..models import Document, DocumentPage
from ..rendering import (
    Rendering,
    RenderLimits,
    RenderRefused,
    kind_for_content_type,
    page_from_drawing,
    render_file,
)

logger = logging.getLogger(__name__)

# A photo's page is the picture the check drew for its preview, at the size the page shows:
# the original is neither read nor decoded a second time.
PHOTO_KINDS = ("jpeg", "png")

# A render that stopped the worker this often (killed at the time limit) is given up.
MAX_RENDER_ATTEMPTS = 2
RENDER_STUCK_AFTER = timedelta(minutes=5)
RENDER_FAILED_NOTE = "This file could not be shown in the page. Download the original to read it."
RENDER_KILLED_NOTE = (
    "Drawing this file stopped the worker, so it is not shown in the page. "
    "Download the original to read it."
)


def render_limits() -> RenderLimits:
    return RenderLimits(
        max_pages=settings.RENDER_MAX_PAGES,
        max_pixels=settings.RENDER_MAX_PIXELS,
        seconds=settings.RENDER_SECONDS,
        dpi=settings.RENDER_DPI,
        max_side=settings.RENDER_MAX_SIDE,
    )


def _render_name() -> str:
    return f"renders/{uuid.uuid4().hex}"


def _locked(document_id: int) -> Document | None:
    return Document.objects.select_for_update().filter(pk=document_id).first()


def enqueue_render(document_id: int) -> None:
    """Sends the rendering now; a broker outage is logged and the row stays PENDING, so the
    sweeper enqueues it again."""
    render_document.enqueue_now(args=(document_id,))


def document_render(*, document_id: int) -> Document | None:
    """Draws a queued document's pages (or lays out its text) for the review page."""
    with transaction.atomic():
        document = _locked(document_id)
        if document is None or document.state != DocumentState.QUEUED:
            return document
        if document.render_state in (RenderState.READY, RenderState.FAILED):
            return document
        if document.rendered_text.name or document.pages.exists():
            # Drawn already; only the row's state was lost.
            document.render_state = RenderState.READY
            document.save(update_fields=["render_state", "updated_at"])
            return document
        if document.render_attempts >= MAX_RENDER_ATTEMPTS:
            _fail(document, RENDER_KILLED_NOTE)
            return document
        document.render_attempts += 1
        document.render_state = RenderState.PENDING
        document.save(update_fields=["render_state", "render_attempts", "updated_at"])
        attempt = document.render_attempts

    note, rendering = "", None
    kind = kind_for_content_type(document.content_type)
    try:
        if kind is None:
            raise RenderRefused("unsupported", RENDER_FAILED_NOTE)
        rendering = _render(document, kind)
    except RenderRefused as refused:
        note = refused.message
    except SoftTimeLimitExceeded:
        note = RENDER_KILLED_NOTE
    except Exception:
        logger.exception("Rendering document %s failed", document_id)
        note = RENDER_FAILED_NOTE

    storage = Document._meta.get_field("rendered_text").storage
    written: list[str] = []
    try:
        pages = []
        text_name = ""
        if rendering is not None:
            for number, page in enumerate(rendering.pages, start=1):
                name = storage.save(_render_name(), ContentFile(page.data))
                written.append(name)
                pages.append(
                    DocumentPage(
                        number=number,
                        image=name,
                        content_type=page.content_type,
                        width=page.width,
                        height=page.height,
                    )
                )
            if rendering.text_blocks is not None:
                text = json.dumps(rendering.text_blocks, ensure_ascii=False).encode()
                text_name = storage.save(_render_name(), ContentFile(text))
                written.append(text_name)
            note = rendering.note
        with transaction.atomic():
            document = _locked(document_id)
            if (
                document is None
                or document.state != DocumentState.QUEUED
                or document.render_state != RenderState.PENDING
                or document.render_attempts != attempt
            ):
                # Decided, replaced or overtaken meanwhile: what this run drew is not needed.
                return document
            if rendering is None:
                _fail(document, note)
                return document
            for page in pages:
                page.document = document
            DocumentPage.objects.bulk_create(pages)
            document.rendered_text.name = text_name
            document.render_state = RenderState.READY
            document.render_note = note
            document.save(
                update_fields=["render_state", "render_note", "rendered_text", "updated_at"]
            )
        written = []
    finally:
        # Whatever went wrong after the files were written, none stays unnamed.
        _delete_names(written)
    return document


def _render(document: Document, kind: str) -> Rendering:
    if kind in PHOTO_KINDS and document.preview.name:
        try:
            with document.preview.open("rb") as drawn:
                return Rendering(pages=[page_from_drawing(drawn.read())])
        except FileNotFoundError:
            pass  # the preview is gone: draw the page from the original
    with document.file.open("rb") as stored:
        return render_file(stored, kind, limits=render_limits())


def _fail(document: Document, note: str) -> None:
    document.render_state = RenderState.FAILED
    document.render_note = note or RENDER_FAILED_NOTE
    document.save(update_fields=["render_state", "render_note", "updated_at"])


def _delete_names(names: list[str]) -> None:
    storage = Document._meta.get_field("rendered_text").storage
    for name in names:
        try:
            storage.delete(name)
        except Exception:
            logger.exception("Could not delete rendered file %s", name)


def render_names(document: Document) -> list[str]:
    """Every stored file the rendering made for this document."""
    names = list(DocumentPage.objects.filter(document=document).values_list("image", flat=True))
    if document.rendered_text.name:
        names.append(document.rendered_text.name)
    return [name for name in names if name]


def document_delete_renders(*, document: Document) -> int:
    """Deletes the page images and text of a (locked) document; the caller saves the row."""
    names = render_names(document)
    _delete_names(names)
    DocumentPage.objects.filter(document=document).delete()
    document.rendered_text.name = ""
    return len(names)


def documents_unrendered(*, now=None) -> list[int]:
    """Queued documents whose rendering message was lost or whose worker died."""
    now = now or timezone.now()
    stuck = Document.objects.filter(
        state=DocumentState.QUEUED,
        render_state=RenderState.PENDING,
        updated_at__lt=now - RENDER_STUCK_AFTER,
    )
    return list(stuck.order_by("updated_at").values_list("pk", flat=True)[:500])


def documents_requeue_unrendered(*, now=None) -> list[int]:
    stuck = documents_unrendered(now=now)
    for document_id in stuck:
        Document.objects.filter(pk=document_id).update(updated_at=timezone.now())
        enqueue_render(document_id)
    return stuck


def read_rendered_text(document: Document) -> list[dict] | None:
    """The laid-out text of a Word document, for the review page."""
    if not document.rendered_text.name:
        return None
    try:
        with document.rendered_text.open("rb") as stored:
            return json.loads(stored.read().decode())
    except (FileNotFoundError, ValueError):
        return None


# The task lives beside its service (verification.tasks re-exports it), so the service
# enqueues it without importing the tasks module, which imports the services.
@shared_task(
    name="verification.tasks.render_document",
    bind=True,
    # Below the worker's own limits: a PDF that outlasts its budget costs its page images only.
    soft_time_limit=settings.RENDER_SECONDS + 30,
    time_limit=settings.RENDER_SECONDS + 60,
)
def render_document(self, document_id: int) -> str | None:
    document = document_render(document_id=document_id)
    return document.render_state if document else None

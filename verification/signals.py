"""How verification tells the rest of the portal about a document, without knowing who listens."""

from django.dispatch import Signal

# Sent after a document's check refuses it. kwargs: document.
document_refused = Signal()
# Sent after a document enters the review queue. kwargs: document.
document_queued = Signal()
# Sent after a reviewer approves or rejects a document. kwargs: document.
document_decided = Signal()

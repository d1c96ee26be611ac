"""Reads about a trainer's MCP IDs: their exam transcript (issue 9)."""

from dataclasses import dataclass

from django.db.models import Prefetch

from ..models import ExamResult, McpId, Trainer


@dataclass(frozen=True)
class TranscriptEntry:
    mcp_id: McpId
    exams: list[ExamResult]


def exam_transcript(*, trainer: Trainer) -> list[TranscriptEntry]:
    """Each of the trainer's MCP IDs (primary first) with its passed exams, newest first,
    in two queries."""
    mcp_ids = McpId.objects.filter(trainer=trainer).prefetch_related(
        Prefetch("exam_results", queryset=ExamResult.objects.order_by("-passed_on", "pk"))
    )
    return [
        TranscriptEntry(mcp_id=mcp_id, exams=list(mcp_id.exam_results.all()))
        for mcp_id in mcp_ids.order_by("-is_primary", "value")
    ]

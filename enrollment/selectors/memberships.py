"""Reads about memberships: the open one per program, the last one, the history."""

from django.db.models import QuerySet
from django.utils import timezone

from ..enums import MEMBERSHIP_OPEN, MembershipStatus, Program
from ..models import Membership, Trainer
from ..rules.memberships import TranscriptEntry, transcript_entries


def open_membership(*, trainer: Trainer, program: str) -> Membership | None:
    """The active (or in-renewal) membership year in a program, if any."""
    return (
        Membership.objects.filter(trainer=trainer, program=program, status__in=MEMBERSHIP_OPEN)
        .order_by("-anniversary_on")
        .first()
    )


def latest_membership(*, trainer: Trainer, program: str) -> Membership | None:
    return (
        Membership.objects.filter(trainer=trainer, program=program)
        .order_by("-anniversary_on", "-id")
        .first()
    )


def has_ever_been_member(*, trainer: Trainer, program: str) -> bool:
    return Membership.objects.filter(trainer=trainer, program=program).exists()


def lapsed_mct_membership(*, trainer: Trainer) -> Membership | None:
    """The last MCT year, when it lapsed or ended and nothing is open. A revoked year is
    not here: a revoked trainer may not rejoin on their own (the rules send them to support)."""
    if open_membership(trainer=trainer, program=Program.MCT):
        return None
    last = latest_membership(trainer=trainer, program=Program.MCT)
    if last and last.status in (MembershipStatus.LAPSED, MembershipStatus.ENDED):
        return last
    return None


def membership_history(*, trainer: Trainer) -> QuerySet[Membership]:
    """Every membership year, oldest first: the trainer's transcript."""
    return Membership.objects.filter(trainer=trainer).order_by("program", "starts_on", "id")


def verification_membership(*, trainer: Trainer) -> Membership | None:
    """The year the public verification page speaks about.

    The open MCT year, else the open alumni year, else the year started most recently
    (so a lapsed or revoked membership is reported as such, never as current).
    """
    years = list(Membership.objects.filter(trainer=trainer).order_by("-starts_on", "-id"))
    open_years = [y for y in years if y.status in MEMBERSHIP_OPEN]
    if open_years:
        return min(
            open_years, key=lambda y: (y.program != Program.MCT, -y.anniversary_on.toordinal())
        )
    return years[0] if years else None


def membership_transcript(*, memberships, today=None) -> list[TranscriptEntry]:
    """The transcript rows of membership years: each year, and the gaps between them."""
    return transcript_entries(memberships, today or timezone.localdate())

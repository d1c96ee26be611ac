"""Reusable reads, one module per subject."""

from ..models import Trainer


def trainer_for_user(user) -> Trainer | None:
    if not user.is_authenticated:
        return None
    return Trainer.objects.filter(user=user).first()

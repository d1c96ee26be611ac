"""The trainer record behind a signed-in user."""

from django.db import IntegrityError, transaction

from verification.audit import audit

from ..models import Trainer


def trainer_ensure(user) -> Trainer:
    """The user's Trainer row; created from the account (names, email) on first use."""
    trainer = Trainer.objects.filter(user=user).first()
    if trainer is not None:
        return trainer
    try:
        with transaction.atomic():
            trainer = Trainer.objects.create(
                user=user,
                first_name=user.first_name or "",
                last_name=user.last_name or "",
                email=user.email,
            )
            audit(
                actor=user,
                action="trainer.created",
                target=trainer,
                subject_user=user,
                after={"email": user.email},
            )
    except IntegrityError:
        # Two first requests at once (two tabs): the other one created it.
        trainer = Trainer.objects.get(user=user)
    return trainer

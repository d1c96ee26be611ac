"""The trainer record behind a signed-in user."""

from django.conf import settings
from django.db import IntegrityError, transaction

from mct_portal.links import portal_url
from verification.audit import audit
from verification.mail import mail_queue

from ..models import Trainer


def trainer_for(user, *, shared: bool = False) -> Trainer:
    """The user's Trainer row, or, before it exists, an unsaved one made from the account.

    For pages a GET opens (the profile, the details, the wizards): they write nothing, and
    the row is created by the first POST that needs it (`trainer_ensure`).

    `shared`: the row this request has already read (`user.trainer`: the language
    middleware reads it on every signed-in request), not a second read. Only for callers
    that never edit the record through a form (a model form writes into its instance).
    """
    if shared:
        try:
            trainer = user.trainer
        except Trainer.DoesNotExist:
            trainer = None
    else:
        trainer = Trainer.objects.filter(user=user).first()
    if trainer is not None:
        trainer.user = user  # already loaded for the request: not read again
        return trainer
    return Trainer(
        user=user,
        first_name=user.first_name or "",
        last_name=user.last_name or "",
        email=user.email,
    )


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


def trainer_mail(
    trainer: Trainer,
    *,
    role: str,
    context: dict,
    attachments: list[dict] | None = None,
    secret_context: dict | None = None,
) -> None:
    """Queues the email `role` to the trainer's sign-in address, greeting them by name and
    linking to their profile page (the role's context may add to both), in the trainer's
    saved language (else the active one: verification.mail.email_language). Labels, dates
    and amounts in `context` should be lazy (core.l10n) so they come out in that language."""
    mail_queue(
        role=role,
        to=trainer.user.email,
        user=trainer.user,
        context={
            "trainer_name": trainer.first_name or trainer.full_name,
            "profile_url": portal_url("/profile/"),
            "help_url": portal_url("/help/"),
            **context,
        },
        attachments=attachments,
        secret_context=secret_context,
        language=trainer.language,
    )


def trainer_language(user) -> str:
    """The language the user's trainer record chose, "" if none: verification.mail's source
    for emails it queues itself (passcodes, document decisions)."""
    if user is None or user.pk is None:
        return ""
    language = Trainer.objects.filter(user=user).values_list("language", flat=True).first()
    return language or ""


def trainer_set_language(*, trainer: Trainer, language: str, by) -> Trainer:
    """Saves the language the trainer chose in the menu (pages, emails and PDFs follow it);
    "" means the browser's. An unknown code is a developer's error; no change writes nothing."""
    if language and language not in dict(settings.LANGUAGES):
        raise ValueError(f"Unknown language {language!r}")
    with transaction.atomic():
        locked = Trainer.objects.select_for_update().get(pk=trainer.pk)
        if locked.language == language:
            return locked
        before = {"language": locked.language}
        locked.language = language
        locked.save(update_fields=["language", "updated_at"])
        audit(
            actor=by,
            action="trainer.language_changed",
            target=locked,
            subject_user=locked.user,
            before=before,
            after={"language": language},
        )
    return locked

"""A trainer's own registration details: the dialog's fields, the two contact consents and
the program's NDA (issue 9).

Support corrects registration data through enrollment/support/services.py and may leave gaps; a
trainer saving their own details must fill every required field and accept the NDA now in
force. Every change writes one audit event with before/after, like support's edits.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from verification.audit import audit, changed_fields

from ..enums import TermsDocument
from ..errors import DomainError
from ..models import TermsVersion, Trainer
from ..rules.registration import (
    REQUIRED_REGISTRATION_FIELDS,
    missing_registration_fields,
    nda_needs_acceptance,
)
from .trainers import trainer_ensure

# Each consent is asked separately; its wording is a versioned document.
CONSENTS = {
    "consent_program_contact": TermsDocument.CONSENT_PROGRAM_CONTACT,
    "consent_partner_contact": TermsDocument.CONSENT_PARTNER_CONTACT,
}
DETAIL_FIELDS = [*Trainer.REGISTRATION_FIELDS, *CONSENTS]


class DetailsError(DomainError):
    """The trainer's details cannot be saved as entered; the message says why."""


def current_terms(document: str) -> TermsVersion | None:
    """The version of a document in force now: the latest one published."""
    return (
        TermsVersion.objects.filter(document=document, published_at__lte=timezone.now())
        .order_by("-published_at", "-pk")
        .first()
    )


@dataclass(frozen=True)
class DetailsStatus:
    missing: list[str]
    nda: TermsVersion | None
    nda_needed: bool

    @property
    def complete(self) -> bool:
        return not self.missing and not self.nda_needed

    @property
    def missing_labels(self) -> list[str]:
        return [str(Trainer._meta.get_field(name).verbose_name) for name in self.missing]


def trainer_details_status(*, trainer: Trainer) -> DetailsStatus:
    """What the trainer still has to fill in or accept before an application can start."""
    nda = current_terms(TermsDocument.NDA)
    values = {name: getattr(trainer, name) for name in REQUIRED_REGISTRATION_FIELDS}
    return DetailsStatus(
        missing=missing_registration_fields(values),
        nda=nda,
        nda_needed=nda_needs_acceptance(
            accepted_version_id=trainer.nda_version_id,
            current_version_id=nda.pk if nda else None,
        ),
    )


def _version_label(version: TermsVersion | None) -> str | None:
    return version.version if version else None


@transaction.atomic
def trainer_update_details(*, trainer: Trainer, data: dict, accept_nda: bool, by) -> Trainer:
    """Saves the trainer's own details; refuses (changing nothing) when a required field is
    empty or the NDA now in force is not accepted.

    `data` holds registration fields and consents (booleans); fields left out keep their
    value. Giving or withdrawing a consent records when and which wording; accepting the
    NDA records when and which version.
    """
    unknown = set(data) - set(DETAIL_FIELDS)
    if unknown:
        raise ValueError(f"Not detail fields: {sorted(unknown)}")
    data = {
        name: (value.strip() if isinstance(value, str) else value) for name, value in data.items()
    }
    if trainer.pk is None:
        # The person's first save of their details creates their trainer record (a GET of
        # the details page never does); refused details roll it back with the rest.
        trainer = trainer_ensure(by)
    locked = Trainer.objects.select_for_update().select_related("user").get(pk=trainer.pk)
    values = {name: data.get(name, getattr(locked, name)) for name in REQUIRED_REGISTRATION_FIELDS}
    missing = missing_registration_fields(values)
    if missing:
        labels = ", ".join(str(Trainer._meta.get_field(n).verbose_name) for n in missing)
        raise DetailsError(f"Fill in the required fields: {labels}.")
    nda = current_terms(TermsDocument.NDA)
    nda_needed = nda_needs_acceptance(
        accepted_version_id=locked.nda_version_id, current_version_id=nda.pk if nda else None
    )
    if nda_needed and not accept_nda:
        raise DetailsError(
            f"Read and accept the {TermsDocument.NDA.label} (version {nda.version}) to continue."
        )

    before, after = changed_fields(locked, DETAIL_FIELDS, data)
    update_fields = list(after)
    now = timezone.now()
    for name in list(after):
        setattr(locked, name, data[name])
    for name, document in CONSENTS.items():
        if name not in after:
            continue
        wording = current_terms(document)
        before[f"{name}_at"] = _iso(getattr(locked, f"{name}_at"))
        before[f"{name}_version"] = _version_label(getattr(locked, f"{name}_version"))
        setattr(locked, f"{name}_at", now)
        setattr(locked, f"{name}_version", wording)
        after[f"{name}_at"] = now.isoformat()
        after[f"{name}_version"] = _version_label(wording)
        update_fields += [f"{name}_at", f"{name}_version"]
    if nda_needed:
        before["nda_version"] = _version_label(locked.nda_version)
        before["nda_accepted_at"] = _iso(locked.nda_accepted_at)
        locked.nda_version = nda
        locked.nda_accepted_at = now
        after["nda_version"] = nda.version
        after["nda_accepted_at"] = now.isoformat()
        update_fields += ["nda_version", "nda_accepted_at"]
    if not update_fields:
        return locked
    locked.save(update_fields=[*update_fields, "updated_at"])
    _sync_account_name(locked)
    audit(
        actor=by,
        action="trainer.details_updated",
        target=locked,
        subject_user=locked.user,
        before=before,
        after=after,
    )
    return locked


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _sync_account_name(trainer: Trainer) -> None:
    """The header greets the account by name: keep it the one the trainer registered."""
    user = trainer.user
    names = {"first_name": trainer.first_name[:150], "last_name": trainer.last_name[:150]}
    changed = [name for name, value in names.items() if getattr(user, name) != value]
    for name in changed:
        setattr(user, name, names[name])
    if changed:
        user.save(update_fields=changed)

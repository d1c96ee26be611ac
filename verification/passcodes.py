"""One-time passcodes that prove a trainer reads mail at an address.

A code is 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L), about 40 bits.
Only a keyed hash is stored, bound to the trainer, the address and the purpose, so a code
sent for one of them proves nothing for another. The program's 120-day validity is long,
which is why a code dies after a few wrong tries and new codes are rate-limited.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.errors import DomainError
from core.l10n import lazy_label_in_sentence
from core.prepared import Arg, PreparedRead

from .enums import PasscodePurpose
from .mail import mail_queue
from .models import Passcode

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
HASH_SALT = "verification.passcodes"


class PasscodeError(DomainError):
    pass


class PasscodeCooldown(PasscodeError):
    pass


class PasscodeDailyLimit(PasscodeError):
    pass


class PasscodeAddressLimit(PasscodeError):
    pass


class PasscodeInvalid(PasscodeError):
    def __init__(self, message: str, *, attempts_left: int):
        super().__init__(message)
        self.attempts_left = attempts_left


class PasscodeLocked(PasscodeError):
    pass


class PasscodeExpired(PasscodeError):
    pass


class PasscodeNotIssued(PasscodeError):
    pass


class PasscodeAlreadyVerified(PasscodeError):
    """The address was proven already (a second click on "Verify code", a second tab)."""


def normalize_address(address: str) -> str:
    return (address or "").strip().lower()


def normalize_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def code_hash(*, user_id: int, address: str, purpose: str, code: str) -> str:
    value = f"{user_id}\x1f{address}\x1f{purpose}\x1f{code}"
    return salted_hmac(HASH_SALT, value, algorithm="sha256").hexdigest()


def _lock_address(address: str) -> None:
    """A transaction-scoped lock on the address (PostgreSQL advisory lock; SQLite already
    runs one writing transaction at a time)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"passcode:{address}"])


def passcode_issue(*, user, address: str, purpose: str) -> Passcode:
    """Creates a code, revokes the earlier unused ones and emails it (the code only there)."""
    address = normalize_address(address)
    purpose = PasscodePurpose(purpose)
    now = timezone.now()
    with transaction.atomic():
        # One request at a time per trainer, so two clicks cannot both pass the limits...
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        # ...and per address, so two trainers naming one address at once stay in order.
        _lock_address(address)
        _check_limits(user=user, address=address, now=now)
        Passcode.objects.filter(
            user=user, address=address, purpose=purpose, used_at=None, revoked_at=None
        ).update(revoked_at=now)
        code = new_code()
        passcode = Passcode.objects.create(
            user=user,
            address=address,
            purpose=purpose,
            code_hash=code_hash(user_id=user.pk, address=address, purpose=purpose, code=code),
            expires_at=now + timedelta(days=settings.PASSCODE_VALID_DAYS),
        )
        mail_queue(
            role="passcode",
            to=address,
            user=user,
            context={
                "trainer_name": user.get_full_name() or user.email,
                "address": address,
                "purpose_label": lazy_label_in_sentence(purpose.label),
                "valid_days": settings.PASSCODE_VALID_DAYS,
                "max_attempts": settings.PASSCODE_MAX_ATTEMPTS,
            },
            secret_context={"code": code},
        )
    return passcode


def _check_limits(*, user, address: str, now) -> None:
    """The limits on new codes, all counted per requesting account: what another trainer
    asked for never stops this one (see docs: passcode limits)."""
    mine = Passcode.objects.filter(user=user, created_at__gte=now - timedelta(days=1))
    to_address = mine.filter(address=address)
    latest = to_address.order_by("-created_at").values_list("created_at", flat=True).first()
    cooldown = timedelta(seconds=settings.PASSCODE_RESEND_COOLDOWN_SECONDS)
    if latest is not None and now - latest < cooldown:
        raise PasscodeCooldown(_("Wait a minute before asking for another code."))
    if to_address.count() >= settings.PASSCODE_DAILY_LIMIT:
        raise PasscodeDailyLimit(
            _(
                "You have asked for the most codes we can send to this address in one day. "
                "Try again tomorrow, or contact support if the codes do not arrive."
            )
        )
    addresses = set(mine.values_list("address", flat=True).distinct())
    if address not in addresses and len(addresses) >= settings.PASSCODE_DAILY_ADDRESSES:
        raise PasscodeAddressLimit(
            _(
                "You have asked for codes for %(count)s different addresses today, the most we "
                "send in one day. Use one of those addresses, try again tomorrow, or contact "
                "support."
            )
            % {"count": len(addresses)}
        )


def passcode_verify(*, user, address: str, purpose: str, code: str) -> Passcode:
    """Marks the current code used, or raises a PasscodeError saying what went wrong.

    A wrong try is committed before the error is raised: call this outside any transaction
    the caller may roll back, or the count of wrong tries would be rolled back with it.
    """
    address = normalize_address(address)
    purpose = PasscodePurpose(purpose)
    typed = normalize_code(code)
    now = timezone.now()
    max_attempts = settings.PASSCODE_MAX_ATTEMPTS
    with transaction.atomic():
        passcode = (
            Passcode.objects.select_for_update()
            .filter(user=user, address=address, purpose=purpose, revoked_at=None)
            .order_by("-created_at")
            .first()
        )
        if passcode is None:
            raise PasscodeNotIssued(_("We have not sent a code to this address yet: ask for one."))
        if passcode.used_at is not None and passcode.expires_at > now:
            # The row, not the draft, remembers the proof: a second click finds it here.
            raise PasscodeAlreadyVerified(
                _("%(address)s is already verified.") % {"address": address}
            )
        if passcode.used_at is not None:
            raise PasscodeNotIssued(_("That code has already been used. Ask for a new code."))
        if passcode.expires_at <= now:
            raise PasscodeExpired(_("That code has expired. Ask for a new code."))
        if passcode.failed_attempts >= max_attempts:
            raise PasscodeLocked(_locked_message(max_attempts))
        expected = code_hash(user_id=user.pk, address=address, purpose=purpose, code=typed)
        if constant_time_compare(expected, passcode.code_hash):
            passcode.used_at = now
            passcode.save(update_fields=["used_at"])
            return passcode
        passcode.failed_attempts += 1
        passcode.save(update_fields=["failed_attempts"])
        attempts_left = max_attempts - passcode.failed_attempts
    # Raised after the commit, so the wrong try counts.
    if attempts_left <= 0:
        raise PasscodeLocked(_locked_message(max_attempts))
    raise PasscodeInvalid(
        ngettext(
            "That code is not right. You have %(count)s try left.",
            "That code is not right. You have %(count)s tries left.",
            attempts_left,
        )
        % {"count": attempts_left},
        attempts_left=attempts_left,
    )


def _locked_message(max_attempts: int) -> str:
    return _(
        "That code was entered wrongly %(count)s times, so it no longer works. Ask for a new code."
    ) % {"count": max_attempts}


def proofs_of(*, user_id, now):
    """The used, still-valid passcodes of a user as (purpose, address, used_at) rows: the
    record of each proof (`verified_addresses` makes them the addresses by purpose)."""
    return Passcode.objects.filter(
        user_id=user_id, used_at__isnull=False, expires_at__gt=now
    ).values_list("purpose", "address", "used_at")


def verified_addresses(proofs) -> dict[str, list[str]]:
    """The proven addresses by purpose, newest first, from `proofs_of` rows in any order."""
    verified: dict[str, list[str]] = {}
    for purpose, address, _used_at in sorted(proofs, key=lambda row: row[2], reverse=True):
        addresses = verified.setdefault(purpose, [])
        if address not in addresses:
            addresses.append(address)
    return verified


# Compiled once (core.prepared): the wizard reads it with its draft on every request.
PROOFS_OF_USER = PreparedRead(
    lambda: proofs_of(
        user_id=Arg("user_id", models.BigIntegerField()), now=Arg("now", models.DateTimeField())
    )
)


def passcode_verified_addresses(*, user) -> dict[str, list[str]]:
    """The addresses the trainer has proved with a still-valid code, newest first, by purpose.

    The used passcode row is the record of the proof, written in the transaction that
    consumed the code; nothing about it lives only in a draft.
    """
    return verified_addresses(PROOFS_OF_USER.all(user_id=user.pk, now=timezone.now()))


def passcode_is_verified(*, user, address: str, purpose: str) -> bool:
    """Whether the trainer has proved this address for this purpose with a still-valid code."""
    return Passcode.objects.filter(
        user=user,
        address=normalize_address(address),
        purpose=purpose,
        used_at__isnull=False,
        expires_at__gt=timezone.now(),
    ).exists()

"""The portal's credential signing keys: Ed25519, read from PEM files outside the web root.

`CREDENTIAL_SIGNING_KEYS` lists the files, newest first: the first key signs, every key is
published in the key set, so credentials signed before a rotation keep verifying. With
DEBUG on and no files, a development key derived from the secret key is used, so
`make run` issues credentials without set-up; with DEBUG off, no key means no credentials
(and `check --deploy` says so).
"""

import functools
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from joserfc.jwk import OKPKey


class SigningKeyError(Exception):
    """A configured key file is missing or is not an Ed25519 private key."""


@dataclass(frozen=True)
class SigningKey:
    kid: str
    key: OKPKey

    def public_jwk(self) -> dict:
        return {**self.key.as_dict(private=False), "kid": self.kid, "alg": "EdDSA", "use": "sig"}


def generate_private_key_pem() -> bytes:
    """A new Ed25519 private key in PKCS#8 PEM, for `manage.py credential_key`."""
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _load(pem: bytes, origin: str) -> SigningKey:
    try:
        key = OKPKey.import_key(pem)
    except Exception as error:  # joserfc raises several kinds for a bad key
        raise SigningKeyError(f"{origin} is not an Ed25519 private key: {error}") from error
    if key.as_dict().get("crv") != "Ed25519" or not key.is_private:
        raise SigningKeyError(f"{origin} is not an Ed25519 private key.")
    return SigningKey(kid=key.thumbprint(), key=key)


def _development_key(secret: str) -> SigningKey:
    seed = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"mct-portal credential dev key"
    ).derive(secret.encode())
    pem = Ed25519PrivateKey.from_private_bytes(seed).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return _load(pem, "the development key")


@functools.lru_cache(maxsize=8)
def _keys_for(paths: tuple[str, ...], debug: bool, secret: str) -> tuple[SigningKey, ...]:
    keys = []
    for path in paths:
        try:
            pem = Path(path).read_bytes()
        except OSError as error:
            raise SigningKeyError(f"Cannot read credential key {path}: {error}") from error
        keys.append(_load(pem, path))
    if not keys and debug:
        keys.append(_development_key(secret))
    return tuple(keys)


def signing_keys() -> tuple[SigningKey, ...]:
    """Every published key, the signing one first; empty when none is configured."""
    return _keys_for(
        tuple(getattr(settings, "CREDENTIAL_SIGNING_KEYS", ())), settings.DEBUG, settings.SECRET_KEY
    )


def current_key() -> SigningKey | None:
    keys = signing_keys()
    return keys[0] if keys else None


def public_key_set() -> dict:
    return {"keys": [key.public_jwk() for key in signing_keys()]}

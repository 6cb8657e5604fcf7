"""Field encryption (AES-256-GCM) and keyed look-up hashes (HMAC-SHA256) for personal identifiers.

Ciphertexts are stored as "v1:" + base64(nonce || ciphertext+tag); the field name is bound as associated
data, so a value copied into another column does not decrypt. Keys come from the environment.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

PREFIX = "v1:"


class DecryptionError(ValueError):
    pass


@lru_cache(maxsize=4)
def _key(b64: str) -> bytes:
    key = base64.b64decode(b64)
    if len(key) != 32:
        raise ValueError("encryption keys must be 32 bytes, base64-encoded")
    return key


def encrypt(plaintext: str, *, context: str) -> str:
    if plaintext is None or plaintext == "":
        return ""
    nonce = os.urandom(12)
    ct = AESGCM(_key(settings.FIELD_ENCRYPTION_KEY)).encrypt(nonce, plaintext.encode(), context.encode())
    return PREFIX + base64.b64encode(nonce + ct).decode()


def decrypt(token: str, *, context: str) -> str:
    if not token:
        return ""
    if not token.startswith(PREFIX):
        raise DecryptionError("unknown ciphertext version")
    raw = base64.b64decode(token[len(PREFIX) :])
    try:
        return (
            AESGCM(_key(settings.FIELD_ENCRYPTION_KEY)).decrypt(raw[:12], raw[12:], context.encode()).decode()
        )
    except Exception as exc:  # cryptography raises InvalidTag
        raise DecryptionError("cannot decrypt value") from exc


def lookup_hash(value: str, *, context: str) -> str:
    """A keyed hash for exact look-up of an encrypted value (same input → same hash)."""
    if not value:
        return ""
    mac = hmac.new(_key(settings.FIELD_HMAC_KEY), f"{context}:{value}".encode(), hashlib.sha256)
    return mac.hexdigest()


def mask(value: str, visible: int = 3) -> str:
    """ "079201001234" → "•••••••••234"."""
    if not value:
        return ""
    return "•" * max(0, len(value) - visible) + value[-visible:]

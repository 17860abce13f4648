"""Encryption at rest for reference crops (Fernet: AES-128-CBC + HMAC-SHA256, via `cryptography`).

Keys come from settings (cameos.conf `crop_keys`, env CASTFEED_CAMEOS_CROP_KEYS, comma-separated Fernet keys): the
first encrypts, all decrypt, so keys can be rotated. Without them, one key is derived from
SECRET_KEY (HKDF), which is fine for development and ties the crops to that secret.
"""

from __future__ import annotations

import base64
from functools import cache

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from cameos.conf import conf


@cache
def _fernet(keys: tuple[str, ...], secret: str) -> MultiFernet:
    if not keys:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"castfeed-crops", info=b"v1").derive(secret.encode())
        keys = (base64.urlsafe_b64encode(derived).decode(),)
    return MultiFernet([Fernet(k.encode()) for k in keys])


def _current() -> MultiFernet:
    return _fernet(conf().crop_keys, settings.SECRET_KEY)


def encrypt(data: bytes) -> bytes:
    return _current().encrypt(data)


def decrypt(token: bytes) -> bytes:
    return _current().decrypt(token)

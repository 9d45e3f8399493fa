"""Encryption at rest: AES-256-GCM with a key from the passphrase through scrypt.

A whole file (the database, a backup, a draft) is:

    FIELDNOTES-ENCRYPTED v1\\n
    {"kdf": "scrypt", "n": ..., "r": ..., "p": ..., "salt": "...", "cipher": "AES-256-GCM"}\\n
    nonce (12 bytes) + ciphertext and tag

A journal line is base64(nonce + ciphertext and tag) and a newline, with the key
of the database it belongs to. Each seal uses a fresh random nonce. Nothing is
ever written in plaintext: the storage seals before it writes.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fieldnotes.errors import StorageError, WrongPassphraseError

if TYPE_CHECKING:  # imported when a passphrase is used: plain databases start without it
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"FIELDNOTES-ENCRYPTED v1\n"
NONCE_BYTES = 12
PASSPHRASE_ENV = "FIELDNOTES_PASSPHRASE"


@dataclass(frozen=True)
class KdfParams:
    salt: bytes
    n: int = 2**15
    r: int = 8
    p: int = 1

    def header(self) -> bytes:
        fields = {
            "kdf": "scrypt",
            "n": self.n,
            "r": self.r,
            "p": self.p,
            "salt": base64.b64encode(self.salt).decode(),
            "cipher": "AES-256-GCM",
        }
        return MAGIC + json.dumps(fields, sort_keys=True).encode() + b"\n"

    @classmethod
    def fresh(cls) -> KdfParams:
        return cls(salt=os.urandom(16))


def is_encrypted(raw: bytes) -> bool:
    return raw.startswith(MAGIC)


def read_params(raw: bytes) -> tuple[KdfParams, int]:
    """The KDF parameters in a file's header, and where the sealed data starts."""
    end = raw.find(b"\n", len(MAGIC))
    if end < 0:
        raise ValueError("the encryption header is cut short")
    try:
        fields = json.loads(raw[len(MAGIC) : end])
        params = KdfParams(
            base64.b64decode(fields["salt"]), int(fields["n"]), int(fields["r"]), int(fields["p"])
        )
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise ValueError("the encryption header is damaged") from None
    if fields.get("kdf") != "scrypt" or fields.get("cipher") != "AES-256-GCM":
        raise ValueError("the file uses an encryption this version does not know")
    return params, end + 1


class Cipher:
    """A passphrase, and the keys it gives for the salts met so far."""

    def __init__(self, passphrase: str, params: KdfParams | None = None) -> None:
        if not passphrase:
            raise WrongPassphraseError("the passphrase is empty")
        self._passphrase = passphrase.encode("utf-8")
        self._keys: dict[KdfParams, AESGCM] = {}
        self.params = params or KdfParams.fresh()

    def _aead(self, params: KdfParams) -> AESGCM:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

        if params not in self._keys:
            kdf = Scrypt(salt=params.salt, length=32, n=params.n, r=params.r, p=params.p)
            self._keys[params] = AESGCM(kdf.derive(self._passphrase))
        return self._keys[params]

    def adopt(self, raw: bytes) -> None:
        """Use the salt of an existing encrypted file for everything written from now on."""
        self.params = read_params(raw)[0]

    # ----------------------------------------------------------- whole files
    def seal_file(self, data: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return self.params.header() + nonce + self._aead(self.params).encrypt(nonce, data, MAGIC)

    def open_file(self, raw: bytes, *, name: str = "the file") -> bytes:
        try:
            params, start = read_params(raw)
        except ValueError as exc:
            raise StorageError(f"{name}: {exc}") from None
        from cryptography.exceptions import InvalidTag

        blob = raw[start:]
        try:
            return self._aead(params).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], MAGIC)
        except (InvalidTag, ValueError):
            raise WrongPassphraseError(
                f"the passphrase does not open {name} (or the file is damaged); nothing was changed"
            ) from None

    # ---------------------------------------------------------- journal lines
    def seal_line(self, data: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return base64.b64encode(nonce + self._aead(self.params).encrypt(nonce, data, b"journal")) + b"\n"

    def open_line(self, line: bytes) -> bytes:
        """Raises ValueError when the line is torn or not ours."""
        from cryptography.exceptions import InvalidTag

        try:
            blob = base64.b64decode(line, validate=True)
            return self._aead(self.params).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], b"journal")
        except (InvalidTag, binascii.Error, ValueError):
            raise ValueError("an unreadable journal entry") from None

"""Encryption at rest: AES-256-GCM with a key from the passphrase through scrypt.

A whole file (the database, a backup, a draft, the sidecar index) is:

    FIELDNOTES-ENCRYPTED v1\\n
    {"aad": "header", "cipher": "AES-256-GCM", "gen": "...", "kdf": "scrypt", "n": ..., ...}\\n
    nonce (12 bytes) + ciphertext and tag

The whole header is authenticated (it is the AEAD's associated data), so its
parameters and the file's generation `gen` cannot be changed unnoticed. Files
written before headers were authenticated (no "aad" field) are still read.

A journal line is base64(nonce + ciphertext and tag) and a newline. Its
associated data binds it to the main file's generation and to its place in the
journal (1, 2, 3... since the last fold): a line dropped from the middle,
reordered, repeated or spliced in from another journal does not open.

Each seal uses a fresh random nonce. Nothing is ever written in plaintext: the
storage seals before it writes.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fieldnotes.errors import StorageError, WrongPassphraseError

if TYPE_CHECKING:  # imported when a passphrase is used: plain databases start without it
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"FIELDNOTES-ENCRYPTED v1\n"
NONCE_BYTES = 12
PASSPHRASE_ENV = "FIELDNOTES_PASSPHRASE"
HEADER_LIMIT = 4096  # a header is a few hundred bytes; a longer one is not ours


@dataclass(frozen=True)
class KdfParams:
    salt: bytes
    n: int = 2**15
    r: int = 8
    p: int = 1

    def fields(self) -> dict[str, Any]:
        return {
            "kdf": "scrypt",
            "n": self.n,
            "r": self.r,
            "p": self.p,
            "salt": base64.b64encode(self.salt).decode(),
            "cipher": "AES-256-GCM",
        }

    @classmethod
    def fresh(cls) -> KdfParams:
        return cls(salt=os.urandom(16))


@dataclass(frozen=True)
class Header:
    """A sealed file's header: the key parameters, its generation, and how it is authenticated."""

    params: KdfParams
    gen: str | None  # a fresh random id per main-file write; None for other files
    prev: str | None  # the generation this main file replaced (its journal is folded in)
    authenticated: bool  # the header bytes are the associated data (all files written now)
    raw: bytes  # the header bytes, magic included
    end: int  # where the nonce starts


def is_encrypted(raw: bytes) -> bool:
    return raw.startswith(MAGIC)


def new_generation() -> str:
    return os.urandom(12).hex()


def read_header(raw: bytes) -> Header:
    """The header of a sealed file. Raises ValueError when it is missing or damaged."""
    if not is_encrypted(raw):
        raise ValueError("the file is not encrypted")
    end = raw.find(b"\n", len(MAGIC), HEADER_LIMIT)
    if end < 0:
        raise ValueError("the encryption header is cut short")
    try:
        fields = json.loads(raw[len(MAGIC) : end])
        params = KdfParams(
            base64.b64decode(fields["salt"], validate=True),
            int(fields["n"]),
            int(fields["r"]),
            int(fields["p"]),
        )
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise ValueError("the encryption header is damaged") from None
    if fields.get("kdf") != "scrypt" or fields.get("cipher") != "AES-256-GCM":
        raise ValueError("the file uses an encryption this version does not know")
    if not (2**10 <= params.n <= 2**20 and 1 <= params.r <= 32 and 1 <= params.p <= 16):
        raise ValueError("the encryption header asks for key parameters out of range")
    gen, prev = fields.get("gen"), fields.get("prev")
    return Header(
        params=params,
        gen=gen if isinstance(gen, str) else None,
        prev=prev if isinstance(prev, str) else None,
        authenticated=fields.get("aad") == "header",
        raw=raw[: end + 1],
        end=end + 1,
    )


def _line_aad(gen: str | None, seq: int) -> bytes:
    if gen is None:
        return b"journal"  # lines written before they were bound to a generation
    return b"journal\x00" + gen.encode() + b"\x00" + str(seq).encode()


class Cipher:
    """A passphrase, and the keys it gives for the salts met so far."""

    def __init__(self, passphrase: str, params: KdfParams | None = None) -> None:
        if not passphrase:
            raise WrongPassphraseError("the passphrase is empty")
        self._passphrase = passphrase.encode("utf-8", "surrogatepass")
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
        """Use the key parameters of an existing sealed file for everything written from now on."""
        self.params = read_header(raw).params

    # ----------------------------------------------------------- whole files
    def seal_file(self, data: bytes, *, gen: str | None = None, prev: str | None = None) -> bytes:
        fields = {**self.params.fields(), "aad": "header"}
        if gen is not None:
            fields["gen"] = gen
        if prev is not None:
            fields["prev"] = prev
        header = MAGIC + json.dumps(fields, sort_keys=True).encode() + b"\n"
        nonce = os.urandom(NONCE_BYTES)
        return header + nonce + self._aead(self.params).encrypt(nonce, data, header)

    def open_file(self, raw: bytes, *, name: str = "the file") -> bytes:
        try:
            header = read_header(raw)
        except ValueError as exc:
            raise StorageError(f"{name}: {exc}") from None
        from cryptography.exceptions import InvalidTag

        blob = raw[header.end :]
        aad = header.raw if header.authenticated else MAGIC
        try:
            return self._aead(header.params).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad)
        except (InvalidTag, ValueError):
            raise WrongPassphraseError(
                f"the passphrase does not open {name} (or the file is damaged); nothing was changed"
            ) from None

    def opens(self, raw: bytes) -> bool:
        """True when this passphrase opens the sealed file `raw`."""
        try:
            self.open_file(raw)
        except (StorageError, WrongPassphraseError):
            return False
        return True

    # ---------------------------------------------------------- journal lines
    def seal_line(self, data: bytes, *, gen: str | None, seq: int) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead(self.params).encrypt(nonce, data, _line_aad(gen, seq))
        return base64.b64encode(nonce + sealed) + b"\n"

    def open_line(self, line: bytes, *, gen: str | None, seq: int) -> bytes:
        """Raises ValueError when the line is damaged, not ours, or out of its place."""
        from cryptography.exceptions import InvalidTag

        try:
            blob = base64.b64decode(line, validate=True)
            return self._aead(self.params).decrypt(
                blob[:NONCE_BYTES], blob[NONCE_BYTES:], _line_aad(gen, seq)
            )
        except (InvalidTag, binascii.Error, ValueError):
            raise ValueError("an unreadable journal entry") from None

"""Ed25519 keys: signing and verification, and the PEM files they are kept in.

The arithmetic is libsodium's, through PyNaCl. The engine and the Designer used
``cryptography`` before; its Rust extension alone costs 7-9 MB of RSS in each
process, for two operations. PyNaCl has no PEM, so this module reads and writes the
two RFC 8410 forms every tool (OpenSSL, ``cryptography``, Go, ...) uses for Ed25519:

- private: PKCS#8 ``-----BEGIN PRIVATE KEY-----``, a 48-byte DER document that is a
  fixed 16-byte prefix and the 32-byte seed (the ``OneAsymmetricKey`` v2 form, which
  adds the public key, is read too; it is checked against the seed);
- public: SubjectPublicKeyInfo ``-----BEGIN PUBLIC KEY-----``, a 44-byte DER document
  that is a fixed 12-byte prefix and the 32-byte public key.

Anything else (another algorithm, an encrypted key, a traditional or OpenSSH key,
bad base64, another length) is a :class:`KeyFileError` that says which. Ed25519 is
deterministic, so a key signs a message to the same 64 bytes whichever library does it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re

import nacl.exceptions
import nacl.signing

from supervisor_engine.errors import KeyFileError

SEED_BYTES = 32
PUBLIC_KEY_BYTES = 32
SIGNATURE_BYTES = 64

# RFC 8410 section 7: SEQUENCE { INTEGER 0, SEQUENCE { OID 1.3.101.112 }, OCTET STRING { OCTET STRING seed } }
_PKCS8_V1_PREFIX = bytes.fromhex("302e020100300506032b657004220420")
# The v2 form: version 1, then after the seed [1] IMPLICIT BIT STRING { 0 unused bits, public key }.
_PKCS8_V2_PREFIX = bytes.fromhex("3051020101300506032b657004220420")
_PKCS8_V2_PUBLIC = bytes.fromhex("812100")
# RFC 8410 section 4: SEQUENCE { SEQUENCE { OID 1.3.101.112 }, BIT STRING { 0 unused bits, key } }
_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")

_ED25519_OID = bytes.fromhex("2b6570")
_ALGORITHMS = {
    bytes.fromhex("2b6571"): "Ed448",
    bytes.fromhex("2b656e"): "X25519",
    bytes.fromhex("2b656f"): "X448",
    bytes.fromhex("2a864886f70d010101"): "RSA",
    bytes.fromhex("2a864886f70d01010a"): "RSA-PSS",
    bytes.fromhex("2a8648ce3d0201"): "EC",
    bytes.fromhex("2a8648ce380401"): "DSA",
}

_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END ([A-Z0-9 ]+)-----", re.DOTALL)


class InvalidSignature(Exception):
    """A signature that is not this key's signature of the message."""


class VerifyKey:
    """An Ed25519 public key: checks signatures; equal to another holding the same 32 bytes."""

    __slots__ = ("_key",)

    def __init__(self, raw: bytes) -> None:
        if len(raw) != PUBLIC_KEY_BYTES:
            raise ValueError(f"an Ed25519 public key is {PUBLIC_KEY_BYTES} bytes, not {len(raw)}")
        self._key = nacl.signing.VerifyKey(raw)

    def raw(self) -> bytes:
        """The 32 bytes of the key (RFC 8032 encoding)."""
        return bytes(self._key)

    def verify(self, signature: bytes, message: bytes) -> None:
        """Return if ``signature`` is this key's signature of ``message``, else raise
        :class:`InvalidSignature` (a signature of the wrong length included)."""
        if len(signature) != SIGNATURE_BYTES:
            raise InvalidSignature(f"signature is {len(signature)} bytes, not {SIGNATURE_BYTES}")
        try:
            self._key.verify(message, signature)
        except nacl.exceptions.BadSignatureError as err:
            raise InvalidSignature("signature does not match") from err

    def __eq__(self, other: object) -> bool:
        return isinstance(other, VerifyKey) and self.raw() == other.raw()

    def __hash__(self) -> int:
        return hash(self.raw())

    def __repr__(self) -> str:
        return f"VerifyKey({key_id(self)})"


class SigningKey:
    """An Ed25519 private key (its 32-byte seed): signs messages."""

    __slots__ = ("_key",)

    def __init__(self, seed: bytes) -> None:
        if len(seed) != SEED_BYTES:
            raise ValueError(f"an Ed25519 private key is a {SEED_BYTES}-byte seed, not {len(seed)}")
        self._key = nacl.signing.SigningKey(seed)

    @classmethod
    def generate(cls) -> SigningKey:
        """A new key from the operating system's random source."""
        return cls(bytes(nacl.signing.SigningKey.generate()))

    def seed(self) -> bytes:
        """The 32-byte seed: the key itself (RFC 8032 private key)."""
        return bytes(self._key)

    def public_key(self) -> VerifyKey:
        return VerifyKey(bytes(self._key.verify_key))

    def sign(self, message: bytes) -> bytes:
        """The 64-byte signature of ``message``."""
        return self._key.sign(message).signature

    def __repr__(self) -> str:
        # Never the seed: a key can end up in a log through its repr.
        return f"SigningKey(public {key_id(self.public_key())})"


def generate_key() -> SigningKey:
    """A new Ed25519 signing key."""
    return SigningKey.generate()


def key_id(public_key: VerifyKey) -> str:
    """A short fingerprint of a public key: 16 hex digits of the SHA-256 of its raw bytes."""
    return hashlib.sha256(public_key.raw()).hexdigest()[:16]


def private_key_pem(key: SigningKey) -> bytes:
    """PKCS#8 PEM of a private key (unencrypted: protect it with file permissions)."""
    return _pem("PRIVATE KEY", _PKCS8_V1_PREFIX + key.seed())


def public_key_pem(key: VerifyKey) -> bytes:
    """SubjectPublicKeyInfo PEM of a public key."""
    return _pem("PUBLIC KEY", _SPKI_PREFIX + key.raw())


def private_key_from_pem(data: bytes) -> SigningKey:
    """The key of an unencrypted PKCS#8 Ed25519 PEM; :class:`KeyFileError` saying what it
    holds instead."""
    der = _pem_body(data, "PRIVATE KEY")
    if len(der) == len(_PKCS8_V1_PREFIX) + SEED_BYTES and der.startswith(_PKCS8_V1_PREFIX):
        return SigningKey(der[len(_PKCS8_V1_PREFIX) :])
    v2_length = len(_PKCS8_V2_PREFIX) + SEED_BYTES + len(_PKCS8_V2_PUBLIC) + PUBLIC_KEY_BYTES
    if len(der) == v2_length and der.startswith(_PKCS8_V2_PREFIX):
        seed_end = len(_PKCS8_V2_PREFIX) + SEED_BYTES
        if der[seed_end : seed_end + len(_PKCS8_V2_PUBLIC)] == _PKCS8_V2_PUBLIC:
            key = SigningKey(der[len(_PKCS8_V2_PREFIX) : seed_end])
            if key.public_key().raw() != der[-PUBLIC_KEY_BYTES:]:
                raise KeyFileError("the public key stored with the private key does not match it")
            return key
    raise KeyFileError(_not_ed25519(der, private=True))


def public_key_from_pem(data: bytes) -> VerifyKey:
    """The key of a SubjectPublicKeyInfo Ed25519 PEM; :class:`KeyFileError` saying what it
    holds instead."""
    der = _pem_body(data, "PUBLIC KEY")
    if len(der) == len(_SPKI_PREFIX) + PUBLIC_KEY_BYTES and der.startswith(_SPKI_PREFIX):
        return VerifyKey(der[len(_SPKI_PREFIX) :])
    raise KeyFileError(_not_ed25519(der, private=False))


def _pem(label: str, der: bytes) -> bytes:
    body = base64.b64encode(der).decode("ascii")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----", ""]).encode(
        "ascii"
    )


def _pem_body(data: bytes, label: str) -> bytes:
    """The DER inside the first PEM block of ``data``, which must be labelled ``label``."""
    block = _PEM_BLOCK.search(data)
    if block is None:
        raise KeyFileError(f"no PEM block (-----BEGIN {label}-----) found")
    found = block.group(1).decode("ascii")
    if block.group(3) != block.group(1):
        raise KeyFileError(f"PEM block BEGIN {found} ends with END {block.group(3).decode()}")
    if found != label:
        if found == "ENCRYPTED PRIVATE KEY":
            raise KeyFileError(
                "the private key is encrypted; an unencrypted PKCS#8 key is needed "
                "(openssl pkey -in encrypted.pem -out key.pem)"
            )
        raise KeyFileError(f"holds a '{found}' PEM block, not '{label}' (an RFC 8410 Ed25519 key)")
    try:
        return base64.b64decode(b"".join(block.group(2).split()), validate=True)
    except binascii.Error as err:
        raise KeyFileError(f"the {label} block is not valid base64: {err}") from err


def _not_ed25519(der: bytes, *, private: bool) -> str:
    what = "private" if private else "public"
    oid = _algorithm_oid(der, private=private)
    if oid is None or oid == _ED25519_OID:
        return (
            f"the {what} key ({len(der)} bytes of DER) is not in the RFC 8410 form of an "
            f"Ed25519 {what} key"
        )
    name = _ALGORITHMS.get(oid, f"OID {_dotted(oid)}")
    return f"holds a {what} key of another algorithm ({name}), not an Ed25519 {what} key"


def _algorithm_oid(der: bytes, *, private: bool) -> bytes | None:
    """The algorithm OID of a PKCS#8 or SubjectPublicKeyInfo document (its content bytes),
    for the error message; None when the DER is not even that shape."""
    try:
        tag, start, _ = _tlv(der, 0)
        if tag != 0x30:
            return None
        if private:  # the version INTEGER comes first
            tag, _, start = _tlv(der, start)
            if tag != 0x02:
                return None
        tag, start, _ = _tlv(der, start)
        if tag != 0x30:
            return None
        tag, start, end = _tlv(der, start)
    except IndexError:
        return None
    return der[start:end] if tag == 0x06 else None


def _tlv(der: bytes, pos: int) -> tuple[int, int, int]:
    """Tag, start and end of the content of the DER element at ``pos`` (IndexError if cut)."""
    tag, length = der[pos], der[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        if not 0 < count <= 4 or pos + count > len(der):
            raise IndexError(pos)
        length = int.from_bytes(der[pos : pos + count], "big")
        pos += count
    if pos + length > len(der):
        raise IndexError(pos)
    return tag, pos, pos + length


def _dotted(oid: bytes) -> str:
    arcs: list[int] = []
    value = 0
    for byte in oid:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    if not arcs:
        return oid.hex()
    first = min(arcs[0] // 40, 2)
    return ".".join(str(a) for a in [first, arcs[0] - 40 * first, *arcs[1:]])

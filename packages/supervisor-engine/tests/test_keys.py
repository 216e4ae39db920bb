"""Ed25519 keys (PyNaCl) and their RFC 8410 PEM files: the same bytes as before and as OpenSSL.

The golden values below were produced by the previous implementation (``cryptography``)
from RFC 8032's first test key, so state dirs, trusted-key files and signed bundles made
before the switch keep their meaning. The OpenSSL tests run the ``openssl`` command (a
Debian package ``scripts/system-packages.sh`` installs) and skip, saying so, without it.
"""

from __future__ import annotations

import base64
import shutil
import subprocess
from pathlib import Path

import pytest

from supervisor_engine import (
    InvalidSignature,
    KeyFileError,
    SigningKey,
    VerifyKey,
    generate_key,
    key_id,
    load_private_key,
    load_public_key,
    private_key_from_pem,
    private_key_pem,
    public_key_from_pem,
    public_key_pem,
    sign_document,
    verify_document,
)

# RFC 8032 section 7.1, TEST 1
RFC8032_SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
RFC8032_EMPTY_SIGNATURE = bytes.fromhex(
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
)
# what cryptography wrote for that key, and how it signed DOCUMENT
OLD_PRIVATE_PEM = (
    b"-----BEGIN PRIVATE KEY-----\n"
    b"MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
    b"-----END PRIVATE KEY-----\n"
)
OLD_PUBLIC_PEM = (
    b"-----BEGIN PUBLIC KEY-----\n"
    b"MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
    b"-----END PUBLIC KEY-----\n"
)
OLD_KEY_ID = "21fe31dfa154a261"
DOCUMENT = {
    "version": "1.2.3",
    "graph": {"nodes": [{"id": "a", "x": 1.5}], "edges": []},
    "createdBy": "\u00fc",
}
OLD_SIGNATURE = {
    "algorithm": "ed25519",
    "keyId": OLD_KEY_ID,
    "value": "BoHEJkmbuRdvQ82S5u/4Jk3KTIE4SBvDU0+Jj4i+KYNiZ4huq3JesuQP0phu4mFrlwqil92IHm9d+aKNl6R6Cg==",
}

# RFC 8410 section 10: the example private key and its public key
RFC8410_PRIVATE = (
    b"-----BEGIN PRIVATE KEY-----\n"
    b"MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n"
    b"-----END PRIVATE KEY-----\n"
)
RFC8410_PUBLIC = (
    b"-----BEGIN PUBLIC KEY-----\n"
    b"MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n"
    b"-----END PUBLIC KEY-----\n"
)


def pem(label: str, der: bytes) -> bytes:
    body = base64.b64encode(der).decode()
    return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----\n".encode()


def der_of(pem_bytes: bytes) -> bytes:
    return base64.b64decode(b"".join(pem_bytes.splitlines()[1:-1]))


def test_rfc8032_key_signs_to_the_rfc_signature():
    key = SigningKey(RFC8032_SEED)
    assert key.public_key().raw() == RFC8032_PUBLIC
    assert key.sign(b"") == RFC8032_EMPTY_SIGNATURE
    key.public_key().verify(RFC8032_EMPTY_SIGNATURE, b"")


def test_pems_key_ids_and_signatures_are_those_of_the_previous_implementation():
    key = SigningKey(RFC8032_SEED)
    assert private_key_pem(key) == OLD_PRIVATE_PEM
    assert public_key_pem(key.public_key()) == OLD_PUBLIC_PEM
    assert key_id(key.public_key()) == OLD_KEY_ID
    assert sign_document(DOCUMENT, key)["signature"] == OLD_SIGNATURE
    old_signed = {**DOCUMENT, "signature": OLD_SIGNATURE}
    assert verify_document(old_signed, [public_key_from_pem(OLD_PUBLIC_PEM)]) == key.public_key()
    assert private_key_from_pem(OLD_PRIVATE_PEM).seed() == RFC8032_SEED


def test_rfc8410_example_keys_are_read_and_written_back_identically():
    key = private_key_from_pem(RFC8410_PRIVATE)
    assert public_key_pem(key.public_key()) == RFC8410_PUBLIC
    assert public_key_from_pem(RFC8410_PUBLIC) == key.public_key()
    assert private_key_pem(key) == RFC8410_PRIVATE


def test_generated_keys_round_trip_through_pem_and_verify_only_their_own_signatures():
    key, other = generate_key(), generate_key()
    again = private_key_from_pem(private_key_pem(key))
    assert again.seed() == key.seed()
    public = public_key_from_pem(public_key_pem(key.public_key()))
    assert public == key.public_key()
    assert public != other.public_key()
    assert len({public, key.public_key(), other.public_key()}) == 2
    signature = key.sign(b"message")
    public.verify(signature, b"message")
    with pytest.raises(InvalidSignature):
        public.verify(signature, b"messagE")
    with pytest.raises(InvalidSignature):
        other.public_key().verify(signature, b"message")
    with pytest.raises(InvalidSignature, match="10 bytes"):
        public.verify(signature[:10], b"message")
    assert key.seed().hex() not in repr(key)  # a key in a log must not give itself away


def test_pem_with_text_around_it_and_crlf_lines_is_read():
    text = b"Ed25519 key of the test rig\r\n" + RFC8410_PRIVATE.replace(b"\n", b"\r\n") + b"\n"
    assert private_key_from_pem(text).public_key() == public_key_from_pem(RFC8410_PUBLIC)


def test_pkcs8_v2_with_the_public_key_is_read_and_the_public_key_checked():
    seed = RFC8032_SEED
    prefix = bytes.fromhex("3051020101300506032b657004220420")
    good = prefix + seed + bytes.fromhex("812100") + RFC8032_PUBLIC
    assert private_key_from_pem(pem("PRIVATE KEY", good)).seed() == seed
    bad = prefix + seed + bytes.fromhex("812100") + RFC8032_PUBLIC[:-1] + b"\x00"
    with pytest.raises(KeyFileError, match="does not match"):
        private_key_from_pem(pem("PRIVATE KEY", bad))


X25519_PRIVATE = der_of(RFC8410_PRIVATE).replace(bytes.fromhex("2b6570"), bytes.fromhex("2b656e"))
ED448_PUBLIC = bytes.fromhex("3043300506032b6571033a00") + bytes(57)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"not a key at all", r"no PEM block \(-----BEGIN PRIVATE KEY-----\)"),
        (RFC8410_PUBLIC, "holds a 'PUBLIC KEY' PEM block, not 'PRIVATE KEY'"),
        (pem("RSA PRIVATE KEY", b"\x30\x00"), "'RSA PRIVATE KEY' PEM block"),
        (pem("OPENSSH PRIVATE KEY", b"openssh-key-v1"), "'OPENSSH PRIVATE KEY' PEM block"),
        (pem("ENCRYPTED PRIVATE KEY", b"\x30\x00"), "is encrypted"),
        (b"-----BEGIN PRIVATE KEY-----\nMC4*\n-----END PRIVATE KEY-----\n", "not valid base64"),
        (
            b"-----BEGIN PRIVATE KEY-----\nMC4=\n-----END PUBLIC KEY-----\n",
            "ends with END PUBLIC KEY",
        ),
        (
            pem("PRIVATE KEY", der_of(RFC8410_PRIVATE)[:-1]),
            r"47 bytes of DER\) is not in the RFC 8410",
        ),
        (pem("PRIVATE KEY", X25519_PRIVATE), r"another algorithm \(X25519\)"),
        (pem("PRIVATE KEY", b"\x30\x03\x02\x01"), "not in the RFC 8410 form"),
    ],
)
def test_private_keys_of_another_kind_are_refused_saying_what_they_are(text, message):
    with pytest.raises(KeyFileError, match=message):
        private_key_from_pem(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (RFC8410_PRIVATE, "holds a 'PRIVATE KEY' PEM block, not 'PUBLIC KEY'"),
        (pem("PUBLIC KEY", ED448_PUBLIC), r"another algorithm \(Ed448\)"),
        (pem("PUBLIC KEY", der_of(RFC8410_PUBLIC) + b"\x00"), "45 bytes of DER"),
        (
            pem("PUBLIC KEY", bytes.fromhex("3011300d06092a864886f70d01010105000300")),
            r"another algorithm \(RSA\)",
        ),
        (
            pem("PUBLIC KEY", bytes.fromhex("300d06092a864886f70d0101010500")),
            "not in the RFC 8410 form",
        ),
    ],
)
def test_public_keys_of_another_kind_are_refused_saying_what_they_are(text, message):
    with pytest.raises(KeyFileError, match=message):
        public_key_from_pem(text)


def test_key_files_name_the_file_in_their_errors(tmp_path):
    path = tmp_path / "designer.pub"
    path.write_bytes(RFC8410_PRIVATE)
    with pytest.raises(KeyFileError, match=r"designer\.pub is not a readable PEM public key"):
        load_public_key(path)
    with pytest.raises(KeyFileError, match=r"missing\.key is not a readable unencrypted"):
        load_private_key(tmp_path / "missing.key")


OPENSSL = shutil.which("openssl")
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="the openssl command is not installed")


def openssl(*args: str | Path) -> bytes:
    assert OPENSSL is not None
    done = subprocess.run([OPENSSL, *map(str, args)], capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


@needs_openssl
def test_a_key_openssl_generated_loads_and_signs_as_openssl_does(tmp_path):
    openssl("genpkey", "-algorithm", "ed25519", "-out", tmp_path / "k.pem")
    (tmp_path / "msg").write_bytes(b"bundle bytes \x00\xff")
    openssl("pkeyutl", "-sign", "-rawin", "-inkey", tmp_path / "k.pem", "-in", tmp_path / "msg",
            "-out", tmp_path / "sig")  # fmt: skip
    key = load_private_key(tmp_path / "k.pem")
    assert key.sign(b"bundle bytes \x00\xff") == (tmp_path / "sig").read_bytes()
    assert private_key_pem(key) == (tmp_path / "k.pem").read_bytes()
    openssl_public = openssl("pkey", "-in", tmp_path / "k.pem", "-pubout")
    assert public_key_pem(key.public_key()) == openssl_public
    assert public_key_from_pem(openssl_public) == key.public_key()


@needs_openssl
def test_openssl_reads_our_keys_and_verifies_our_signatures(tmp_path):
    key = generate_key()
    (tmp_path / "k.pem").write_bytes(private_key_pem(key))
    (tmp_path / "k.pub").write_bytes(public_key_pem(key.public_key()))
    assert openssl("pkey", "-in", tmp_path / "k.pem", "-pubout") == public_key_pem(key.public_key())
    assert openssl("pkey", "-pubin", "-in", tmp_path / "k.pub", "-pubout") == public_key_pem(
        key.public_key()
    )
    (tmp_path / "msg").write_bytes(b"canonical json")
    (tmp_path / "sig").write_bytes(key.sign(b"canonical json"))
    out = openssl("pkeyutl", "-verify", "-pubin", "-inkey", tmp_path / "k.pub", "-rawin",
                  "-in", tmp_path / "msg", "-sigfile", tmp_path / "sig")  # fmt: skip
    assert b"Signature Verified Successfully" in out


@needs_openssl
def test_openssl_keys_of_other_kinds_are_refused_by_name(tmp_path):
    openssl("genpkey", "-algorithm", "x25519", "-out", tmp_path / "x.pem")
    with pytest.raises(KeyFileError, match=r"another algorithm \(X25519\)"):
        load_private_key(tmp_path / "x.pem")
    openssl("genpkey", "-algorithm", "ed448", "-out", tmp_path / "ed448.pem")
    (tmp_path / "ed448.pub").write_bytes(openssl("pkey", "-in", tmp_path / "ed448.pem", "-pubout"))
    with pytest.raises(KeyFileError, match=r"another algorithm \(Ed448\)"):
        load_public_key(tmp_path / "ed448.pub")
    openssl("genpkey", "-algorithm", "ed25519", "-aes-256-cbc", "-pass", "pass:secret",
            "-out", tmp_path / "enc.pem")  # fmt: skip
    with pytest.raises(KeyFileError, match="is encrypted"):
        load_private_key(tmp_path / "enc.pem")


def test_verify_key_and_signing_key_check_their_lengths():
    with pytest.raises(ValueError, match="32 bytes, not 31"):
        VerifyKey(bytes(31))
    with pytest.raises(ValueError, match="not 33"):
        SigningKey(bytes(33))

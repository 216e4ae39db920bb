"""The Designer's Ed25519 signing key: generated on first start into the data directory."""

from __future__ import annotations

from pathlib import Path

from bms_service.tokens import write_secret
from supervisor_engine import (
    SigningKey,
    generate_key,
    load_private_key,
    private_key_pem,
    public_key_pem,
)

KEY_FILE = "signing.key"
PUBLIC_FILE = "signing.pub"


def load_or_create_key(data_dir: Path) -> SigningKey:
    """The key in ``data_dir/signing.key`` (0600), created if missing, with its public twin."""
    path = data_dir / KEY_FILE
    if path.exists():
        key = load_private_key(path)
    else:
        key = generate_key()
        write_secret(path, private_key_pem(key).decode("ascii"))
    public = data_dir / PUBLIC_FILE
    if not public.exists():
        public.write_bytes(public_key_pem(key.public_key()))
    return key

"""``designer serve`` signs bundles with PyNaCl and never loads ``cryptography``.

``cryptography``'s Rust extension costs the process 7-9 MB of RSS (issue 18's footprint);
a dependency that pulls it back in (a JWT or TLS extra, say) must be a choice, not an
accident. A fresh interpreter, as the server is, builds the app as ``serve`` does, which
creates its signing key.
"""

from __future__ import annotations

from pathlib import Path

from bms_service.testing import modules_loaded

SERVE_PATH = """
import sys
from pathlib import Path
import uvicorn
import designer.cli
from designer.app import create_app
from designer.settings import Settings
data = Path(sys.argv[1])
create_app(Settings(data_dir=data, admin_password="imports", web_dir=data / "web",
                    engine_token_file=None, iot_token_file=None))
assert (data / "signing.key").read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
"""


def test_the_serve_path_signs_with_pynacl_and_never_imports_cryptography(tmp_path: Path):
    loaded = modules_loaded(SERVE_PATH, str(tmp_path / "designer"))
    assert "nacl.signing" in loaded  # the check looks at the right process
    assert [m for m in loaded if m.split(".")[0] == "cryptography"] == []

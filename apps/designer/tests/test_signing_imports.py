"""``designer serve`` signs bundles with PyNaCl and never loads ``cryptography``.

``cryptography``'s Rust extension costs the process 7-9 MB of RSS (issue 18's footprint);
a dependency that pulls it back in (a JWT or TLS extra, say) must be a choice, not an
accident. A fresh interpreter, as the server is, builds the app as ``serve`` does, which
creates its signing key.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SERVE_PATH = """
import json, sys
from pathlib import Path
import uvicorn
import designer.cli
from designer.app import create_app
from designer.settings import Settings
data = Path(sys.argv[1])
create_app(Settings(data_dir=data, admin_password="imports", web_dir=data / "web",
                    engine_token_file=None, iot_token_file=None))
assert (data / "signing.key").read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("cryptography", "nacl"))))
"""


def test_the_serve_path_signs_with_pynacl_and_never_imports_cryptography(tmp_path: Path):
    out = subprocess.run(
        [sys.executable, "-c", SERVE_PATH, str(tmp_path / "designer")],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    loaded = json.loads(out.stdout)
    assert "nacl.signing" in loaded  # the check looks at the right process
    assert [m for m in loaded if m.startswith("cryptography")] == []

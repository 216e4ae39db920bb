"""``headless-engine start`` verifies bundles with PyNaCl and never loads ``cryptography``.

``cryptography``'s Rust extension costs the process 7-9 MB of RSS (issue 18's footprint);
a dependency that pulls it back in (a JWT or TLS extra, say) must be a choice, not an
accident. A fresh interpreter, as the service is, builds the app as ``start`` does.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

START_PATH = """
import json, sys
from pathlib import Path
import uvicorn
import headless_engine.cli
from headless_engine.app import create_app
from headless_engine.cli import start_settings
create_app(start_settings(Path(sys.argv[1]), allow_unsigned=False))
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("cryptography", "nacl"))))
"""


def test_the_start_path_signs_with_pynacl_and_never_imports_cryptography(tmp_path: Path):
    out = subprocess.run(
        [sys.executable, "-c", START_PATH, str(tmp_path / "state")],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    loaded = json.loads(out.stdout)
    assert "nacl.signing" in loaded  # the check looks at the right process
    assert [m for m in loaded if m.startswith("cryptography")] == []

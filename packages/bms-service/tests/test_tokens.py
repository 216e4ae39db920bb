"""Bearer-token files: created owner-only, read back, never overwritten, compared exactly."""

from __future__ import annotations

import stat

from bms_service.tokens import bearer_matches, load_or_create_token, read_token, write_secret


def test_a_new_token_is_written_owner_only_and_read_back(tmp_path):
    path = tmp_path / "sub" / "token"
    token = load_or_create_token(path)
    assert len(token) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_token(path) == token
    assert load_or_create_token(path) == token


def test_an_existing_token_is_kept(tmp_path):
    path = tmp_path / "token"
    path.write_text("  given-token\n")
    assert load_or_create_token(path) == "given-token"
    assert path.read_text() == "  given-token\n"


def test_a_missing_or_empty_file_reads_as_no_token(tmp_path):
    assert read_token(tmp_path / "absent") is None
    (tmp_path / "empty").write_text("\n")
    assert read_token(tmp_path / "empty") is None


def test_write_secret_replaces_with_mode_0600(tmp_path):
    path = tmp_path / "secret"
    path.write_text("old")
    path.chmod(0o644)
    write_secret(path, "new")
    assert path.read_text() == "new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_bearer_matches_only_the_exact_token():
    assert bearer_matches("Bearer abc", "abc")
    assert bearer_matches("Bearer  abc ", "abc")
    assert not bearer_matches("Bearer abd", "abc")
    assert not bearer_matches("abc", "abc")
    assert not bearer_matches(None, "abc")

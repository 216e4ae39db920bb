"""Bearer tokens and who they authenticate.

Two tokens, each given in the settings or generated on first start into the
data directory (mode 0600):

- ``token`` authenticates the principal ``token_principal`` (``engine``): the
  engine, the CLI and scripts that hold the service's main token.
- ``designer_token`` authenticates the Designer, and only a request with it may
  name the operator it acts for in ``X-On-Behalf-Of``; the audit log then says
  ``designer:<user>``. A header that names a user on any other token is ignored,
  so nobody can write in someone else's name by setting a header.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from bms_service import tokens
from iot_supervisor.settings import Settings

ON_BEHALF_HEADER = "x-on-behalf-of"


@dataclass(frozen=True)
class Principal:
    """Who a token authenticates."""

    name: str
    acts_for_operators: bool = False
    """The Designer: may name the signed-in operator it acts for."""

    def caller(self, on_behalf_of: str | None) -> str:
        """The audit identity of a request by this principal."""
        if self.acts_for_operators and on_behalf_of:
            user = "".join(c for c in on_behalf_of if c.isprintable())[:64].strip()
            if user:
                return f"{self.name}:{user}"
        return self.name


def _load_or_create(given: SecretStr | None, path: Path) -> str:
    if given is not None:
        return given.get_secret_value()
    return tokens.load_or_create_token(path)


def load_or_create_token(settings: Settings) -> str:
    """The main token (the engine's)."""
    return _load_or_create(settings.token, settings.token_path)


def load_or_create_designer_token(settings: Settings) -> str:
    """The Designer's token: the only one trusted to name an operator."""
    return _load_or_create(settings.designer_token, settings.designer_token_path)


class TokenRegistry:
    """The tokens the service accepts and the principal each one authenticates."""

    def __init__(self, tokens: dict[str, Principal]) -> None:
        if any(not t for t in tokens):
            raise ValueError("an empty token would let anyone in")
        self._tokens = tokens

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenRegistry:
        main = load_or_create_token(settings)
        designer = load_or_create_designer_token(settings)
        tokens = {designer: Principal("designer", acts_for_operators=True)}
        # The main token wins if both are set alike: it must never gain the Designer's trust.
        tokens[main] = Principal(settings.token_principal)
        return cls(tokens)

    def principal(self, header: str | None) -> Principal | None:
        """The principal of an ``Authorization: Bearer`` header, or None."""
        if not header or not header.startswith("Bearer "):
            return None
        given = header.removeprefix("Bearer ").strip()
        found = None
        # Compare with every token (no early exit) so timing does not tell which one is close.
        for token, principal in self._tokens.items():
            if tokens.bearer_matches(f"Bearer {given}", token):
                found = principal
        return found

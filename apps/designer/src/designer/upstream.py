"""HTTP clients of the engine and the IoT service, with their bearer tokens.

A token is given in the settings or read from its file on each call, so a
service that generates its token after the Designer started still works. Each
client only ever calls the base URL of its settings: no request content picks
another address, so a token never leaves for a host the operator did not set.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from bms_service.tokens import read_token
from designer.errors import UpstreamError

M = TypeVar("M", bound=BaseModel)

log = logging.getLogger("designer.upstream")


class Upstream:
    """One service the Designer calls: a base URL, a token source, an ``httpx`` client."""

    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        token: str | None,
        token_file: Path | None,
        timeout_s: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.name = name
        self.base_url = base_url
        self._token = token
        self._token_file = token_file
        self._client = httpx.AsyncClient(
            base_url=base_url, timeout=timeout_s, transport=transport, verify=tls_context(base_url)
        )

    def token(self) -> str | None:
        if self._token:
            return self._token
        return read_token(self._token_file) if self._token_file is not None else None

    def headers(self, caller: str | None, on_behalf_of: str | None = None) -> dict[str, str]:
        headers = {}
        bearer = self.token()
        if bearer:
            headers["authorization"] = f"Bearer {bearer}"
        if caller:
            headers["x-caller"] = printable_ascii(caller)
        if on_behalf_of:
            headers["x-on-behalf-of"] = printable_ascii(on_behalf_of)
        return headers

    async def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        caller: str | None = None,
        on_behalf_of: str | None = None,
    ) -> httpx.Response:
        """The service's answer, whatever its status; :class:`UpstreamError` if unreachable.

        ``caller`` names the user to the engine (``X-Caller``); ``on_behalf_of`` names the
        operator to the IoT service, which trusts it only on the Designer's token.
        """
        try:
            return await self._client.request(
                method, path, json=json, params=params, headers=self.headers(caller, on_behalf_of)
            )
        except httpx.HTTPError as err:
            raise UpstreamError(
                f"the {self.name} at {self.base_url} does not answer: {err!r}",
                details={"service": self.name},
            ) from err

    async def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """The answer's JSON body when 2xx; its status and envelope passed on otherwise."""
        response = await self.call(method, path, **kwargs)
        return checked(self.name, response)

    async def model(self, answer: type[M], method: str, path: str, **kwargs: Any) -> M:
        """The 2xx answer read as ``answer`` (a renamed field fails here, not in the browser)."""
        return parsed(self.name, answer, await self.json(method, path, **kwargs))

    async def stream(
        self,
        path: str,
        *,
        params: dict[str, Any] | None = None,
    ) -> tuple[httpx.Response, AsyncIterator[bytes]]:
        """An open streaming response (server-sent events) and its byte iterator."""
        request = self._client.build_request(
            "GET", path, params=params, headers=self.headers(None), timeout=None
        )
        try:
            response = await self._client.send(request, stream=True)
        except httpx.HTTPError as err:
            raise UpstreamError(
                f"the {self.name} at {self.base_url} does not answer: {err!r}",
                details={"service": self.name},
            ) from err
        if response.status_code >= 400:
            await response.aread()
            await response.aclose()
            checked(self.name, response)

        async def body() -> AsyncIterator[bytes]:
            try:
                async for chunk in response.aiter_raw():
                    yield chunk
            finally:
                await response.aclose()

        return response, body()

    async def aclose(self) -> None:
        await self._client.aclose()


def tls_context(base_url: str) -> ssl.SSLContext | bool:
    """The trusted CA certificates only for an ``https`` upstream.

    Loading them costs about 1 MB of RSS per client for the life of the process, and a
    plain-``http`` upstream (the engine and the IoT service on loopback) never opens TLS.
    The context it gets instead still demands a valid certificate (and trusts none), so a
    TLS connection made with it fails rather than going unchecked.
    """
    if base_url.lower().startswith("https:"):
        return True
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def parsed(name: str, answer: type[M], body: Any) -> M:
    """``body`` as ``answer``; an :class:`UpstreamError` (502) when the service answered otherwise."""
    try:
        return answer.model_validate(body)
    except ValidationError as err:
        raise UpstreamError(
            f"the {name} answered a body that is not a {answer.__name__}: {err.errors()[0]['msg']}",
            details={"service": name, "answer": body},
        ) from err


def printable_ascii(text: str) -> str:
    """A header value: printable ASCII only (a newline would forge a header), 64 characters."""
    return "".join(c if " " <= c <= "~" else "?" for c in text)[:64]


def checked(name: str, response: httpx.Response) -> Any:
    """The JSON of a 2xx answer; otherwise :class:`UpstreamError` carrying its status and body."""
    try:
        body = response.json()
    except ValueError:
        body = response.text
    if response.is_success:
        return body
    message = body.get("message") if isinstance(body, dict) else None
    error = UpstreamError(
        f"the {name} answered {response.status_code}: {message or body}",
        details={"service": name, "status": response.status_code, "answer": body},
    )
    # Client errors of the service are the caller's; pass them on with the service's code.
    if 400 <= response.status_code < 500 and response.status_code != 401:
        error.status = response.status_code
        if isinstance(body, dict) and isinstance(body.get("code"), str):
            error.code = body["code"]
    raise error

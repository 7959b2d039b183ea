"""The REST server's edge against slow, lying and malformed HTTP clients.

- A request whose head (request line and headers) is not complete within ``read_timeout_s`` of
  its first byte, or whose body stops arriving for ``read_timeout_s`` (a ``Content-Length`` larger
  than what is sent), is answered ``408`` and its connection closed: one client cannot hold a
  connection and a handler forever.
- What the HTTP protocol layer refuses before any handler runs (a request line that is not HTTP)
  is answered with ``application/problem+json`` like every other error of the API, not uvicorn's
  plain text.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

READ_TIMEOUT_S = 30.0


def problem_bytes(status: int, title: str, detail: str) -> bytes:
    document = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return json.dumps(document, ensure_ascii=False).encode("utf-8", "backslashreplace")


class ProblemH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with problem+json protocol errors and a deadline for a request's head."""

    read_timeout_s = READ_TIMEOUT_S
    _head_timer: asyncio.TimerHandle | None = None

    @classmethod
    def with_read_timeout(cls, seconds: float) -> type[ProblemH11Protocol]:
        """The protocol class uvicorn instantiates per connection, with this deadline."""
        return type(cls.__name__, (cls,), {"read_timeout_s": seconds})

    def send_400_response(self, msg: str) -> None:
        self._send_problem(400, "Bad Request", "INVALID_ARGUMENT", f"Malformed HTTP request: {msg}")

    def _send_problem(self, status: int, reason: str, title: str, detail: str) -> None:
        body = problem_bytes(status, title, detail)
        headers = [
            (b"content-type", b"application/problem+json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        try:
            for event in (
                h11.Response(status_code=status, headers=headers, reason=reason.encode()),
                h11.Data(data=body),
                h11.EndOfMessage(),
            ):
                self.transport.write(self.conn.send(event))
        except h11.LocalProtocolError:  # a response already started: nothing more can be said
            pass
        self.transport.close()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        waiting_for_head = self.cycle is None or self.cycle.response_complete
        if waiting_for_head and self.conn.their_state is h11.SEND_BODY:
            waiting_for_head = False
        if waiting_for_head and data and not self.transport.is_closing():
            if self._head_timer is None:
                self._head_timer = self.loop.call_later(self.read_timeout_s, self._head_timed_out)
        elif self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def connection_lost(self, exc: Exception | None) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        super().connection_lost(exc)

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if not self.transport.is_closing() and (self.cycle is None or self.cycle.response_complete):
            self._send_problem(
                408, "Request Timeout", "REQUEST_TIMEOUT",
                f"the request's head did not arrive within {self.read_timeout_s:g} s",
            )  # fmt: skip


class BodyReadTimeout:
    """ASGI middleware: a body that stops arriving for ``read_timeout_s`` ends the request with 408."""

    def __init__(self, app: Any, read_timeout_s: float = READ_TIMEOUT_S) -> None:
        self.app = app
        self.read_timeout_s = read_timeout_s

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def timed_receive() -> dict[str, Any]:
            try:
                return await asyncio.wait_for(receive(), self.read_timeout_s)
            except TimeoutError:
                raise _BodyTimedOut from None

        async def tracking_send(message: dict[str, Any]) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, timed_receive, tracking_send)
        except _BodyTimedOut:
            if started:
                return
            body = problem_bytes(
                408, "REQUEST_TIMEOUT", f"the request body did not arrive within {self.read_timeout_s:g} s"
            )
            await send(
                {
                    "type": "http.response.start",
                    "status": 408,
                    "headers": [
                        (b"content-type", b"application/problem+json"),
                        (b"content-length", str(len(body)).encode()),
                        (b"connection", b"close"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})


class _BodyTimedOut(BaseException):  # past the app's own "except Exception" (500)
    pass


class PlainErrorsAsProblems:
    """ASGI middleware: an error the router answers in plain text under ``/v2`` (an unknown path, a
    method a route does not take) becomes ``application/problem+json``, as Camunda answers it."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith("/v2"):
            await self.app(scope, receive, send)
            return
        held: dict[str, Any] | None = None

        async def rewriting_send(message: dict[str, Any]) -> None:
            nonlocal held
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers") or [])
                plain = headers.get(b"content-type", b"").startswith(b"text/plain")
                if message["status"] >= 400 and plain:
                    held = message
                    return
            elif held is not None and message["type"] == "http.response.body":
                status = held["status"]
                text = message.get("body", b"").decode("utf-8", "replace").strip() or "error"
                title = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(status, "INVALID_ARGUMENT")
                body = problem_bytes(status, title, f"{text}: {scope.get('method')} {scope.get('path')}")
                extra = [(k, v) for k, v in held.get("headers") or [] if k.lower() == b"allow"]
                await send(
                    {
                        "type": "http.response.start",
                        "status": status,
                        "headers": [
                            (b"content-type", b"application/problem+json"),
                            (b"content-length", str(len(body)).encode()),
                            *extra,
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                held = None
                return
            await send(message)

        await self.app(scope, receive, rewriting_send)

"""The gRPC side of the guard: every Gateway RPC authenticated and checked against GRPC_RULES.

Messages as Zeebe 8.8's gateway words them: UNAUTHENTICATED "Expected bearer token at header with
key [authorization], but found nothing" / "Expected a valid token, see cause for details" /
"Invalid credentials" (basic), and PERMISSION_DENIED "Insufficient permissions to perform operation
…". Health checks stay open so that probes need no secret.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc

from xietong.engine.identity.guard import Denied, Guard
from xietong.engine.identity.principal import Principal
from xietong.engine.identity.rules import GRPC_RULES, UNLISTED, Rule
from xietong.engine.identity.visibility import current_viewer

OPEN_METHOD_PREFIXES = ("/grpc.health.v1.Health/",)
NO_TOKEN = "Expected bearer token at header with key [authorization], but found nothing"
BAD_TOKEN = "Expected a valid token, see cause for details"
BAD_BASIC = "Invalid credentials"


def _peer_host(context: grpc.aio.ServicerContext) -> str:
    peer = context.peer() or ""
    return peer.rpartition(":")[0] or peer


class IdentityInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]  # grpc ships no type hints
    def __init__(self, guard: Guard) -> None:
        self._guard = guard

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(details)
        if handler is None or details.method.startswith(OPEN_METHOD_PREFIXES):
            return handler
        rule = GRPC_RULES.get(details.method.rpartition("/")[2], UNLISTED)
        metadata = dict(details.invocation_metadata or ())
        authorization = metadata.get("authorization")
        if isinstance(authorization, bytes):
            authorization = authorization.decode(errors="replace")
        return _wrapped(handler, rule, self._guard, authorization or None)


async def _admit(guard: Guard, rule: Rule, authorization: str | None, request: Any, context: Any) -> None:
    if not guard.protected:
        return
    try:
        principal: Principal = await guard.authenticate(authorization, _peer_host(context))
        key = getattr(request, rule.param, None) if rule.param != "key" else None
        viewer = await guard.admit(rule, principal, key)
    except Denied as denied:
        if denied.status == 403:
            await context.abort(grpc.StatusCode.PERMISSION_DENIED, denied.message)
        if not authorization:
            message = NO_TOKEN
        elif authorization.lower().startswith("basic "):
            message = BAD_BASIC
        else:
            message = BAD_TOKEN
        if denied.status == 429:
            message = denied.message
        await context.abort(grpc.StatusCode.UNAUTHENTICATED, message)
        raise AssertionError("abort returns by raising") from None
    current_viewer.set(viewer)


def _wrapped(
    handler: grpc.RpcMethodHandler, rule: Rule, guard: Guard, authorization: str | None
) -> grpc.RpcMethodHandler:
    serializers = {
        "request_deserializer": handler.request_deserializer,
        "response_serializer": handler.response_serializer,
    }
    if handler.unary_stream is not None:
        inner_stream = handler.unary_stream

        async def stream(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            await _admit(guard, rule, authorization, request, context)
            async for item in inner_stream(request, context):
                yield item

        return grpc.unary_stream_rpc_method_handler(stream, **serializers)
    inner = handler.unary_unary
    assert inner is not None, "the Gateway service has only unary and server-streaming methods"

    async def unary(request: Any, context: grpc.aio.ServicerContext) -> Any:
        await _admit(guard, rule, authorization, request, context)
        return await inner(request, context)

    return grpc.unary_unary_rpc_method_handler(unary, **serializers)

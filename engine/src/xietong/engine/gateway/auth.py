"""Bearer-token authentication for the gRPC gateway.

With no tokens configured every call passes, including the empty ``authorization`` header that
@camunda8/sdk sends. With tokens, a call must carry ``authorization: Bearer <token>`` for one of
them; anything else is UNAUTHENTICATED, as a Zeebe gateway with identity enabled answers. Health
checks stay open so that load balancers and probes need no secret.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import grpc

OPEN_METHOD_PREFIXES = ("/grpc.health.v1.Health/",)


class BearerTokenInterceptor(grpc.aio.ServerInterceptor):
    def __init__(self, tokens: Sequence[str]) -> None:
        self._tokens = [token.encode() for token in tokens if token]

    def accepts(self, authorization: str | None) -> bool:
        if not authorization or not authorization.startswith("Bearer "):
            return False
        offered = authorization[len("Bearer ") :].strip().encode()
        # compare against every token, so the time taken does not reveal which one nearly matched
        matches = [hmac.compare_digest(offered, token) for token in self._tokens]
        return any(matches)

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if (
            not self._tokens
            or handler is None
            or handler_call_details.method.startswith(OPEN_METHOD_PREFIXES)
        ):
            return handler
        metadata = dict(handler_call_details.invocation_metadata or ())
        if self.accepts(metadata.get("authorization")):
            return handler
        return _refusing(
            handler,
            "Expected a valid bearer token in the 'authorization' header, but "
            + ("none was given" if not metadata.get("authorization") else "it was not accepted"),
        )


def _refusing(handler: grpc.RpcMethodHandler, message: str) -> grpc.RpcMethodHandler:
    async def refuse(request: Any, context: grpc.aio.ServicerContext) -> Any:
        await context.abort(grpc.StatusCode.UNAUTHENTICATED, message)

    serializers = {
        "request_deserializer": handler.request_deserializer,
        "response_serializer": handler.response_serializer,
    }
    if handler.unary_stream is not None:
        return grpc.unary_stream_rpc_method_handler(refuse, **serializers)
    if handler.stream_unary is not None:
        return grpc.stream_unary_rpc_method_handler(refuse, **serializers)
    if handler.stream_stream is not None:
        return grpc.stream_stream_rpc_method_handler(refuse, **serializers)
    return grpc.unary_unary_rpc_method_handler(refuse, **serializers)

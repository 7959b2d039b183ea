"""The Gateway service's method handlers, built from gateway.proto's descriptor, decoding as Zeebe does.

grpc-python answers a request whose bytes it cannot decode with UNKNOWN "Unexpected <class
'DecodeError'>", a status the Zeebe clients do not map (DESIGN.md: unknown statuses crash
workers). grpc-java, which Zeebe's gateway runs on, answers INTERNAL "Invalid protobuf byte
sequence". So the decoder here never raises: it hands the servicer an ``UndecodableRequest``,
which the servicer refuses with that status, naming the message type it expected.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf.message import DecodeError
from pyzeebe.proto import gateway_pb2 as pb

GATEWAY_SERVICE = pb.DESCRIPTOR.services_by_name["Gateway"]


@dataclass(frozen=True)
class UndecodableRequest:
    message_type: str

    @property
    def detail(self) -> str:
        return f"Invalid protobuf byte sequence: the request is not a valid {self.message_type} message"


def _decoder(message_class: Any) -> Callable[[bytes], Any]:
    undecodable = UndecodableRequest(message_class.DESCRIPTOR.full_name)

    def decode(data: bytes) -> Any:
        try:
            return message_class.FromString(data)
        except DecodeError:
            return undecodable

    return decode


def add_gateway_service(servicer: Any, server: grpc.aio.Server) -> None:
    """What ``gateway_pb2_grpc.add_GatewayServicer_to_server`` does, with Zeebe's decoding."""
    handlers = {}
    for method in GATEWAY_SERVICE.methods:
        if method.client_streaming:
            raise TypeError(f"{method.full_name}: client-streaming methods are not served")
        make_handler = (
            grpc.unary_stream_rpc_method_handler
            if method.server_streaming
            else grpc.unary_unary_rpc_method_handler
        )
        handlers[method.name] = make_handler(
            getattr(servicer, method.name),
            request_deserializer=_decoder(getattr(pb, method.input_type.name)),
            response_serializer=getattr(pb, method.output_type.name).SerializeToString,
        )
    name = GATEWAY_SERVICE.full_name
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(name, handlers),))
    server.add_registered_method_handlers(name, handlers)

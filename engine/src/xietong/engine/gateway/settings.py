"""How the gateway listens and whom it lets in (``XIETONG_GATEWAY_*``).

Defaults are safe for a developer machine: loopback only, no TLS, no tokens. Exposing the engine
beyond loopback is a deliberate act that should come with ``tls_cert``/``tls_key`` and ``tokens``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="XIETONG_GATEWAY_", extra="ignore")

    address: str = Field("127.0.0.1:26500", description="host:port of the gRPC gateway.")
    rest_address: str = Field("127.0.0.1:8080", description="host:port of the REST API (v2); '' disables it.")
    data_dir: Path = Field(Path("data/engine"), description="Where the engine keeps engine.db.")
    tls_cert: Path | None = Field(
        None, description="PEM certificate chain; with tls_key enables TLS on gRPC."
    )
    tls_key: Path | None = Field(None, description="PEM private key for tls_cert.")
    tokens: list[str] = Field(
        default_factory=list,
        description="Accepted bearer tokens (JSON list in the env var). Empty: no authentication.",
    )
    max_message_bytes: int = Field(4 * 1024 * 1024, description="Largest request or response message.")
    read_timeout_s: float = Field(
        30.0,
        gt=0,
        le=3600,
        description="REST: a request's head, or a pause in its body, longer than this is answered 408 and "
        "its connection closed (slow or lying clients).",
    )
    long_polling_timeout_ms: int = Field(
        10_000, description="How long ActivateJobs waits when requestTimeout is 0 (Zeebe's default: 10 s)."
    )
    request_timeout_ms: int = Field(
        15_000, description="Default for CreateProcessInstanceWithResult when requestTimeout is 0."
    )
    max_inflight_commands: int = Field(
        2_000, description="Commands waiting on the engine before new ones get RESOURCE_EXHAUSTED."
    )
    optimization_target: Literal["latency", "blend", "throughput"] = Field(
        "blend", description="grpc-core's grpc.optimization_target (its default: blend)."
    )
    version: str = Field("8.8.0", description="Zeebe version reported by Topology.")

    @field_validator("address", "rest_address")
    @classmethod
    def _host_port(cls, value: str, info: object) -> str:
        if value == "" and getattr(info, "field_name", "") == "rest_address":
            return value
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit() or not 0 <= int(port) <= 65535:
            raise ValueError(f"expected host:port such as 127.0.0.1:26500, got {value!r}")
        return value

    @model_validator(mode="after")
    def _tls_pair(self) -> GatewaySettings:
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("tls_cert and tls_key must be given together")
        return self

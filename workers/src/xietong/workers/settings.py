"""Typed settings of the workers and the case store, from ``XIETONG_*`` environment variables.

A worker operator moves the same workers from the embedded engine to a cluster, or from SQLite to
PostgreSQL, by changing environment variables only.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from xietong.settings import PROJECT_ROOT


class CaseStoreSettings(BaseSettings):
    """Where the case store lives: ``sqlite:///PATH`` (default) or ``postgresql://…``."""

    model_config = SettingsConfigDict(env_prefix="XIETONG_CASE_STORE_", extra="ignore")

    url: str = Field(
        "sqlite:///data/cases.db",
        description="sqlite:///relative/or//absolute/path.db, or a postgresql:// connection URL.",
    )

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if not value.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise ValueError(
                f"XIETONG_CASE_STORE_URL: expected sqlite:///PATH or postgresql://…, got {value!r}"
            )
        return value


class WorkerSettings(BaseSettings):
    """How the worker process reaches the gateway and how much work it takes at once."""

    model_config = SettingsConfigDict(env_prefix="XIETONG_", extra="ignore")

    zeebe_address: str = Field("127.0.0.1:26500", description="host:port of the Zeebe gateway (gRPC).")
    zeebe_rest_address: str = Field(
        "http://127.0.0.1:8080",
        description="Base URL of the Orchestration Cluster REST API (without /v2): a 督办 addressed to "
        "several departments asks it whose parts of the step are still open.",
    )
    zeebe_tls: bool = Field(False, description="Connect over TLS (implied by zeebe_tls_ca or zeebe_token).")
    zeebe_tls_ca: Path | None = Field(None, description="PEM file of the CA to trust; default: system roots.")
    zeebe_token: SecretStr | None = Field(
        None, description="Static bearer token sent with every call (needs TLS, as gRPC requires)."
    )
    zeebe_client_id: str | None = Field(
        None, description="OAuth 2.0 client id for a Camunda 8 cluster (SaaS, or Self-Managed with Identity)."
    )
    zeebe_client_secret: SecretStr | None = Field(None, description="OAuth 2.0 client secret.")
    zeebe_authorization_server_url: str | None = Field(
        None, description="Token endpoint, e.g. https://login.cloud.camunda.io/oauth/token."
    )
    zeebe_token_audience: str | None = Field(
        None, description="Audience of the token (zeebe.camunda.io on SaaS, zeebe-api on Self-Managed)."
    )
    zeebe_token_scope: str | None = Field(None, description="Scope of the token, if the cluster needs one.")
    worker_name: str = Field("xietong-workers", description="Worker name reported to the engine.")
    worker_max_jobs: int = Field(32, ge=1, description="Jobs of one type activated and run at once.")
    worker_job_timeout_ms: int = Field(
        60_000, ge=1000, description="How long the engine waits before handing a job to another worker."
    )
    worker_poll_timeout_ms: int = Field(
        0, ge=0, description="ActivateJobs long-poll time; 0 lets the gateway choose (Zeebe's default)."
    )
    worker_poll_retry_delay_s: int = Field(
        1, ge=1, description="Pause before polling again when a task type already runs its maximum of jobs."
    )
    worker_max_connection_retries: int = Field(
        -1,
        ge=-1,
        description="Gateway failures (over the worker's whole life) before it gives up and exits 1; "
        "-1 retries for ever, riding out engine restarts.",
    )
    worker_failure_backoff_ms: int = Field(
        5_000, ge=0, description="Wait before retrying a job that failed for a technical reason."
    )

    @property
    def uses_oauth(self) -> bool:
        return self.zeebe_client_id is not None

    @property
    def uses_tls(self) -> bool:
        return (
            self.zeebe_tls or self.zeebe_tls_ca is not None or self.zeebe_token is not None or self.uses_oauth
        )

    @model_validator(mode="after")
    def _readable_ca(self) -> WorkerSettings:
        if self.zeebe_tls_ca is not None and not self.zeebe_tls_ca.is_file():
            raise ValueError(f"XIETONG_ZEEBE_TLS_CA: no such file {str(self.zeebe_tls_ca)!r}")
        return self

    @model_validator(mode="after")
    def _complete_oauth(self) -> WorkerSettings:
        oauth = {
            "XIETONG_ZEEBE_CLIENT_ID": self.zeebe_client_id,
            "XIETONG_ZEEBE_CLIENT_SECRET": self.zeebe_client_secret,
            "XIETONG_ZEEBE_AUTHORIZATION_SERVER_URL": self.zeebe_authorization_server_url,
        }
        given = [name for name, value in oauth.items() if value is not None]
        if given and len(given) < len(oauth):
            missing = ", ".join(name for name in oauth if name not in given)
            raise ValueError(f"OAuth needs {missing} too (given: {', '.join(given)})")
        if given and self.zeebe_token is not None:
            raise ValueError("XIETONG_ZEEBE_TOKEN and OAuth client credentials exclude each other; set one")
        return self


class CalendarSettings(BaseSettings):
    """Where the reviewed holiday notices live that the chinese-calendar package does not cover yet."""

    model_config = SettingsConfigDict(env_prefix="XIETONG_CALENDAR_", extra="ignore")

    supplements: Path = Field(
        PROJECT_ROOT / "config" / "calendar" / "china.yaml",
        description="YAML file of State Council holiday notices (XIETONG_CALENDAR_SUPPLEMENTS).",
    )

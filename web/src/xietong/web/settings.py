"""Typed settings of the web app (``XIETONG_WEB_*``); a bearer token is ``XIETONG_ZEEBE_TOKEN``."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

FRONTEND = Path(__file__).resolve().parents[3] / "frontend"


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="XIETONG_WEB_", extra="ignore")

    address: str = Field("127.0.0.1:8090", description="host:port `xietong web` listens on.")
    api: str = Field("http://127.0.0.1:8080", description="Base URL of the REST API (without /v2).")
    api_ca: Path | None = Field(None, description="PEM file of the CA to trust for an https API.")
    session_idle_minutes: int = Field(30, ge=1, description="A session unused this long ends.")
    login_failures_per_account: int = Field(
        5, ge=1, description="Failed logins of one account before a pause."
    )
    login_failures_per_address: int = Field(
        20, ge=1, description="Failed logins from one address before a pause."
    )
    login_pause_minutes: int = Field(15, ge=1, description="How long logins pause after too many failures.")
    page_size: int = Field(50, ge=5, le=500, description="Rows per page on /tasks and /cases.")
    assets: Path = Field(
        FRONTEND, description="web/frontend: node_modules and dist built by scripts/bootstrap."
    )
    case_store_url: str | None = Field(
        None,
        description="sqlite:///PATH or postgresql://… of the case store; default XIETONG_CASE_STORE_URL.",
    )


class ApiTokenSettings(BaseSettings):
    """A cluster's bearer token, shared with the workers' settings (``XIETONG_ZEEBE_TOKEN``)."""

    model_config = SettingsConfigDict(env_prefix="XIETONG_ZEEBE_", extra="ignore")

    token: SecretStr | None = None

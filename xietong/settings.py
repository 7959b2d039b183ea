"""Typed configuration from environment variables (prefix ``XIETONG_``).

One settings object per concern keeps each part's knobs next to its documentation; every
field can be set as ``XIETONG_<FIELD>`` without touching code.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Where the project's data lives and how it logs."""

    model_config = SettingsConfigDict(env_prefix="XIETONG_", extra="ignore")

    config_dir: Path = Field(PROJECT_ROOT / "config", description="The reviewed catalog (YAML).")
    bpmn_dir: Path = Field(PROJECT_ROOT / "bpmn", description="Generated, designer-editable BPMN.")
    log_level: str = Field("INFO", description="structlog level: DEBUG, INFO, WARNING, ERROR.")
    log_json: bool = Field(False, description="Emit JSON log lines instead of console rendering.")


def get_settings() -> Settings:
    return Settings()

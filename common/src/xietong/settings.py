"""Typed configuration from environment variables (prefix ``XIETONG_``).

One settings object per concern keeps each part's knobs next to its documentation; every
field can be set as ``XIETONG_<FIELD>`` without touching code.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def find_project_root() -> Path:
    """The checkout this code runs from (the folder holding ``config/`` and ``bpmn/``), else the
    working directory: an installed component (a container image) has no checkout around it."""
    for folder in Path(__file__).resolve().parents:
        if (folder / "config").is_dir() and (folder / "bpmn").is_dir():
            return folder
    return Path.cwd()


PROJECT_ROOT = find_project_root()


class Settings(BaseSettings):
    """Where the project's data lives and how it logs."""

    model_config = SettingsConfigDict(env_prefix="XIETONG_", extra="ignore")

    config_dir: Path = Field(PROJECT_ROOT / "config", description="The reviewed catalog (YAML).")
    bpmn_dir: Path = Field(PROJECT_ROOT / "bpmn", description="Generated, designer-editable BPMN.")
    log_level: str = Field("INFO", description="structlog level: DEBUG, INFO, WARNING, ERROR.")
    log_json: bool = Field(False, description="Emit JSON log lines instead of console rendering.")


def get_settings() -> Settings:
    return Settings()

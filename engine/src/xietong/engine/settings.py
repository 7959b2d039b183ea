"""Engine settings (``XIETONG_ENGINE_*``)."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class EngineSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="XIETONG_ENGINE_", extra="ignore")

    synchronous: str = Field(
        "NORMAL",
        pattern="^(FULL|NORMAL|EXTRA)$",
        description="SQLite synchronous mode: FULL survives power loss, NORMAL only "
        "process crashes (both are safe against kill -9 in WAL mode).",
    )
    max_batch: int = Field(2000, ge=1, description="Commands committed together (group commit).")
    queue_limit: int = Field(100_000, ge=1, description="Pending commands before RESOURCE_EXHAUSTED.")
    watchdog_seconds: float = Field(
        10.0,
        gt=0,
        description="A batch of commands holding the engine thread longer than this is logged and makes "
        "health NOT_SERVING until it ends.",
    )
    history_retention: timedelta = Field(
        timedelta(days=30),
        gt=timedelta(0),
        description="How long a finished instance's history (summary, variables, user tasks, incidents, "
        "records) is kept for searches; ISO 8601 (P30D) or seconds.",
    )

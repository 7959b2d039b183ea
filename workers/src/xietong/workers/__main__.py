"""``python -m xietong.workers …``: the workers' commands with the project's logging, for a
deployment that runs only the workers."""

from __future__ import annotations

from xietong.logging import configure_logging
from xietong.settings import get_settings
from xietong.workers.cli import workers

if __name__ == "__main__":
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    workers(prog_name="python -m xietong.workers")

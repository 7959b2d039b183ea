"""The embedded Zeebe-compatible engine: ``Engine`` runs BPMN models durably in-process."""

from xietong.engine.clock import Clock
from xietong.engine.engine import Engine

__all__ = ["Clock", "Engine"]

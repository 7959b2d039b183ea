"""BPMN models: parsed, validated, ready for the interpreter."""

from xietong.engine.model.elements import Element, EventDef, Flow, Process
from xietong.engine.model.parser import parse_resource

__all__ = ["Element", "EventDef", "Flow", "Process", "parse_resource"]

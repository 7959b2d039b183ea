"""xietong (协同): county coordination mechanisms as executable BPMN processes."""

__version__ = "0.1.0"

"""The importer interface: one importer per source-document format, text in, typed records out.

Importers *propose*; the reviewed YAML under ``config/`` is the source of truth. An importer never
writes files: ``xietong catalog import`` compares its proposals with the reviewed catalog.

Registering: decorate the class with :func:`register`; :func:`load_importers` imports every
module of this package so each registers itself (a module that is not there yet is simply not
registered — nothing to edit here when a new importer lands).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Protocol, TypeVar

from xietong.catalog.model import DutyList, Mechanism, Policy, ProcedureTemplate
from xietong.catalog.registry import DepartmentRegistry


@dataclass(frozen=True)
class ImportWarning:
    """Something the importer could not read cleanly; names the document line if it can."""

    document: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.document}:{self.line}" if self.line else self.document
        return f"{where}: {self.message}"


@dataclass
class ImportContext:
    """What an importer may consult: the jurisdiction's registry and the policy defaults."""

    registry: DepartmentRegistry | None = None
    policies: Sequence[Policy] = ()


@dataclass
class ImportResult:
    """An importer's proposals for one document."""

    document: str
    mechanisms: list[Mechanism] = field(default_factory=list)
    templates: list[ProcedureTemplate] = field(default_factory=list)
    duty_lists: list[DutyList] = field(default_factory=list)
    warnings: list[ImportWarning] = field(default_factory=list)

    def warn(self, line: int | None, message: str) -> None:
        self.warnings.append(ImportWarning(self.document, line, message))


class Importer(Protocol):
    """Reads one document format. ``document`` is the file name under config/sources/."""

    document: ClassVar[str]
    jurisdiction: ClassVar[str]

    def run(self, text: str, context: ImportContext) -> ImportResult: ...


T = TypeVar("T")

_IMPORTERS: dict[str, type] = {}


def register(cls: type[T]) -> type[T]:
    """Class decorator: make the importer available for its ``document``."""
    document = cls.document  # type: ignore[attr-defined]
    existing = _IMPORTERS.get(document)
    if existing is not None and existing is not cls:
        raise ValueError(f"two importers for {document}: {existing.__name__} and {cls.__name__}")
    _IMPORTERS[document] = cls
    return cls


def load_importers() -> dict[str, type]:
    """Import every module in this package so each importer registers; document -> class."""
    package = importlib.import_module(__package__ or "xietong.catalog.importers")
    for info in pkgutil.iter_modules(package.__path__):
        if info.name not in {"base", "text"}:
            importlib.import_module(f"{package.__name__}.{info.name}")
    return dict(sorted(_IMPORTERS.items()))


def importer_for(document: str) -> Importer:
    """An instance of the importer registered for the document (KeyError if none)."""
    importers = load_importers()
    if document not in importers:
        raise KeyError(f"no importer for {document}; known: {sorted(importers)}")
    factory: Callable[[], Importer] = importers[document]
    return factory()

"""FEEL error types: every failure names where in the expression it happened."""

from __future__ import annotations


class FeelError(Exception):
    """Base of all FEEL failures, so callers can catch one type."""

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.position = position

    def __str__(self) -> str:
        if self.position is None:
            return self.message
        return f"{self.message} (at position {self.position})"


CARET_WINDOW = 60


class FeelSyntaxError(FeelError):
    """The expression text cannot be parsed; carries 1-based line and column for editors."""

    def __init__(self, message: str, position: int, line: int = 1, column: int = 1, source: str = "") -> None:
        super().__init__(message, position)
        self.line = line
        self.column = column
        self.source = source

    def __str__(self) -> str:
        return f"{self.message} (line {self.line}, column {self.column})"

    def caret(self, width: int = CARET_WINDOW) -> str:
        """The offending source line with a caret under the failure, for terminals; a long line is
        cut to ``width`` characters either side of the column."""
        lines = self.source.split("\n") if self.source else [""]
        text = lines[self.line - 1] if 0 < self.line <= len(lines) else ""
        start = max(0, self.column - 1 - width)
        end = min(len(text), self.column - 1 + width)
        before = "…" if start > 0 else ""
        after = "…" if end < len(text) else ""
        return f"{before}{text[start:end]}{after}\n{' ' * (len(before) + self.column - 1 - start)}^"


class FeelEvaluationError(FeelError):
    """Evaluation failed for real (a resource bound, a failed assert, an unknown function)."""


def line_column(source: str, position: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    before = source[:position]
    line = before.count("\n") + 1
    column = position - (before.rfind("\n") + 1) + 1
    return line, column

"""A refused resource's problems laid out as Zeebe 8.8 reports them, so tools that read Zeebe's
deployment rejections read ours.

Zeebe's ``BpmnValidator`` writes its results with ``ValidationErrorFormatter``: the resource name
in quotes, then per element ``- Element: <id>`` and per problem ``    - ERROR: <text>``, where the
element is named by its id, or for an extension element by the chain from the closest element with
an id (``task > extensionElements > taskDefinition``). The engine appends the line of the element
in the file (`` (line 12)``) to each problem, after Zeebe's text, so the text stays searchable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

UNSUPPORTED_ELEMENT = (
    "Elements of type '{}' are currently not supported. Please refer to the documentation for a list "
    "of supported elements: https://docs.camunda.io/docs/components/modeler/bpmn/bpmn-coverage/"
)


def resource_failure(
    resource: str, errors: Mapping[str, Sequence[str]] | Sequence[tuple[str, Sequence[str]]]
) -> str:
    """``'a.bpmn': - Element: t\\n    - ERROR: Must have …\\n`` for every element with problems (given
    as a mapping, or as pairs when two XML elements share a name)."""
    lines = []
    for element, messages in errors.items() if isinstance(errors, Mapping) else errors:
        lines.append(f"- Element: {element}\n")
        lines += [f"    - ERROR: {message}\n" for message in messages]
    return f"'{resource}': " + "".join(lines)


def element_type_name(kind: str) -> str:
    """The BPMN model class Zeebe names in its messages: ``complexGateway`` -> ``ComplexGateway``."""
    return kind[:1].upper() + kind[1:]

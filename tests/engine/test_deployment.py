"""Deployment: versions, unchanged resources, several processes per file, rejections that change nothing."""

from __future__ import annotations

import re

import pytest

from xietong.engine.commands import CreateProcessInstance, DeleteResource, Deploy
from xietong.engine.errors import DeploymentRejected, NotFound
from xietong.engine.testing import HEADER, Harness, bpmn, chain, flow, service_task

SIMPLE = bpmn('<bpmn:startEvent id="s"/><bpmn:endEvent id="e"/>' + chain("s", "e"))


def test_versions_increase_only_when_content_changes(h: Harness) -> None:
    first = h.engine.execute(Deploy((("a.bpmn", SIMPLE),))).processes[0]
    same = h.engine.execute(Deploy((("a.bpmn", SIMPLE),))).processes[0]
    changed = bpmn('<bpmn:startEvent id="s" name="x"/><bpmn:endEvent id="e"/>' + chain("s", "e"))
    second = h.engine.execute(Deploy((("a.bpmn", changed),))).processes[0]
    assert (first.version, same.version, second.version) == (1, 1, 2)
    assert same.process_definition_key == first.process_definition_key
    assert second.process_definition_key != first.process_definition_key
    old = h.engine.execute(CreateProcessInstance(bpmn_process_id="p", version=1))
    assert old.process_definition_key == first.process_definition_key
    latest = h.engine.execute(CreateProcessInstance(bpmn_process_id="p"))
    assert latest.version == 2


def test_several_processes_in_one_file(h: Harness) -> None:
    content = (
        # ids are unique in the whole file (xs:ID), across its processes too, as Zeebe's parser checks
        HEADER + '<bpmn:process id="one" isExecutable="true"><bpmn:startEvent id="s1"/></bpmn:process>'
        '<bpmn:process id="two" isExecutable="true"><bpmn:startEvent id="s2"/></bpmn:process>'
        "</bpmn:definitions>"
    ).encode()
    result = h.engine.execute(Deploy((("two.bpmn", content),)))
    assert sorted(p.bpmn_process_id for p in result.processes) == ["one", "two"]


@pytest.mark.parametrize(
    ("body", "element", "error"),
    [
        (
            '<bpmn:startEvent id="s"/><bpmn:serviceTask id="t"/>' + chain("s", "t"),
            "t",
            "Must have exactly one 'zeebe:taskDefinition' extension element",
        ),
        (
            '<bpmn:startEvent id="s"/><bpmn:complexGateway id="g"/>' + chain("s", "g"),
            "g",
            "Elements of type 'ComplexGateway' are currently not supported. Please refer to the "
            "documentation for a list of supported elements: "
            "https://docs.camunda.io/docs/components/modeler/bpmn/bpmn-coverage/",
        ),
        (
            '<bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="g"/><bpmn:endEvent id="a"/>'
            '<bpmn:endEvent id="b"/>' + flow("s", "g") + flow("g", "a", "= x &gt; 1") + flow("g", "b"),
            "f_g_b",
            "Must have a condition or be default flow",
        ),
        (
            '<bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="g"/><bpmn:endEvent id="a"/>'
            + flow("s", "g")
            + flow("g", "a", "= x &gt;"),
            "f_g_a > conditionExpression",  # Zeebe names the element holding the expression
            "failed to parse expression 'x >': ",
        ),
        (
            '<bpmn:startEvent id="s"/><bpmn:intermediateCatchEvent id="c"><bpmn:timerEventDefinition>'
            "<bpmn:timeDuration>PT5X</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
            + chain("s", "c"),
            "c",
            "Invalid timer duration expression (",
        ),
        (
            '<bpmn:endEvent id="e"/>',
            "p",
            "Must have at least one start event",
        ),
        (
            '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="nowhere"/>',
            "f",
            "sequence flow references unknown element 'nowhere'",
        ),
    ],
)
def test_rejections_are_zeebes_report_with_the_line(h: Harness, body: str, element: str, error: str) -> None:
    """Zeebe's layout and words (ValidationErrorFormatter, the bpmn-model validators); the engine adds
    the element's line after Zeebe's text."""
    with pytest.raises(DeploymentRejected) as caught:
        h.engine.execute(Deploy((("bad.bpmn", bpmn(body)),)))
    (problem,) = caught.value.problems
    assert problem.startswith("'bad.bpmn': - Element: "), problem
    assert f"- Element: {element}\n    - ERROR: {error}" in problem, problem
    assert re.search(rf"- Element: {element}\n    - ERROR: [^\n]* \(line \d+\)\n", problem), problem
    assert str(caught.value).startswith(
        "Expected to deploy new resources, but encountered the following errors:\n'bad.bpmn': - Element: "
    )


def test_rejected_deployment_changes_nothing(h: Harness) -> None:
    bad = bpmn('<bpmn:startEvent id="s"/><bpmn:serviceTask id="t"/>' + chain("s", "t"), process_id="q")
    with pytest.raises(DeploymentRejected):
        h.engine.execute(Deploy((("good.bpmn", SIMPLE), ("bad.bpmn", bad))))
    with pytest.raises(NotFound):
        h.engine.execute(CreateProcessInstance(bpmn_process_id="p"))


def test_not_xml_and_not_bpmn(h: Harness) -> None:
    with pytest.raises(DeploymentRejected, match=r"'x.bpmn': line 1: not well-formed XML"):
        h.engine.execute(Deploy((("x.bpmn", b"<oops"),)))
    with pytest.raises(DeploymentRejected, match=r"'x\.dmn': unknown resource type; .* not supported"):
        h.engine.execute(Deploy((("x.dmn", b"<definitions/>"),)))


def test_delete_resource_falls_back_to_previous_version(h: Harness) -> None:
    first = h.deploy(SIMPLE)
    second = h.deploy(bpmn('<bpmn:startEvent id="s" name="v2"/><bpmn:endEvent id="e"/>' + chain("s", "e")))
    h.engine.execute(DeleteResource(second))
    created = h.engine.execute(CreateProcessInstance(bpmn_process_id="p"))
    assert created.process_definition_key == first
    with pytest.raises(NotFound):
        h.engine.execute(DeleteResource(second))


def test_job_worker_service_task_in_chinese_model(h: Harness) -> None:
    body = (
        '<bpmn:startEvent id="s" name="受理"/>'
        + service_task("t", "派单")
        + '<bpmn:endEvent id="e"/>'
        + chain("s", "t", "e")
    )
    h.deploy(bpmn(body, process_id="属地管理"))
    h.start("属地管理")
    assert h.jobs("派单")[0].bpmn_process_id == "属地管理"


def test_timer_start_event_needing_variables_is_rejected(h: Harness) -> None:
    body = (
        '<bpmn:startEvent id="tick"><bpmn:timerEventDefinition><bpmn:timeCycle>=cycle</bpmn:timeCycle>'
        '</bpmn:timerEventDefinition></bpmn:startEvent><bpmn:endEvent id="e"/>' + chain("tick", "e")
    )
    expected = r"- Element: tick\n    - ERROR: Invalid timer cycle expression \("
    with pytest.raises(DeploymentRejected, match=expected):
        h.engine.execute(Deploy((("t.bpmn", bpmn(body)),)))
    with pytest.raises(NotFound):
        h.engine.execute(CreateProcessInstance(bpmn_process_id="p"))


def test_process_definitions_are_queryable_with_their_xml(h: Harness) -> None:
    key = h.deploy(SIMPLE)
    (view,) = h.engine.queries.search_process_definitions(bpmn_process_id="p")
    assert view.process_definition_key == key and view.version == 1
    assert view.as_rest()["processDefinitionKey"] == key
    assert h.engine.queries.process_definition_xml(key) == SIMPLE.decode()
    assert h.engine.queries.process_definition_xml(1) is None


def test_resource_content_must_be_bytes(h: Harness) -> None:
    with pytest.raises(DeploymentRejected, match="a resource is"):
        h.engine.execute(Deploy((("x.bpmn", SIMPLE.decode()),)))  # type: ignore[arg-type]
    with pytest.raises(DeploymentRejected, match="at least one"):
        h.engine.execute(Deploy(()))


def test_absurd_nesting_is_rejected_not_crashed_on(h: Harness) -> None:
    depth = 150
    body = "".join(f'<bpmn:subProcess id="sub{i}"><bpmn:startEvent id="s{i}"/>' for i in range(depth))
    body += "</bpmn:subProcess>" * depth
    with pytest.raises(DeploymentRejected, match="nested deeper than 100"):
        h.engine.execute(Deploy((("deep.bpmn", bpmn('<bpmn:startEvent id="s"/>' + body)),)))

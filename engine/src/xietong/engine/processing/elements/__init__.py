"""One processor per BPMN element kind (like Zeebe's task/, gateway/, event/, container/ folders)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xietong.engine.processing.elements.base import ElementProcessor

if TYPE_CHECKING:
    from xietong.engine.processing.processor import Processor


def element_processors(p: Processor) -> dict[str, ElementProcessor]:
    from xietong.engine.processing.elements.containers import (
        CallActivityProcessor,
        MultiInstanceBodyProcessor,
        ProcessProcessor,
        SubProcessProcessor,
    )
    from xietong.engine.processing.elements.events import (
        BoundaryEventProcessor,
        EndEventProcessor,
        IntermediateCatchEventProcessor,
        IntermediateThrowEventProcessor,
        StartEventProcessor,
    )
    from xietong.engine.processing.elements.gateways import (
        EventBasedGatewayProcessor,
        ExclusiveGatewayProcessor,
        InclusiveGatewayProcessor,
        ParallelGatewayProcessor,
    )
    from xietong.engine.processing.elements.tasks import (
        JobWorkerTaskProcessor,
        PassThroughTaskProcessor,
        ReceiveTaskProcessor,
        ScriptTaskProcessor,
        UserTaskProcessor,
    )

    job_tasks = JobWorkerTaskProcessor(p)
    return {
        "process": ProcessProcessor(p),
        "subProcess": SubProcessProcessor(p),
        "callActivity": CallActivityProcessor(p),
        "multiInstanceBody": MultiInstanceBodyProcessor(p),
        "serviceTask": job_tasks,
        "sendTask": job_tasks,
        "businessRuleTask": job_tasks,
        "scriptTask": ScriptTaskProcessor(p),
        "userTask": UserTaskProcessor(p),
        "manualTask": PassThroughTaskProcessor(p),
        "task": PassThroughTaskProcessor(p),
        "receiveTask": ReceiveTaskProcessor(p),
        "exclusiveGateway": ExclusiveGatewayProcessor(p),
        "parallelGateway": ParallelGatewayProcessor(p),
        "inclusiveGateway": InclusiveGatewayProcessor(p),
        "eventBasedGateway": EventBasedGatewayProcessor(p),
        "startEvent": StartEventProcessor(p),
        "endEvent": EndEventProcessor(p),
        "intermediateCatchEvent": IntermediateCatchEventProcessor(p),
        "intermediateThrowEvent": IntermediateThrowEventProcessor(p),
        "boundaryEvent": BoundaryEventProcessor(p),
    }


__all__ = ["ElementProcessor", "element_processors"]

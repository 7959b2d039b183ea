"""One processor per BPMN element kind (like Zeebe's task/, gateway/, event/, container/ folders)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xietong.bpmn_vocabulary import ElementKind
from xietong.engine.processing.elements.base import ElementProcessor
from xietong.engine.processing.transitions import MI_BODY

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
        ElementKind.PROCESS: ProcessProcessor(p),
        ElementKind.SUB_PROCESS: SubProcessProcessor(p),
        ElementKind.CALL_ACTIVITY: CallActivityProcessor(p),
        MI_BODY: MultiInstanceBodyProcessor(p),
        ElementKind.SERVICE_TASK: job_tasks,
        ElementKind.SEND_TASK: job_tasks,
        ElementKind.BUSINESS_RULE_TASK: job_tasks,
        ElementKind.SCRIPT_TASK: ScriptTaskProcessor(p),
        ElementKind.USER_TASK: UserTaskProcessor(p),
        ElementKind.MANUAL_TASK: PassThroughTaskProcessor(p),
        ElementKind.TASK: PassThroughTaskProcessor(p),
        ElementKind.RECEIVE_TASK: ReceiveTaskProcessor(p),
        ElementKind.EXCLUSIVE_GATEWAY: ExclusiveGatewayProcessor(p),
        ElementKind.PARALLEL_GATEWAY: ParallelGatewayProcessor(p),
        ElementKind.INCLUSIVE_GATEWAY: InclusiveGatewayProcessor(p),
        ElementKind.EVENT_BASED_GATEWAY: EventBasedGatewayProcessor(p),
        ElementKind.START_EVENT: StartEventProcessor(p),
        ElementKind.END_EVENT: EndEventProcessor(p),
        ElementKind.INTERMEDIATE_CATCH_EVENT: IntermediateCatchEventProcessor(p),
        ElementKind.INTERMEDIATE_THROW_EVENT: IntermediateThrowEventProcessor(p),
        ElementKind.BOUNDARY_EVENT: BoundaryEventProcessor(p),
    }


__all__ = ["ElementProcessor", "element_processors"]

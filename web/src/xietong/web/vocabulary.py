"""Zeebe's codes as a clerk or supervisor reads them, shared by the web pages and ``xietong console``
(which must not pull in the web app to name an incident). The code itself stays beside the words."""

from __future__ import annotations

#: Zeebe's element types and incident error types as a supervisor reads them (the code stays in a title).
ELEMENT_TYPES = {
    "START_EVENT": "开始事件", "END_EVENT": "结束事件", "USER_TASK": "人工办理", "SERVICE_TASK": "自动环节",
    "SEND_TASK": "发送环节", "RECEIVE_TASK": "接收环节", "SCRIPT_TASK": "脚本环节", "MANUAL_TASK": "手工环节",
    "BUSINESS_RULE_TASK": "规则环节", "TASK": "环节", "EXCLUSIVE_GATEWAY": "判断（排他网关）",
    "PARALLEL_GATEWAY": "并行（并行网关）", "INCLUSIVE_GATEWAY": "包容网关",
    "EVENT_BASED_GATEWAY": "事件网关", "INTERMEDIATE_CATCH_EVENT": "等待事件",
    "INTERMEDIATE_THROW_EVENT": "中间事件", "BOUNDARY_EVENT": "边界事件（时限等）",
    "MULTI_INSTANCE_BODY": "多部门并行办理", "SUB_PROCESS": "子流程", "EVENT_SUB_PROCESS": "事件子流程",
    "CALL_ACTIVITY": "调用流程", "PROCESS": "流程",
}  # fmt: skip
INCIDENT_TYPES = {
    "CONDITION_ERROR": "条件判断出错", "EXTRACT_VALUE_ERROR": "取值出错", "IO_MAPPING_ERROR": "变量映射出错",
    "JOB_NO_RETRIES": "自动环节重试用尽", "UNHANDLED_ERROR_EVENT": "未处理的错误事件",
    "CALLED_ELEMENT_ERROR": "调用流程出错", "FORM_NOT_FOUND": "找不到表单",
    "RESOURCE_NOT_FOUND": "找不到资源",
    "MESSAGE_SIZE_EXCEEDED": "消息过大", "DECISION_EVALUATION_ERROR": "决策出错", "UNKNOWN": "未知错误",
}  # fmt: skip

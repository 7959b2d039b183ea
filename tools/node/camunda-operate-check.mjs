// Drives the embedded engine's REST reads for a task list and a case console with
// @camunda8/orchestration-cluster-api (Camunda's own 8.8 client), validating every request and
// response against the 8.8 schema (CAMUNDA_SDK_VALIDATION strict): definitions, XML, statistics,
// sequence flows, incidents, element instances, variables, jobs, a user task's variables, and the
// 8.8 filter operators on user-task and process-instance search.
// Usage: node camunda-operate-check.mjs <rest base url> <bpmnProcessId> <candidate group> [validation]
// The model: start -> exclusive gateway (=x = 1) -> user task for the group -> end; the instance is
// started with x = 2 so it stops on an incident that the check then fixes and resolves.
import { camundaClient, printReport, recordFailure } from './camunda-client.mjs'

const [baseUrl, processId, group, validation = 'strict'] = process.argv.slice(2)
if (!group) {
  console.error('usage: camunda-operate-check.mjs <rest base url> <bpmnProcessId> <candidate group> [validation]')
  process.exit(2)
}
const camunda = camundaClient(baseUrl, { validation })
const wait = { consistency: { waitUpToMs: 5000 } }
const report = {}
try {
  report.at = 'createProcessInstance'
  const created = await camunda.createProcessInstance({ processDefinitionId: processId, variables: { caseId: 'OP-1', x: 2 } })
  const pi = created.processInstanceKey
  report.at = 'searchProcessDefinitions'
  const definitions = await camunda.searchProcessDefinitions({ filter: { processDefinitionId: processId } }, wait)
  report.definitions = definitions.items.map((d) => d.processDefinitionId)
  const definitionKey = definitions.items[0].processDefinitionKey
  report.at = 'getProcessDefinition'
  report.definitionName = (await camunda.getProcessDefinition({ processDefinitionKey: definitionKey }, wait)).name
  report.at = 'getProcessDefinitionXml'
  report.xmlHasProcess = String(await camunda.getProcessDefinitionXml({ processDefinitionKey: definitionKey }, wait)).includes(processId)
  report.at = 'searchProcessInstanceIncidents'
  const incidents = await camunda.searchProcessInstanceIncidents({ processInstanceKey: pi }, wait)
  report.incidents = incidents.items.map((i) => ({ errorType: i.errorType, elementId: i.elementId }))
  const incidentKey = incidents.items[0].incidentKey
  report.at = 'getIncident'
  report.incidentState = (await camunda.getIncident({ incidentKey }, wait)).state
  report.at = 'getProcessDefinitionStatistics'
  report.definitionStatistics = (await camunda.getProcessDefinitionStatistics(
    { processDefinitionKey: definitionKey, filter: { processInstanceKey: pi } }, wait)).items
  report.at = 'createElementInstanceVariables'
  await camunda.createElementInstanceVariables({ elementInstanceKey: pi, variables: { x: 1 } })
  report.at = 'resolveIncident'
  await camunda.resolveIncident({ incidentKey })
  report.at = 'searchUserTasks'
  const tasks = await camunda.searchUserTasks({
    filter: {
      candidateGroup: { $in: [group, 'nobody'] },
      processInstanceVariables: [{ name: 'caseId', value: { $like: '*OP-*' } }],
      creationDate: { $gte: '2000-01-01T00:00:00Z' },
    },
  }, wait)
  report.tasks = tasks.items.map((t) => t.elementId)
  const userTaskKey = tasks.items[0].userTaskKey
  report.at = 'searchUserTaskVariables'
  report.taskVariables = (await camunda.searchUserTaskVariables({ userTaskKey, filter: { name: { $in: ['caseId', 'x'] } } }, wait))
    .items.map((v) => [v.name, v.value]).sort()
  report.at = 'searchVariables'
  const variables = await camunda.searchVariables({ filter: { processInstanceKey: pi, name: 'x' } }, wait)
  report.at = 'getVariable'
  report.variable = (await camunda.getVariable({ variableKey: variables.items[0].variableKey }, wait)).value
  report.at = 'searchElementInstances'
  const elements = await camunda.searchElementInstances({ filter: { processInstanceKey: pi }, sort: [{ field: 'elementInstanceKey' }] }, wait)
  report.elements = elements.items.map((e) => [e.elementId, e.type, e.state])
  report.at = 'getElementInstance'
  report.element = (await camunda.getElementInstance({ elementInstanceKey: elements.items[1].elementInstanceKey }, wait)).elementId
  report.at = 'getProcessInstanceStatistics'
  report.instanceStatistics = (await camunda.getProcessInstanceStatistics({ processInstanceKey: pi }, wait)).items
    .map((s) => [s.elementId, s.active, s.completed, s.incidents]).sort()
  report.at = 'getProcessInstanceSequenceFlows'
  report.flows = (await camunda.getProcessInstanceSequenceFlows({ processInstanceKey: pi }, wait)).items
    .map((f) => f.sequenceFlowId).sort()
  report.at = 'searchJobs'
  report.jobs = (await camunda.searchJobs({ filter: { processInstanceKey: pi } }, { consistency: { waitUpToMs: 0 } })).page.totalItems
  report.at = 'searchProcessInstances'
  report.instances = (await camunda.searchProcessInstances({
    filter: { processDefinitionId: { $like: `${processId}*` }, variables: [{ name: 'caseId', value: '"OP-1"' }] },
  }, wait)).items.map((i) => i.processInstanceKey === pi)
  delete report.at
} catch (error) {
  recordFailure(report, error)
}
printReport(report)

// Drives the embedded engine's REST API with @camunda8/orchestration-cluster-api (Camunda's own
// TypeScript client for the 8.8 Orchestration Cluster API): topology, clock, create instance,
// user-task search / assign / unassign / update / complete.
// Usage: node camunda-rest-check.mjs <rest base url> <bpmnProcessId> <candidate group>
// Prints one JSON object; exits non-zero on any failure.
import { camundaClient } from './camunda-client.mjs'

const [baseUrl, processId, group] = process.argv.slice(2)
if (!group) {
  console.error('usage: camunda-rest-check.mjs <rest base url> <bpmnProcessId> <candidate group>')
  process.exit(2)
}
const camunda = camundaClient(baseUrl)
const consistency = { consistency: { waitUpToMs: 5000 } }
const report = {}
try {
  const topology = await camunda.getTopology()
  report.topology = { clusterSize: topology.clusterSize, partitionsCount: topology.partitionsCount }
  await camunda.pinClock({ timestamp: Date.UTC(2031, 0, 1) })
  await camunda.resetClock()
  const created = await camunda.createProcessInstance({ processDefinitionId: processId, variables: { caseId: 'REST-1' } })
  report.created = { processInstanceKey: created.processInstanceKey }
  const found = await camunda.searchUserTasks(
    { filter: { candidateGroup: group, processInstanceKey: created.processInstanceKey } }, consistency)
  report.found = found.items.map((t) => ({ userTaskKey: t.userTaskKey, elementId: t.elementId, state: t.state }))
  const userTaskKey = found.items[0].userTaskKey
  await camunda.assignUserTask({ userTaskKey, assignee: 'wang.wu' })
  report.assigned = (await camunda.getUserTask({ userTaskKey }, consistency)).assignee
  await camunda.unassignUserTask({ userTaskKey })
  await camunda.updateUserTask({ userTaskKey, changeset: { priority: 90 } })
  report.priority = (await camunda.getUserTask({ userTaskKey }, consistency)).priority
  await camunda.completeUserTask({ userTaskKey, variables: { approved: true } })
  report.completedState = (await camunda.getUserTask({ userTaskKey }, consistency)).state
} catch (error) {
  report.error = String(error && error.stack ? error.stack : error)
  if (error && error.body) report.errorBody = error.body
  process.exitCode = 1
}
console.log(JSON.stringify(report))

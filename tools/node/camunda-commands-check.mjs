// Drives the embedded engine's REST commands with @camunda8/orchestration-cluster-api (Camunda's own
// 8.8 client), validating requests and answers against the 8.8 schema: a multipart deployment, job
// activation / failure / completion / thrown error, signal broadcast, message correlation, instance
// modification, a start form, status, license, resource deletion and fetch.
// Usage: node camunda-commands-check.mjs <rest base url> <spec.json> [validation]
// spec: { files: [paths], workerProcess, jobTypes: {complete, retry, check, rejected}, chainProcess,
//         chainTypes: [a, b], signalProcess, signalName, messageProcess, messageName, formProcess }
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { camundaClient, printReport, recordFailure } from './camunda-client.mjs'

const [baseUrl, specFile, validation = 'strict'] = process.argv.slice(2)
if (!specFile) {
  console.error('usage: camunda-commands-check.mjs <rest base url> <spec.json> [validation]')
  process.exit(2)
}
const spec = JSON.parse(await readFile(specFile, 'utf8'))
const camunda = camundaClient(baseUrl, { validation })
const wait = { consistency: { waitUpToMs: 5000 } }
const report = {}

async function oneJob (type) {
  const { jobs } = await camunda.activateJobs({ type, worker: 'sdk', timeout: 60000, maxJobsToActivate: 1, requestTimeout: 10000 })
  if (jobs.length !== 1) throw new Error(`expected one ${type} job, got ${jobs.length}`)
  return jobs[0]
}

async function stateOf (processInstanceKey) {
  const found = await camunda.searchProcessInstances({ filter: { processInstanceKey } }, wait)
  return found.items[0].state
}

try {
  report.at = 'createDeployment'
  const files = await Promise.all(spec.files.map(async (path) => new File([await readFile(path)], basename(path))))
  const deployment = await camunda.createDeployment({ resources: files })
  report.deployed = deployment.deployments.map((d) => d.processDefinition?.processDefinitionId ?? d.form?.formId).sort()
  const definitionKey = (id) => deployment.deployments.find((d) => d.processDefinition?.processDefinitionId === id).processDefinition.processDefinitionKey

  report.at = 'jobs'
  const worker = await camunda.createProcessInstance({ processDefinitionId: spec.workerProcess, variables: { caseId: 'SDK-1' } })
  const first = await oneJob(spec.jobTypes.complete)
  report.firstJob = { type: first.type, variables: first.variables, kind: first.kind, sameInstance: first.processInstanceKey === worker.processInstanceKey }
  await camunda.completeJob({ jobKey: first.jobKey, variables: { checked: true } })
  const retry = await oneJob(spec.jobTypes.retry)
  await camunda.failJob({ jobKey: retry.jobKey, retries: 1, errorMessage: '对方系统未响应', retryBackOff: 0 })
  const retried = await oneJob(spec.jobTypes.retry)
  report.retries = retried.retries
  await camunda.completeJob({ jobKey: retried.jobKey })
  const check = await oneJob(spec.jobTypes.check)
  await camunda.throwJobError({ jobKey: check.jobKey, errorCode: 'REJECTED', errorMessage: '材料不全' })
  const rejected = await oneJob(spec.jobTypes.rejected)
  report.rejectedElement = rejected.elementId
  await camunda.completeJob({ jobKey: rejected.jobKey })
  report.workerState = (await camunda.getProcessInstance({ processInstanceKey: worker.processInstanceKey }, wait)).state

  report.at = 'broadcastSignal'
  const signalled = await camunda.createProcessInstance({ processDefinitionId: spec.signalProcess })
  const signal = await camunda.broadcastSignal({ signalName: spec.signalName, variables: { by: 'sdk' } })
  report.signalKeyIsDigits = /^[0-9]+$/.test(signal.signalKey)
  report.signalledState = await stateOf(signalled.processInstanceKey)

  report.at = 'correlateMessage'
  const waiting = await camunda.createProcessInstance({ processDefinitionId: spec.messageProcess, variables: { caseId: 'SDK-9' } })
  const correlated = await camunda.correlateMessage({ name: spec.messageName, correlationKey: 'SDK-9', variables: { ok: true } })
  report.correlatedInstance = correlated.processInstanceKey === waiting.processInstanceKey
  try {
    await camunda.correlateMessage({ name: spec.messageName, correlationKey: 'SDK-9' })
    report.secondCorrelation = 'accepted'
  } catch (error) {
    report.secondCorrelation = error.status ?? String(error)
  }

  report.at = 'modifyProcessInstance'
  const chained = await camunda.createProcessInstance({ processDefinitionId: spec.chainProcess })
  const elements = await camunda.searchElementInstances({ filter: { processInstanceKey: chained.processInstanceKey } }, wait)
  const task1 = elements.items.find((e) => e.elementId === 'task1' && e.state === 'ACTIVE')
  await camunda.modifyProcessInstance({
    processInstanceKey: chained.processInstanceKey,
    activateInstructions: [{ elementId: 'task2', variableInstructions: [{ variables: { jumped: true } }] }],
    terminateInstructions: [{ elementInstanceKey: task1.elementInstanceKey }],
  })
  const jumped = await oneJob(spec.chainTypes[1])
  report.jumped = jumped.variables.jumped === true && jumped.elementId === 'task2'

  report.at = 'getStartProcessForm'
  const form = await camunda.getStartProcessForm({ processDefinitionKey: definitionKey(spec.formProcess) }, wait)
  report.startForm = form.formId
  report.at = 'getStatus'
  await camunda.getStatus()
  report.status = 'UP'
  report.at = 'getLicense'
  report.license = (await camunda.getLicense()).licenseType

  report.at = 'deleteResource'
  await camunda.deleteResource({ resourceKey: definitionKey(spec.signalProcess) })
  report.at = 'getResource'
  try {
    await camunda.getResource({ resourceKey: definitionKey(spec.signalProcess) })
    report.fetched = 'found'
  } catch (error) {
    report.fetched = error.status ?? String(error)
  }
  delete report.at
} catch (error) {
  recordFailure(report, error)
}
printReport(report)

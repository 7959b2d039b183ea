// Reads a user task and its linked form with @camunda8/orchestration-cluster-api (Camunda's own
// client for the 8.8 REST API): getUserTask (formKey) and getUserTaskForm (formId, version, schema).
// Usage: node camunda-form-check.mjs <rest base url> <userTaskKey>
// Prints one JSON object; exits non-zero on any failure.
import { camundaClient } from './camunda-client.mjs'

const [baseUrl, userTaskKey] = process.argv.slice(2)
if (!userTaskKey) {
  console.error('usage: camunda-form-check.mjs <rest base url> <userTaskKey>')
  process.exit(2)
}
const camunda = camundaClient(baseUrl)
const report = {}
try {
  const task = await camunda.getUserTask({ userTaskKey }, { consistency: { waitUpToMs: 5000 } })
  report.task = { formKey: task.formKey, externalFormReference: task.externalFormReference ?? null }
  const form = await camunda.getUserTaskForm({ userTaskKey }, { consistency: { waitUpToMs: 5000 } })
  report.form = form === undefined || form === null ? null : {
    formKey: form.formKey, formId: form.formId, version: form.version, tenantId: form.tenantId,
    schemaType: typeof form.schema, componentTypes: (form.schema?.components ?? []).map((c) => c.type),
  }
} catch (error) {
  report.error = String(error && error.stack ? error.stack : error)
  if (error && error.body) report.errorBody = error.body
  process.exitCode = 1
}
console.log(JSON.stringify(report))

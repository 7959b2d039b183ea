// Logs in to the embedded engine's REST API with @camunda8/orchestration-cluster-api (Camunda's own
// client for the 8.8 Orchestration Cluster API) using Camunda's basic authentication, then asks who
// it is and searches the user tasks it may see; a wrong password must be refused.
// Usage: node camunda-identity-check.mjs <rest base url> <login> <password>
// Prints one JSON object; exits non-zero on any unexpected failure.
import { camundaClient } from './camunda-client.mjs'

const [baseUrl, login, password] = process.argv.slice(2)
if (!password) {
  console.error('usage: camunda-identity-check.mjs <rest base url> <login> <password>')
  process.exit(2)
}
function client(secret) {
  return camundaClient(baseUrl, { login, secret })
}
const report = {}
try {
  const camunda = client(password)
  const me = await camunda.getAuthentication()
  report.me = me
  const tasks = await camunda.searchUserTasks({ filter: {} }, { consistency: { waitUpToMs: 0 } })
  report.tasks = tasks.items.map((t) => ({ userTaskKey: t.userTaskKey, candidateGroups: t.candidateGroups }))
} catch (error) {
  report.error = String(error && error.stack ? error.stack : error)
  process.exitCode = 1
}
try {
  await client(password + '-wrong').getAuthentication()
  report.wrongPassword = 'accepted'
  process.exitCode = 1
} catch (error) {
  report.wrongPassword = { status: error.status ?? error.statusCode ?? null, message: String(error.message || error) }
}
console.log(JSON.stringify(report))

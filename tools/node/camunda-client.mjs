// How every check makes Camunda's own 8.8 REST client (@camunda8/orchestration-cluster-api): the
// engine's REST base URL, no credentials or a person's (HTTP basic), SDK logs quiet, and the schema
// validation the check asks for (the SDK's default when none is given).
import { createCamundaClient } from '@camunda8/orchestration-cluster-api'

export function camundaClient (baseUrl, { validation, login, secret } = {}) {
  const config = { CAMUNDA_REST_ADDRESS: `${baseUrl}/v2`, CAMUNDA_SDK_LOG_LEVEL: 'error' }
  if (login) {
    Object.assign(config, {
      CAMUNDA_AUTH_STRATEGY: 'BASIC', CAMUNDA_BASIC_AUTH_USERNAME: login, CAMUNDA_BASIC_AUTH_PASSWORD: secret,
    })
  } else {
    config.CAMUNDA_AUTH_STRATEGY = 'NONE'
  }
  if (validation) config.CAMUNDA_SDK_VALIDATION = validation
  return createCamundaClient({ config })
}

// A check that failed says so in its report (the error, with what the client attached) and exits 1.
export function recordFailure (report, error) {
  report.error = String(error && error.stack ? error.stack : error)
  report.errorDetail = JSON.parse(JSON.stringify(error, Object.getOwnPropertyNames(error)))
  delete report.errorDetail.stack
  process.exitCode = 1
}

// The report as the Python side reads it: one JSON line, 64-bit keys as numbers.
export function printReport (report) {
  console.log(JSON.stringify(report, (_, v) => (typeof v === 'bigint' ? Number(v) : v)))
}

// Drives the embedded engine with @camunda8/sdk's Zeebe gRPC client, exactly as an integrator would:
// topology, deploy, create instance (plain and with result) and a worker completing jobs.
// Usage: node camunda-sdk-check.mjs <host:port> <bpmn file> <bpmnProcessId> <job type>
// Prints one JSON object with what each call returned; exits non-zero on any failure.
import { Camunda8 } from '@camunda8/sdk'

const [address, bpmnFile, processId, jobType] = process.argv.slice(2)
if (!jobType) {
  console.error('usage: camunda-sdk-check.mjs <host:port> <bpmn file> <bpmnProcessId> <job type>')
  process.exit(2)
}

const c8 = new Camunda8({
  ZEEBE_GRPC_ADDRESS: `grpc://${address}`,
  CAMUNDA_AUTH_STRATEGY: 'NONE',
  CAMUNDA_LOG_LEVEL: 'error',
})
const zeebe = c8.getZeebeGrpcApiClient()
const report = {}
let worker
try {
  const topology = await zeebe.topology()
  report.topology = {
    clusterSize: topology.clusterSize,
    partitionsCount: topology.partitionsCount,
    gatewayVersion: topology.gatewayVersion,
    brokers: topology.brokers.length,
  }
  const deployment = await zeebe.deployResource({ processFilename: bpmnFile })
  report.deployment = deployment.deployments.map((d) => d.process)
  const created = await zeebe.createProcessInstance({ bpmnProcessId: processId, variables: { n: 1 } })
  report.created = { processInstanceKey: String(created.processInstanceKey), bpmnProcessId: created.bpmnProcessId }

  const handled = []
  worker = zeebe.createWorker({
    taskType: jobType,
    pollInterval: 100,
    taskHandler: (job) => {
      handled.push(String(job.processInstanceKey))
      return job.complete({ doubled: job.variables.n * 2, worker: 'camunda8-sdk' })
    },
  })
  const result = await zeebe.createProcessInstanceWithResult({
    bpmnProcessId: processId,
    variables: { n: 21 },
    requestTimeout: 30000,
  })
  report.result = { variables: result.variables, processInstanceKey: String(result.processInstanceKey) }
  report.handled = handled
} catch (error) {
  report.error = String(error && error.stack ? error.stack : error)
  process.exitCode = 1
} finally {
  if (worker) await worker.close()
  await zeebe.close()
}
console.log(JSON.stringify(report))

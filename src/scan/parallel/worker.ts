import { parentPort, workerData } from 'node:worker_threads';
import { buildWorkerEngine, runJob, type EngineSetup, type ScanJob } from './job.js';
import { toWire } from './wire.js';
import type { WorkerReply, WorkerRequest } from './protocol.js';

/**
 * Worker entry (dist/scan-worker.js): builds the engine once from the main thread's rules, then
 * scans log pieces or batches of files until the pool closes its port.
 */
const port = parentPort;
if (port === null) throw new Error('scan-worker must run as a worker thread');
const setup = workerData as EngineSetup;
const rules = buildWorkerEngine(setup);

port.on('message', (req: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    const { findings, skips } = runJob(rules, req.job satisfies ScanJob, setup.detect);
    reply = { id: req.id, ok: true, findings: findings.map(toWire), skips };
  } catch (e) {
    // Only the kind of failure crosses back: a message could quote the text being scanned.
    reply = { id: req.id, ok: false, error: e instanceof Error ? e.name : typeof e, code: (e as { code?: unknown }).code as string | undefined };
  }
  port.postMessage(reply);
});

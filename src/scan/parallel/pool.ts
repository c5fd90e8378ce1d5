import { Worker } from 'node:worker_threads';
import { SealguardError, ExitCode } from '../../shared/errors.js';
import type { Finding } from '../types.js';
import { workerSetup, type EngineSetup, type JobResult, type ScanJob } from './job.js';
import type { WorkerReply, WorkerRequest } from './protocol.js';
import { fromWire } from './wire.js';

interface Pending {
  readonly resolve: (r: JobResult) => void;
  readonly reject: (e: unknown) => void;
}

interface Slot {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
}

/** Jobs sent ahead to one worker, so it never waits for the next while a reply is in flight. */
const AHEAD = 2;

export interface PoolOptions {
  /** Jobs each worker may hold at once (default 2): more when the main thread answers late. */
  readonly ahead?: number;
}

/**
 * Worker threads running the scan engine. `run` resolves with a job's findings; jobs go to the
 * least busy worker, and a job waits in the queue while every worker already has AHEAD jobs.
 */
export class WorkerPool {
  readonly #slots: Slot[] = [];
  readonly #queue: { id: number; job: ScanJob; p: Pending }[] = [];
  #nextId = 0;
  #failure: unknown;
  readonly #ahead: number;

  constructor(size: number, workerFile: string, setup: EngineSetup, options: PoolOptions = {}) {
    this.#ahead = options.ahead ?? AHEAD;
    const workerData = workerSetup(setup);
    for (let i = 0; i < size; i++) {
      const worker = new Worker(workerFile, { workerData });
      const slot: Slot = { worker, pending: new Map() };
      worker.on('message', (reply: WorkerReply) => this.#settle(slot, reply));
      worker.on('error', (e) => this.#fail(internalError(e.name, undefined, e)));
      worker.on('exit', (code) => {
        if (slot.pending.size > 0) this.#fail(internalError(`exit ${code}`));
      });
      this.#slots.push(slot);
    }
  }

  get size(): number {
    return this.#slots.length;
  }

  /** Whether a job given now would start without waiting behind others. */
  get hasRoom(): boolean {
    return this.#queue.length === 0 && this.#slots.some((s) => s.pending.size < this.#ahead);
  }

  run(job: ScanJob): Promise<JobResult> {
    return new Promise((resolve, reject) => {
      if (this.#failure !== undefined) return reject(this.#failure);
      this.#queue.push({ id: this.#nextId++, job, p: { resolve, reject } });
      this.#dispatch();
    });
  }

  /** Stops every worker; jobs still pending are rejected. */
  async close(): Promise<void> {
    const slots = this.#slots.splice(0);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      let best: Slot | undefined;
      for (const s of this.#slots) if (s.pending.size < this.#ahead && (!best || s.pending.size < best.pending.size)) best = s;
      if (!best) return;
      const { id, job, p } = this.#queue.shift()!;
      best.pending.set(id, p);
      best.worker.postMessage({ id, job } satisfies WorkerRequest);
    }
  }

  #settle(slot: Slot, reply: WorkerReply): void {
    const p = slot.pending.get(reply.id);
    if (!p) return;
    slot.pending.delete(reply.id);
    if (reply.ok) p.resolve({ findings: reply.findings.map(fromWire) as Finding[], skips: reply.skips });
    else p.reject(internalError(reply.error, reply.code));
    this.#dispatch();
  }

  #fail(e: unknown): void {
    this.#failure ??= e;
    for (const s of this.#slots) {
      for (const p of s.pending.values()) p.reject(this.#failure);
      s.pending.clear();
    }
    for (const q of this.#queue.splice(0)) q.p.reject(this.#failure);
  }
}

function internalError(kind: string, code?: string, cause?: unknown): SealguardError {
  return new SealguardError(code ?? 'SCAN_WORKER_FAILED', `a scan worker failed (${kind})`, { exitCode: ExitCode.usage, cause });
}

import type { ScanJob, Skip } from './job.js';
import type { WireFinding } from './wire.js';

/** Messages between the pool and its workers. */
export interface WorkerRequest {
  readonly id: number;
  readonly job: ScanJob;
}

export type WorkerReply =
  | { readonly id: number; readonly ok: true; readonly findings: WireFinding[]; readonly skips: Skip[] }
  | { readonly id: number; readonly ok: false; readonly error: string; readonly code?: string };

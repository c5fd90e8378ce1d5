import type { Io } from './io.js';

/** Progress of a long scan, drawn on stderr. */
export interface ProgressBar {
  update(done: number, bytes: number): void;
  stop(): void;
}

/** Only for a person watching: stderr is a terminal and no CI system is running us. */
export function wantsProgress(io: Io): boolean {
  const ci = io.env.CI;
  return io.stderr.isTTY === true && (ci === undefined || ci === '' || ci === 'false') && io.env.TERM !== 'dumb';
}

/**
 * A bar of commits done out of `total`, with the scan rate. cli-progress loads only here, so scans
 * without a terminal never pay for it.
 */
export async function commitProgressBar(io: Io, total: number): Promise<ProgressBar> {
  const { default: cliProgress } = await import('cli-progress');
  const started = Date.now();
  const bar = new cliProgress.SingleBar(
    {
      stream: io.stderr,
      format: 'scanning history [{bar}] {value}/{total} commits | {rate} MB/s',
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { rate: '0.0' });
  return {
    update(done, bytes) {
      const seconds = Math.max((Date.now() - started) / 1000, 0.001);
      bar.update(Math.min(done, total), { rate: (bytes / 1e6 / seconds).toFixed(1) });
    },
    stop() {
      bar.stop();
    },
  };
}

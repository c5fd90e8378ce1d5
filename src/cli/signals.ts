/**
 * Cleanup that must happen even when the user presses Ctrl-C or the process is told to stop: while
 * installed, SIGINT, SIGTERM and SIGHUP run `cleanup` (after `onSignal`, e.g. stopping a child),
 * then the signal is raised again so the parent sees how we ended (a shell reports 130/143).
 */
const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export interface SignalTrap {
  /** Remove the handlers; call it in finally once cleanup has run normally. */
  release(): void;
}

export function trapSignals(cleanup: () => void, onSignal?: (signal: NodeJS.Signals) => void): SignalTrap {
  let released = false;
  const onExit = (): void => cleanup();
  const handler = (signal: NodeJS.Signals): void => {
    try {
      onSignal?.(signal);
    } catch {
      // Stopping a child that already ended is not a reason to skip the cleanup.
    }
    cleanup();
    release();
    process.kill(process.pid, signal);
  };
  function release(): void {
    if (released) return;
    released = true;
    for (const s of SIGNALS) process.removeListener(s, handler);
    process.removeListener('exit', onExit);
  }
  for (const s of SIGNALS) process.on(s, handler);
  process.on('exit', onExit);
  return { release };
}

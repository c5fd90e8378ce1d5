import { Command, CommanderError } from 'commander';
import { processIo, reportError, type Io } from './io.js';
import { VERSION } from './version.js';
import { registerGitCommands } from './register/git.js';
import { registerScanCommands } from './register/scan.js';
import { registerSopsCommands } from './register/sops.js';
import { preloadYaml } from '../shared/yaml-lib.js';

/** Commands that load the yaml library only when the scan finds a YAML config to read (see yaml-preload.ts). */
const YAML_ON_DEMAND = new Set(['scan', 'baseline']);

/**
 * Builds the command tree. Command modules are imported lazily so `sealguard scan --staged` loads
 * only the scanner (the pre-commit hook's latency is the product's first impression).
 */
export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('sealguard')
    .description('Keep secrets out of git; keep the secrets that must live in git encrypted (SOPS-compatible).')
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run sealguard help COMMAND for usage)')
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride();

  registerScanCommands(program, io, setExit);
  registerGitCommands(program, io, setExit);
  registerSopsCommands(program, io, setExit);
  // Every other command reads YAML (sops files, .sops.yaml, rule files): the library's chunk is
  // fetched before the action, so its synchronous parsers find it loaded.
  program.hook('preAction', async (_program, action) => {
    if (!YAML_ON_DEMAND.has(action.name())) await preloadYaml();
  });

  return program;
}

export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  const verbose = argv.includes('--verbose') || argv.includes('-v');
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version exit 0; every usage problem is exit 2 (commander already printed one line).
      return e.exitCode === 0 ? 0 : 2;
    }
    return reportError(e, io, verbose);
  }
}

/** Entry point of bin/sealguard.js. */
export function run(): void {
  main(process.argv.slice(2)).then(exitWhenFlushed, (e: unknown) => exitWhenFlushed(reportError(e, processIo(), false)));
}

/**
 * Exit once stdout and stderr have taken all that was written to them. Ending here, rather than
 * letting the event loop run dry, skips tearing down the heap and the threads (measured: ~10 ms of
 * a ~300 ms pre-commit scan); 'exit' handlers still run.
 */
function exitWhenFlushed(code: number): void {
  process.exitCode = code;
  let pending = 2;
  const flushed = (): void => {
    if (--pending === 0) process.exit(code);
  };
  // A write's callback comes after every earlier write is handed on, or with the error of a closed stream.
  process.stdout.write('', flushed);
  process.stderr.write('', flushed);
}

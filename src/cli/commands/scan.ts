import { promises as fs } from 'node:fs';
import path from 'node:path';
import { SealguardError } from '../../shared/errors.js';
import type { Finding, Fragment } from '../../scan/types.js';
import { loadBuiltinRules, compileRules, loadScanConfig } from '../../scan/rules/index.js';
import { detect } from '../../scan/engine/index.js';
import { getReporter, type ReportFormat } from '../../scan/report/index.js';
import { fileFragments, stdinFragments, stagedFragments, type SourceContext } from '../../scan/sources/index.js';
import { repoRoot } from '../../git/index.js';
import { loadIgnoreList, withoutIgnored } from '../../scan/ignore-file.js';
import { withoutAllowlisted } from '../../scan/rules/finding-allowlist.js';
import { loadBaseline } from '../../scan/baseline.js';
import { SopsPolicy } from '../../scan/sops-policy.js';
import { useColor, type Io } from '../io.js';
import { preloadYamlForScan } from '../yaml-preload.js';
import { historyFindings, isHistoryScan, DEFAULT_MAX_THREADS, type HistoryFlags, type StartedHistory } from './scan-history.js';
import { startHistoryScan, type HistoryStart } from './history-start.js';
import { scanFiles } from '../../scan/parallel/file-scan.js';
import { availableParallelism } from 'node:os';
import { started } from '../../shared/started.js';

export interface ScanCommandOptions extends HistoryFlags {
  paths: string[];
  staged?: boolean;
  stdin?: boolean;
  stdinName: string;
  config?: string;
  baseline?: string;
  reportFormat: ReportFormat;
  reportPath?: string;
  redact: boolean;
  exitCode: number;
  maxTargetMegabytes: number;
  /** Layers of encoding decoded and scanned again (engine default when absent). */
  maxDecodeDepth?: number;
  verbose?: boolean;
}

interface Skip {
  path: string;
  reason: string;
}

function chooseSource(opts: ScanCommandOptions, io: Io, ctx: SourceContext, staged: AsyncIterable<Fragment> | undefined): AsyncIterable<Fragment> {
  const modes = [opts.staged, opts.stdin, opts.paths.length > 0].filter(Boolean).length;
  if (modes > 1) throw new SealguardError('USAGE', 'choose one of: PATH…, --staged, --stdin');
  if (staged) return staged;
  if (opts.stdin) return stdinFragments(io.stdin, opts.stdinName, ctx);
  return fileFragments(opts.paths.length > 0 ? opts.paths : ['.'], io.cwd, ctx);
}

/**
 * `sealguard scan`: sources → engine → report. Returns the exit status. `history`: a history scan's
 * start (startHistoryScan), when the caller began it already.
 */
export async function runScan(opts: ScanCommandOptions, io: Io, history?: Promise<HistoryStart | undefined>): Promise<number> {
  const skips: Skip[] = [];
  const ctx: SourceContext = {
    maxTargetBytes: opts.maxTargetMegabytes * 1024 * 1024,
    onSkip: (p, reason) => skips.push({ path: p, reason }),
  };
  // The staged diff starts before anything else, so git computes it while the rules compile. It can
  // run from any folder of the work tree: its paths are from the root either way (--no-relative).
  const diff = opts.staged && !opts.stdin && opts.paths.length === 0 ? stagedFragments(io.cwd, ctx) : undefined;
  const staged = diff && started(diff);
  try {
    return await scanWith(opts, io, ctx, skips, staged, history);
  } finally {
    // Stops git when the scan ended before reading the whole diff (an error in the config, say):
    // a git left writing to a full pipe would keep the process alive.
    await staged?.return(undefined);
    await diff?.return(undefined);
  }
}

async function scanWith(
  opts: ScanCommandOptions,
  io: Io,
  ctx: SourceContext,
  skips: Skip[],
  staged: AsyncGenerator<Fragment> | undefined,
  begun: Promise<HistoryStart | undefined> | undefined,
): Promise<number> {
  // Staged and history scans report paths from the repository root, as git does; the config lives there too.
  // git log starts before the rules compile, and writes while they do.
  const start = isHistoryScan(opts) ? ((await begun) ?? (await startHistoryScan(opts, io))) : undefined;
  const root = start?.root ?? (opts.staged ? await repoRoot(io.cwd) : io.cwd);
  const history = start?.history;
  try {
    return await scanFrom(root, history, opts, io, ctx, skips, staged);
  } finally {
    // A config error ends the scan before the log is read: stop git.
    await history?.stop();
  }
}

async function scanFrom(
  root: string,
  history: StartedHistory | undefined,
  opts: ScanCommandOptions,
  io: Io,
  ctx: SourceContext,
  skips: Skip[],
  staged: AsyncGenerator<Fragment> | undefined,
): Promise<number> {
  await preloadYamlForScan(root, opts.config);
  const config = loadScanConfig(root, opts.config);
  if (config.notice) io.stderr.write(`sealguard: ${config.notice}\n`);
  // Read before scanning, so a mistyped --baseline fails at once instead of after a long scan.
  const baseline = opts.baseline !== undefined ? loadBaseline(path.resolve(io.cwd, opts.baseline), opts.baseline) : undefined;
  const specs = config.extend.useDefault ? [...loadBuiltinRules(), ...config.rules] : [...config.rules];
  const rules = compileRules(specs, config);

  const found: Finding[] = [];
  if (isHistoryScan(opts)) {
    for (const f of await historyFindings(history, opts, io, root, { setup: { specs, config, detect: { maxDecodeDepth: opts.maxDecodeDepth } }, rules }, ctx)) found.push(f);
  } else {
    // Files a .sops.yaml creation rule says must be encrypted; stdin has no real path to check.
    const sops = opts.stdin ? undefined : SopsPolicy.forRoot(root);
    if (!opts.staged && !opts.stdin) {
      // Files and folders: a large tree is shared between the main thread and worker threads.
      const files = await scanFiles(opts.paths, io.cwd, {
        setup: { specs, config, detect: { maxDecodeDepth: opts.maxDecodeDepth } },
        rules,
        threads: opts.threads ?? Math.min(availableParallelism(), DEFAULT_MAX_THREADS),
        maxTargetBytes: ctx.maxTargetBytes,
        onSkip: (p, reason) => ctx.onSkip(p, reason),
        ...(sops ? { extra: { wants: (p: string) => sops.ruleFor(p) !== undefined, check: (p: string, text: string) => sops.check(p, text) } } : {}),
      });
      for (const f of files) found.push(f);
    }
    for await (const fragment of opts.staged || opts.stdin ? chooseSource(opts, io, ctx, staged) : []) {
      for (const f of detect(rules, fragment, { maxDecodeDepth: opts.maxDecodeDepth })) found.push(f);
      const plain = sops && (opts.staged ? await sops.checkStaged(root, fragment.path) : sops.check(fragment.path, fragment.text));
      if (plain) found.push(plain);
    }
    for (const warning of sops?.warnings ?? []) io.stderr.write(`sealguard: ${warning}\n`);
  }
  let findings = withoutIgnored(withoutAllowlisted(found, config.findingAllowlists), loadIgnoreList(root));
  if (baseline) findings = withoutIgnored(findings, baseline);

  reportSkips(skips, io, opts.verbose === true);

  const toFile = opts.reportPath !== undefined;
  const reporter = getReporter(opts.reportFormat);
  const out = reporter.write(findings, {
    redact: opts.redact,
    rules: specs,
    color: !toFile && opts.reportFormat === 'text' && useColor(io.stdout, io.env),
  });
  if (toFile) {
    await fs.mkdir(path.dirname(path.resolve(io.cwd, opts.reportPath!)), { recursive: true });
    await fs.writeFile(path.resolve(io.cwd, opts.reportPath!), out);
    if (opts.reportFormat !== 'text' || findings.length > 0) {
      io.stderr.write(`sealguard: ${findings.length} finding(s); report written to ${opts.reportPath}\n`);
    }
  } else if (out !== '') {
    io.stdout.write(out);
  }
  return findings.length > 0 ? opts.exitCode : 0;
}

/** One summary line on stderr; the full list with --verbose. Never a reason to fail the scan. */
function reportSkips(skips: Skip[], io: Io, verbose: boolean): void {
  if (skips.length === 0) return;
  if (verbose) {
    for (const s of skips) io.stderr.write(`sealguard: skipped ${s.path}: ${s.reason}\n`);
    return;
  }
  const byReason = new Map<string, number>();
  for (const s of skips) {
    const key = s.reason.replace(/\s*\(.*\)$/, '');
    byReason.set(key, (byReason.get(key) ?? 0) + 1);
  }
  const parts = [...byReason].map(([reason, n]) => `${n} ${reason}`);
  io.stderr.write(`sealguard: skipped ${skips.length} file(s) (${parts.join(', ')}); --verbose lists them\n`);
}

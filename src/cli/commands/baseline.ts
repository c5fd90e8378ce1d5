import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SealguardError } from '../../shared/errors.js';
import { atomicWrite } from '../../shared/atomic-write.js';
import type { Finding } from '../../scan/types.js';
import { loadBuiltinRules, compileRules, loadScanConfig } from '../../scan/rules/index.js';
import { detect } from '../../scan/engine/index.js';
import { fileFragments, type SourceContext } from '../../scan/sources/index.js';
import { loadIgnoreList, withoutIgnored } from '../../scan/ignore-file.js';
import { withoutAllowlisted } from '../../scan/rules/finding-allowlist.js';
import { BASELINE_FILE, buildBaseline, renderBaseline } from '../../scan/baseline.js';
import { SopsPolicy } from '../../scan/sops-policy.js';
import type { Io } from '../io.js';
import { preloadYamlForScan } from '../yaml-preload.js';

export interface BaselineCommandOptions {
  paths: string[];
  update?: boolean;
  output?: string;
  config?: string;
  maxTargetMegabytes: number;
}

/** `file` as a finding path (relative to the scan root, '/' separated), to leave the baseline itself out. */
function asFindingPath(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join('/');
}

/**
 * `sealguard baseline`: scan files and folders (default .) like `sealguard scan PATH…` and write the
 * findings as accepted ones. Refuses to replace an existing baseline unless --update, so accepting
 * new findings is always a deliberate step (as `detect-secrets scan --baseline` is).
 */
export async function runBaseline(opts: BaselineCommandOptions, io: Io): Promise<number> {
  const root = io.cwd;
  const shown = opts.output ?? BASELINE_FILE;
  const target = path.resolve(root, shown);
  const exists = existsSync(target);
  if (exists && !opts.update) {
    throw new SealguardError('BASELINE_EXISTS', `${shown} already exists; run 'sealguard baseline --update' to rewrite it from the current findings`, {
      exitCode: 2,
    });
  }

  await preloadYamlForScan(root, opts.config);
  const config = loadScanConfig(root, opts.config);
  if (config.notice) io.stderr.write(`sealguard: ${config.notice}\n`);
  const specs = config.extend.useDefault ? [...loadBuiltinRules(), ...config.rules] : [...config.rules];
  const rules = compileRules(specs, config);
  const ctx: SourceContext = { maxTargetBytes: opts.maxTargetMegabytes * 1024 * 1024, onSkip: () => undefined };

  const self = asFindingPath(root, target);
  const sops = SopsPolicy.forRoot(root);
  const found: Finding[] = [];
  for await (const fragment of fileFragments(opts.paths.length > 0 ? opts.paths : ['.'], root, ctx)) {
    if (fragment.path === self) continue;
    for (const f of detect(rules, fragment)) found.push(f);
    const plain = sops.check(fragment.path, fragment.text);
    if (plain) found.push(plain);
  }
  const findings = withoutIgnored(withoutAllowlisted(found, config.findingAllowlists), loadIgnoreList(root));
  const doc = buildBaseline(findings);
  const text = renderBaseline(doc);
  const count = doc.findings.length;

  if (exists && readFileSync(target, 'utf8') === text) {
    io.stderr.write(`sealguard: ${shown} is up to date (${count} accepted finding${count === 1 ? '' : 's'})\n`);
    return 0;
  }
  await atomicWrite(target, text);
  io.stderr.write(`sealguard: wrote ${shown} with ${count} accepted finding${count === 1 ? '' : 's'}; 'sealguard scan --baseline ${shown}' reports only new ones\n`);
  return 0;
}

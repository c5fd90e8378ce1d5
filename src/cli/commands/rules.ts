import { loadBuiltinRules, compileRules, loadScanConfig, runRuleExamples, type ScanConfig } from '../../scan/rules/index.js';
import type { RuleSpec } from '../../scan/types.js';
import type { Io } from '../io.js';

interface RulesOptions {
  config?: string;
}

function activeRules(config: ScanConfig): RuleSpec[] {
  const specs = config.extend.useDefault ? [...loadBuiltinRules(), ...config.rules] : [...config.rules];
  const disabled = new Set(config.disabledRules);
  return specs.filter((r) => !disabled.has(r.id));
}

export async function runRulesList(opts: RulesOptions, io: Io): Promise<number> {
  const rules = activeRules(loadScanConfig(io.cwd, opts.config));
  const width = Math.max(...rules.map((r) => r.id.length), 2);
  for (const r of rules) {
    io.stdout.write(`${r.id.padEnd(width)}  ${r.severity.padEnd(8)}  ${r.description}\n`);
  }
  io.stdout.write(`${rules.length} rules\n`);
  return 0;
}

export async function runRulesTest(opts: RulesOptions, io: Io): Promise<number> {
  const config = loadScanConfig(io.cwd, opts.config);
  const rules = activeRules(config);
  const results = runRuleExamples(compileRules(rules, config));
  const failed = results.filter((r) => !r.ok);
  for (const f of failed) {
    const want = f.kind === 'match' ? 'should match but did not' : 'should not match but did';
    io.stdout.write(`FAIL ${f.ruleId}: example ${want}: ${JSON.stringify(f.example)}\n`);
  }
  io.stdout.write(`${results.length - failed.length} passed, ${failed.length} failed (${rules.length} rules)\n`);
  return failed.length > 0 ? 1 : 0;
}

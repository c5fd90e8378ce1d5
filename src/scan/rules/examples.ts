import { detectWithRule } from '../engine/detect.js';
import type { CompiledRules } from './compile.js';

/** Outcome of one rule example: a `match` example must yield a finding of its rule, `noMatch` none. */
export interface ExampleResult {
  readonly ruleId: string;
  readonly source: string;
  readonly kind: 'match' | 'noMatch';
  /** Position in the rule's list of examples of this kind, 0-based. */
  readonly index: number;
  readonly ok: boolean;
  /** The example itself. Rule examples are fake by construction, so showing them is safe. */
  readonly example: string;
  /** Why it failed, in words for `sealguard rules test`. */
  readonly reason?: string;
}

/** Run every rule's own examples; each rule runs alone so another rule's finding cannot hide a failure. */
export function runRuleExamples(compiled: CompiledRules): ExampleResult[] {
  const results: ExampleResult[] = [];
  for (const rule of compiled.rules) {
    const { id, source, examples } = rule.spec;
    const found = (text: string): boolean =>
      detectWithRule(rule, { path: 'example.txt', text }).some((f) => f.ruleId === id);
    examples.match.forEach((text, index) => {
      const ok = found(text);
      results.push({ ruleId: id, source, kind: 'match', index, example: text, ok, ...(ok ? {} : { reason: 'expected a finding, got none' }) });
    });
    examples.noMatch.forEach((text, index) => {
      const ok = !found(text);
      results.push({ ruleId: id, source, kind: 'noMatch', index, example: text, ok, ...(ok ? {} : { reason: 'expected no finding, got one' }) });
    });
  }
  return results;
}

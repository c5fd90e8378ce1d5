import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { SealguardError } from '../../shared/errors.js';
import type { RuleSpec } from '../types.js';
import { packageRoot } from './package-root.js';
import { checkRuleList } from './schema.js';
import { parseYaml, readTextFile } from './yaml-file.js';

/** The error every rule loader throws: one message, every problem as a detail line. */
export function rulesInvalid(problems: readonly string[], what = 'rules'): SealguardError {
  const n = problems.length;
  return new SealguardError('RULES_INVALID', `${n} problem${n === 1 ? '' : 's'} in ${what}`, {
    exitCode: 2,
    details: problems,
  });
}

/** Parse and check one rule file's text; `source` names it in messages. */
export function parseRuleText(text: string, source: string): { specs: RuleSpec[]; problems: string[] } {
  const parsed = parseYaml(text, source);
  if (!parsed.ok) return { specs: [], problems: parsed.problems };
  return checkRuleList(parsed.value, source, { requireExamples: true });
}

/** Load one rule file (a YAML list of rules). Throws RULES_INVALID listing every problem. */
export function loadRuleFile(path: string): RuleSpec[] {
  const { specs, problems } = parseRuleText(readTextFile(path, 'RULES_NOT_FOUND'), displayPath(path));
  if (problems.length > 0) throw rulesInvalid(problems);
  return specs;
}

/** Check several files together: a rule id must be unique across all of them. */
export function loadRuleFiles(paths: readonly string[], sourceOf: (path: string) => string = displayPath): RuleSpec[] {
  const problems: string[] = [];
  const specs: RuleSpec[] = [];
  const firstSource = new Map<string, string>();
  for (const path of paths) {
    const source = sourceOf(path);
    const result = parseRuleText(readTextFile(path, 'RULES_NOT_FOUND'), source);
    problems.push(...result.problems);
    for (const spec of result.specs) {
      const earlier = firstSource.get(spec.id);
      if (earlier !== undefined) {
        problems.push(`${source}: ${spec.id}: duplicate id (already defined in ${earlier})`);
        continue;
      }
      firstSource.set(spec.id, source);
      specs.push(spec);
    }
  }
  if (problems.length > 0) throw rulesInvalid(problems);
  return specs;
}

/** Every `*.yaml`/`*.yml` file in a folder, sorted so rule order (and report order) is stable. */
export function ruleFilesIn(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => /\.ya?ml$/.test(n))
    .sort()
    .map((n) => join(dir, n))
    .filter((p) => statSync(p).isFile());
}

/**
 * The rules shipped in `<package root>/rules/*.yaml`. When the build wrote `dist/rules.json` and it is
 * newer than every rule file, that pre-checked copy is used so start-up skips YAML parsing.
 */
export function loadBuiltinRules(): RuleSpec[] {
  const root = packageRoot();
  const files = ruleFilesIn(join(root, 'rules'));
  return loadRuleFiles(files, (p) => relative(root, p).split(sep).join('/'));
}

function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  const shown = rel === '' || rel.startsWith('..') ? path : rel;
  return shown.split(sep).join('/');
}

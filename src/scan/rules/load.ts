import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { SealguardError } from '../../shared/errors.js';
import type { RuleSpec } from '../types.js';
import { packageRoot } from './package-root.js';
import { followSpecOf, followSpecsFromData, followSpecsToData, rememberFollowSpec, type FollowSpecsData } from './follow-filter.js';
import { checkRuleList, markValidated } from './schema.js';
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

/** Where the build writes the checked built-in rules (see scripts/build.mjs). */
export const PRECOMPILED_RULES = 'dist/rules.json';

interface PrecompiledRules {
  readonly format: 2;
  /** Names of the rule files it was built from, to notice an added or removed file. */
  readonly files: readonly string[];
  readonly specs: readonly RuleSpec[];
  /** Beside each spec, its follow filter (follow-filter.ts), worked out at build time. */
  readonly follow: FollowSpecsData;
}

/**
 * The rules shipped in `<package root>/rules/*.yaml`. When the build wrote `dist/rules.json` from the
 * same files and it is newer than each of them, that checked copy is used: start-up then skips YAML
 * parsing and RE2 validation, and each rule's regex is compiled only when the rule first runs.
 */
export function loadBuiltinRules(): RuleSpec[] {
  const root = packageRoot();
  const files = ruleFilesIn(join(root, 'rules'));
  return readPrecompiled(root, files) ?? loadRuleFiles(files, (p) => relative(root, p).split(sep).join('/'));
}

function readPrecompiled(root: string, files: readonly string[]): RuleSpec[] | undefined {
  const path = join(root, PRECOMPILED_RULES);
  try {
    const builtAt = statSync(path).mtimeMs;
    if (files.some((f) => statSync(f).mtimeMs > builtAt)) return undefined;
    const data = JSON.parse(readFileSync(path, 'utf8')) as PrecompiledRules;
    const names = files.map((f) => basename(f));
    if (data.format !== 2 || data.files.length !== names.length || data.files.some((n, i) => n !== names[i])) {
      return undefined;
    }
    // Filters that do not read back are worked out again when the rules compile.
    const follow = followSpecsFromData(data.follow);
    return data.specs.map((s, i) => {
      const spec = markValidated({ ...s });
      const f = follow?.[i];
      if (f !== undefined) rememberFollowSpec(spec, f ?? undefined);
      return spec;
    });
  } catch {
    // Missing or unreadable: the YAML files are the source of truth anyway.
    return undefined;
  }
}

/** Check the built-in YAML rules and write them as `dist/rules.json`. Throws RULES_INVALID like the loader. */
export function writePrecompiledRules(root: string = packageRoot()): { path: string; rules: number } {
  const files = ruleFilesIn(join(root, 'rules'));
  const specs = loadRuleFiles(files, (p) => relative(root, p).split(sep).join('/'));
  const follow = followSpecsToData(specs.map((s) => followSpecOf(s)));
  const data: PrecompiledRules = { format: 2, files: files.map((f) => basename(f)), specs, follow };
  const path = join(root, PRECOMPILED_RULES);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(data));
  return { path, rules: specs.length };
}

function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  const shown = rel === '' || rel.startsWith('..') ? path : rel;
  return shown.split(sep).join('/');
}

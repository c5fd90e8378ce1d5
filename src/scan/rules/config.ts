import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SealguardError } from '../../shared/errors.js';
import type { RuleSpec } from '../types.js';
import { checkRegexList, checkRuleList, isRecord, stringList } from './schema.js';
import { compileRe2 } from './regex.js';
import { parseYaml, readTextFile } from './yaml-file.js';
import type { FindingAllowlist } from './finding-allowlist.js';
import { GITLEAKS_CONFIG_NAME, parseGitleaksConfig } from './gitleaks-config.js';

/** The user's scan configuration (`.sealguard.yaml` or `--config F`), after validation. */
export interface ScanConfig {
  readonly extend: { readonly useDefault: boolean };
  /** Rules added by the user; a rule with a built-in id replaces the built-in one. */
  readonly rules: readonly RuleSpec[];
  readonly disabledRules: readonly string[];
  readonly allow: GlobalAllow;
  /** The file the config came from, or undefined when defaults were used. */
  readonly source?: string;
  /** Something the user should be told once on stderr (e.g. that `.gitleaks.toml` is being used). */
  readonly notice?: string;
  /** Allowlists checked on finished findings (from a gitleaks config); see withoutAllowlisted. */
  readonly findingAllowlists?: readonly FindingAllowlist[];
}

export interface GlobalAllow {
  /** Paths never scanned: a glob (`test/fixtures/**`, `*.lock`) or, when it looks like one, a regex. */
  readonly paths: readonly string[];
  /** Regexes tested against each secret. */
  readonly regexes: readonly string[];
  /** Case-insensitive substrings; a secret containing one is not reported. */
  readonly stopwords: readonly string[];
}

export const DEFAULT_CONFIG_NAMES = ['.sealguard.yaml', '.sealguard.yml'] as const;

export function defaultScanConfig(): ScanConfig {
  return { extend: { useDefault: true }, rules: [], disabledRules: [], allow: { paths: [], regexes: [], stopwords: [] } };
}

/**
 * A path pattern is a regex when it uses regex-only syntax (anchors, escapes, groups, `.*`, `+`);
 * everything else is a glob, which is what most people write for paths.
 */
export function isRegexPathPattern(pattern: string): boolean {
  return /[\^$\\()|+]|\.\*/.test(pattern);
}

const CONFIG_FIELDS = new Set(['extend', 'rules', 'disabledRules', 'allow']);

/**
 * Load `.sealguard.yaml` (or `.sealguard.yml`) from `root`, or `explicitPath` when given. Without
 * either, an existing `.gitleaks.toml` at the root is read instead (its notice says so); a `.toml`
 * given explicitly is read as a gitleaks config too. A missing default file means defaults; a missing
 * explicit file is an error. Every problem is reported at once.
 */
export function loadScanConfig(root: string, explicitPath?: string): ScanConfig {
  let path: string | undefined;
  if (explicitPath !== undefined) path = resolve(root, explicitPath);
  else path = DEFAULT_CONFIG_NAMES.map((n) => join(root, n)).find((p) => existsSync(p));
  if (path === undefined) {
    const gitleaks = join(root, GITLEAKS_CONFIG_NAME);
    if (!existsSync(gitleaks)) return defaultScanConfig();
    const config = parseGitleaksConfig(readTextFile(gitleaks, 'CONFIG_NOT_FOUND'), GITLEAKS_CONFIG_NAME);
    return { ...config, notice: `no .sealguard.yaml; ${config.notice ?? ''}` };
  }
  const source = explicitPath ?? path.slice(root.length).replace(/^[\\/]+/, '');
  const text = readTextFile(path, 'CONFIG_NOT_FOUND');
  if (/\.toml$/i.test(path)) return parseGitleaksConfig(text, source);
  return parseScanConfig(text, source);
}

/** Validate config text; `source` names the file in messages. */
export function parseScanConfig(text: string, source: string): ScanConfig {
  const parsed = parseYaml(text, source);
  if (!parsed.ok) throw configInvalid(parsed.problems, source);
  const raw = parsed.value;
  if (raw === null || raw === undefined) return { ...defaultScanConfig(), source };
  if (!isRecord(raw)) throw configInvalid([`${source}: must be a YAML map (extend, rules, disabledRules, allow)`], source);

  const problems: string[] = [];
  const prefix = `${source}: `;
  for (const key of Object.keys(raw)) {
    if (!CONFIG_FIELDS.has(key)) problems.push(`${prefix}unknown field '${key}' (expected ${[...CONFIG_FIELDS].join(', ')})`);
  }

  let useDefault = true;
  if (raw.extend !== undefined) {
    if (!isRecord(raw.extend)) problems.push(`${prefix}extend must be a map like {useDefault: true}`);
    else {
      for (const key of Object.keys(raw.extend)) {
        if (key !== 'useDefault') problems.push(`${prefix}unknown field extend.${key} (expected useDefault)`);
      }
      const u = raw.extend.useDefault;
      if (u !== undefined && typeof u !== 'boolean') problems.push(`${prefix}extend.useDefault must be true or false`);
      else if (u === false) useDefault = false;
    }
  }

  const rulesResult = checkRuleList(raw.rules ?? [], source, { requireExamples: false });
  problems.push(...rulesResult.problems);

  const disabledRules = stringList(raw.disabledRules, 'disabledRules', problems, prefix) ?? [];

  const allow = { paths: [] as string[], regexes: [] as string[], stopwords: [] as string[] };
  if (raw.allow !== undefined) {
    if (!isRecord(raw.allow)) problems.push(`${prefix}allow must be a map with paths, regexes, stopwords`);
    else {
      for (const key of Object.keys(raw.allow)) {
        if (!['paths', 'regexes', 'stopwords'].includes(key)) {
          problems.push(`${prefix}unknown field allow.${key} (expected paths, regexes, stopwords)`);
        }
      }
      allow.paths = stringList(raw.allow.paths, 'allow.paths', problems, prefix) ?? [];
      allow.regexes = stringList(raw.allow.regexes, 'allow.regexes', problems, prefix) ?? [];
      allow.stopwords = stringList(raw.allow.stopwords, 'allow.stopwords', problems, prefix) ?? [];
      checkRegexList(allow.regexes, 'allow.regexes', problems, prefix);
      allow.paths.forEach((p, i) => {
        if (!isRegexPathPattern(p)) return;
        const r = compileRe2(p, '');
        if (!r.ok) problems.push(`${prefix}allow.paths[${i}] is not a valid RE2 regex: ${r.error}`);
      });
    }
  }

  if (problems.length > 0) throw configInvalid(problems, source);
  return { extend: { useDefault }, rules: rulesResult.specs, disabledRules, allow, source };
}

function configInvalid(problems: readonly string[], source: string): SealguardError {
  const n = problems.length;
  return new SealguardError('CONFIG_INVALID', `${n} problem${n === 1 ? '' : 's'} in ${source}`, {
    exitCode: 2,
    details: problems,
  });
}

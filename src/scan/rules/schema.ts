import type { RuleAllow, RuleSpec, Severity } from '../types.js';
import { compileRe2 } from './regex.js';

/**
 * Schema check of rules as parsed from YAML: every problem is collected (not just the first), each
 * prefixed `<file>: <rule id>: `, so one run of `sealguard rules test` shows everything to fix.
 */

const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];
const RULE_FIELDS = new Set([
  'id', 'description', 'regex', 'secretGroup', 'keywords', 'entropy', 'path', 'allow', 'validate', 'tags', 'severity', 'examples',
]);
/** Checksums the engine knows how to verify (src/scan/engine/checksum.ts). */
const VALIDATORS: readonly NonNullable<RuleSpec['validate']>[] = ['github-crc32'];
const ALLOW_FIELDS = new Set(['regexes', 'stopwords', 'paths']);
const EXAMPLE_FIELDS = new Set(['match', 'noMatch']);
const KEBAB_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** Entropy is measured in bits per character; above 8 no realistic secret would ever pass. */
const MAX_ENTROPY = 8;

/**
 * Specs whose patterns RE2 already accepted (checked here, or by the build for dist/rules.json);
 * the compiler may then defer compiling their regex until a keyword makes the rule run.
 */
const validated = new WeakSet<RuleSpec>();

export function markValidated<T extends RuleSpec>(spec: T): T {
  validated.add(spec);
  return spec;
}

export function isValidated(spec: RuleSpec): boolean {
  return validated.has(spec);
}

export interface RuleCheckOptions {
  /** Built-in rules must carry examples; user rules may omit them. */
  readonly requireExamples: boolean;
}

export interface RuleCheckResult {
  readonly specs: RuleSpec[];
  readonly problems: string[];
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (isRecord(v)) return 'a map';
  return `a ${typeof v}`;
}

/** A list of strings, or a problem message. `undefined` stays absent. */
export function stringList(v: unknown, field: string, problems: string[], prefix: string): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) {
    problems.push(`${prefix}${field} must be a list of strings, got ${typeName(v)}`);
    return undefined;
  }
  const out: string[] = [];
  v.forEach((item, i) => {
    if (typeof item !== 'string') problems.push(`${prefix}${field}[${i}] must be a string, got ${typeName(item)}`);
    else out.push(item);
  });
  return out;
}

/** Regex problems are reported with RE2's reason; patterns themselves are not secrets. */
export function checkRegexList(list: readonly string[] | undefined, field: string, problems: string[], prefix: string): void {
  list?.forEach((pattern, i) => {
    const r = compileRe2(pattern, '');
    if (!r.ok) problems.push(`${prefix}${field}[${i}] is not a valid RE2 regex: ${r.error}`);
  });
}

function checkAllow(v: unknown, problems: string[], prefix: string): RuleAllow | undefined {
  if (v === undefined) return undefined;
  if (!isRecord(v)) {
    problems.push(`${prefix}allow must be a map with regexes, stopwords, paths; got ${typeName(v)}`);
    return undefined;
  }
  for (const key of Object.keys(v)) {
    if (!ALLOW_FIELDS.has(key)) problems.push(`${prefix}unknown field allow.${key} (expected regexes, stopwords, paths)`);
  }
  const regexes = stringList(v.regexes, 'allow.regexes', problems, prefix);
  const stopwords = stringList(v.stopwords, 'allow.stopwords', problems, prefix);
  const paths = stringList(v.paths, 'allow.paths', problems, prefix);
  checkRegexList(regexes, 'allow.regexes', problems, prefix);
  checkRegexList(paths, 'allow.paths', problems, prefix);
  return {
    ...(regexes ? { regexes } : {}),
    ...(stopwords ? { stopwords } : {}),
    ...(paths ? { paths } : {}),
  };
}

function checkExamples(
  v: unknown,
  problems: string[],
  prefix: string,
  required: boolean,
): { match: string[]; noMatch: string[] } {
  const empty = { match: [], noMatch: [] };
  if (v === undefined) {
    if (required) problems.push(`${prefix}missing examples (every rule needs examples.match and examples.noMatch)`);
    return empty;
  }
  if (!isRecord(v)) {
    problems.push(`${prefix}examples must be a map with match and noMatch lists, got ${typeName(v)}`);
    return empty;
  }
  for (const key of Object.keys(v)) {
    if (!EXAMPLE_FIELDS.has(key)) problems.push(`${prefix}unknown field examples.${key} (expected match, noMatch)`);
  }
  const match = stringList(v.match, 'examples.match', problems, prefix) ?? [];
  const noMatch = stringList(v.noMatch, 'examples.noMatch', problems, prefix) ?? [];
  if (required && match.length === 0) problems.push(`${prefix}missing examples.match (at least one string the rule must find)`);
  if (required && v.noMatch === undefined) problems.push(`${prefix}missing examples.noMatch (strings the rule must not find)`);
  return { match, noMatch };
}

/** Check one raw rule. Returns the spec when it has no problems. */
export function checkRule(raw: unknown, index: number, source: string, options: RuleCheckOptions, problems: string[]): RuleSpec | undefined {
  if (!isRecord(raw)) {
    problems.push(`${source}: rule #${index + 1}: must be a map of fields, got ${typeName(raw)}`);
    return undefined;
  }
  const before = problems.length;
  const id = raw.id;
  const label = typeof id === 'string' && id.length > 0 ? id : `rule #${index + 1}`;
  const prefix = `${source}: ${label}: `;

  for (const key of Object.keys(raw)) {
    if (!RULE_FIELDS.has(key)) problems.push(`${prefix}unknown field '${key}'`);
  }
  if (typeof id !== 'string' || id.length === 0) problems.push(`${prefix}missing id`);
  else if (!KEBAB_ID.test(id)) problems.push(`${prefix}id must be kebab-case (lower-case letters, digits, single dashes)`);

  const description = raw.description;
  if (typeof description !== 'string' || description.trim().length === 0) {
    problems.push(`${prefix}description must be a non-empty string`);
  }

  const regex = raw.regex;
  let groups = 0;
  let regexOk = false;
  if (typeof regex !== 'string' || regex.length === 0) {
    problems.push(`${prefix}regex must be a non-empty string`);
  } else {
    const r = compileRe2(regex, 'gd');
    if (r.ok) {
      groups = r.groups;
      regexOk = true;
    } else problems.push(`${prefix}regex is not valid RE2 syntax (no look-around or backreferences): ${r.error}`);
  }

  const secretGroup = raw.secretGroup;
  if (secretGroup !== undefined) {
    if (typeof secretGroup !== 'number' || !Number.isInteger(secretGroup) || secretGroup < 0) {
      problems.push(`${prefix}secretGroup must be a whole number >= 0`);
    } else if (regexOk && secretGroup > groups) {
      problems.push(`${prefix}secretGroup ${secretGroup} is beyond the regex's ${groups} capture group(s)`);
    }
  }

  const keywords = stringList(raw.keywords, 'keywords', problems, prefix) ?? [];
  keywords.forEach((k, i) => {
    if (k.length === 0) problems.push(`${prefix}keywords[${i}] is empty`);
    else if (k !== k.toLowerCase()) problems.push(`${prefix}keywords[${i}] '${k}' must be lower-case`);
  });

  const entropy = raw.entropy;
  if (entropy !== undefined && (typeof entropy !== 'number' || !(entropy >= 0 && entropy <= MAX_ENTROPY))) {
    problems.push(`${prefix}entropy must be a number from 0 to ${MAX_ENTROPY}`);
  }

  const path = raw.path;
  if (path !== undefined) {
    if (typeof path !== 'string' || path.length === 0) problems.push(`${prefix}path must be a non-empty regex string`);
    else {
      const r = compileRe2(path, '');
      if (!r.ok) problems.push(`${prefix}path is not valid RE2 syntax: ${r.error}`);
    }
  }

  const allow = checkAllow(raw.allow, problems, prefix);
  const validate = raw.validate;
  if (validate !== undefined && (typeof validate !== 'string' || !(VALIDATORS as readonly string[]).includes(validate))) {
    problems.push(`${prefix}validate must be one of ${VALIDATORS.join(', ')}`);
  }
  const tags = stringList(raw.tags, 'tags', problems, prefix) ?? [];
  const severity = raw.severity ?? 'high';
  if (typeof severity !== 'string' || !(SEVERITIES as readonly string[]).includes(severity)) {
    problems.push(`${prefix}severity must be one of ${SEVERITIES.join(', ')}`);
  }
  const examples = checkExamples(raw.examples, problems, prefix, options.requireExamples);

  if (problems.length > before) return undefined;
  return markValidated({
    id: id as string,
    description: (description as string).trim(),
    regex: regex as string,
    ...(secretGroup !== undefined ? { secretGroup: secretGroup as number } : {}),
    keywords,
    ...(entropy !== undefined ? { entropy: entropy as number } : {}),
    ...(path !== undefined ? { path: path as string } : {}),
    ...(allow !== undefined ? { allow } : {}),
    ...(validate !== undefined ? { validate: validate as NonNullable<RuleSpec['validate']> } : {}),
    tags,
    severity: severity as Severity,
    examples,
    source,
  });
}

/** Check a YAML document that must be a list of rules. Duplicate ids inside the list are problems too. */
export function checkRuleList(raw: unknown, source: string, options: RuleCheckOptions): RuleCheckResult {
  const problems: string[] = [];
  if (raw === null || raw === undefined) return { specs: [], problems };
  if (!Array.isArray(raw)) {
    return { specs: [], problems: [`${source}: must be a YAML list of rules, got ${typeName(raw)}`] };
  }
  const specs: RuleSpec[] = [];
  raw.forEach((item, i) => {
    const spec = checkRule(item, i, source, options, problems);
    if (spec) specs.push(spec);
  });
  problems.push(...duplicateIdProblems(raw, source));
  return { specs, problems };
}

function duplicateIdProblems(raw: readonly unknown[], source: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const item of raw) {
    if (!isRecord(item) || typeof item.id !== 'string') continue;
    if (seen.has(item.id)) out.push(`${source}: ${item.id}: duplicate id (already defined earlier in this file)`);
    seen.add(item.id);
  }
  return out;
}

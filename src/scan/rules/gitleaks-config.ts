import { createRequire } from 'node:module';
import { SealguardError } from '../../shared/errors.js';
import type { RuleAllow, RuleSpec } from '../types.js';
import type { ScanConfig } from './config.js';
import type { FindingAllowlist } from './finding-allowlist.js';
import { compileRe2, countGroups } from './regex.js';
import { isRecord } from './schema.js';

/**
 * Reads a gitleaks config (`.gitleaks.toml`) as a sealguard scan config, so a team can switch without
 * rewriting it. gitleaks patterns are Go RE2 syntax and we run RE2 too, so they keep their meaning;
 * a pattern RE2 rejects is an error naming the rule. What gitleaks can express and our engine cannot
 * (AND allowlists, commit lists, match/line targets, allowlists on rules we do not have) becomes a
 * FindingAllowlist applied to the finished findings.
 */

export const GITLEAKS_CONFIG_NAME = '.gitleaks.toml';

type TomlParse = (text: string) => Record<string, unknown>;
let tomlParse: TomlParse | undefined;
/** smol-toml is loaded only when a gitleaks config exists: most scans never need a TOML parser. */
function parseToml(text: string): Record<string, unknown> {
  tomlParse ??= (createRequire(import.meta.url)('smol-toml') as { parse: TomlParse }).parse;
  return tomlParse(text);
}

const ALLOWLIST_KEYS = new Set(['description', 'condition', 'commits', 'paths', 'regexTarget', 'regexes', 'stopwords', 'targetRules']);

interface Context {
  readonly source: string;
  readonly problems: string[];
  readonly skipped: string[];
}

function strings(v: unknown, field: string, where: string, ctx: Context): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) {
    ctx.problems.push(`${where}: ${field} must be an array of strings`);
    return [];
  }
  return v as string[];
}

/** The pattern when RE2 compiles it, else a problem naming the rule and field. */
function regex(pattern: string, field: string, where: string, ctx: Context, flags = ''): string | undefined {
  const r = compileRe2(pattern, flags);
  if (r.ok) return pattern;
  ctx.problems.push(`${where}: ${field} is not valid RE2 syntax: ${r.error}`);
  return undefined;
}

/** One `[allowlist]`, `[[allowlists]]` or rule allowlist table. */
function allowlist(raw: unknown, where: string, ctx: Context, ruleIds: readonly string[] | undefined): FindingAllowlist | undefined {
  if (!isRecord(raw)) {
    ctx.problems.push(`${where}: must be a table`);
    return undefined;
  }
  for (const key of Object.keys(raw)) {
    if (!ALLOWLIST_KEYS.has(key)) ctx.skipped.push(`${where}.${key} (not a gitleaks allowlist field)`);
  }
  const cond = typeof raw.condition === 'string' ? raw.condition.toUpperCase() : raw.condition === undefined ? 'OR' : undefined;
  let condition: 'or' | 'and' = 'or';
  if (cond === 'AND' || cond === '&&') condition = 'and';
  else if (cond !== 'OR' && cond !== '||' && cond !== '') ctx.problems.push(`${where}: condition must be "OR" or "AND"`);
  const target = raw.regexTarget ?? 'secret';
  if (target !== 'secret' && target !== 'match' && target !== 'line') {
    ctx.problems.push(`${where}: regexTarget must be "secret", "match" or "line"`);
  }
  const paths = strings(raw.paths, 'paths', where, ctx).flatMap((p, i) => regex(p, `paths[${i}]`, where, ctx) ?? []);
  const regexes = strings(raw.regexes, 'regexes', where, ctx).flatMap((p, i) => regex(p, `regexes[${i}]`, where, ctx) ?? []);
  const targets = strings(raw.targetRules, 'targetRules', where, ctx);
  return {
    source: `${ctx.source}: ${where}`,
    ...(ruleIds ? { ruleIds } : targets.length > 0 ? { ruleIds: targets } : {}),
    condition,
    commits: strings(raw.commits, 'commits', where, ctx).map((c) => c.toLowerCase()),
    paths,
    regexTarget: target === 'match' || target === 'line' ? target : 'secret',
    regexes,
    stopwords: strings(raw.stopwords, 'stopwords', where, ctx).map((w) => w.toLowerCase()).filter((w) => w !== ''),
  };
}

/** Tables that both the old single form (`[allowlist]`) and the current list form (`[[allowlists]]`) may hold. */
function allowlistTables(single: unknown, list: unknown, where: string, ctx: Context): [unknown, string][] {
  const out: [unknown, string][] = [];
  if (single !== undefined) out.push([single, `${where}allowlist`]);
  if (list !== undefined) {
    if (!Array.isArray(list)) ctx.problems.push(`${where}allowlists must be an array of tables ([[…allowlists]])`);
    else list.forEach((t, i) => out.push([t, `${where}allowlists[${i}]`]));
  }
  return out;
}

/**
 * A path regex as the engine's allowlist takes it: wrapped in a group, so the glob-or-regex guess in
 * config.ts always reads it as the (unanchored) regex gitleaks means.
 */
function asRegexPath(pattern: string): string {
  return `(?:${pattern})`;
}

function rule(raw: unknown, index: number, ctx: Context, specs: RuleSpec[], allowlists: FindingAllowlist[]): void {
  if (!isRecord(raw)) {
    ctx.problems.push(`rules[${index}]: must be a table`);
    return;
  }
  const id = typeof raw.id === 'string' && raw.id !== '' ? raw.id : undefined;
  const where = id ? `rule '${id}'` : `rules[${index}]`;
  if (!id) ctx.problems.push(`${where}: missing id`);
  const tables = allowlistTables(raw.allowlist, raw.allowlists, `${where}: `, ctx);
  const lists = tables.flatMap(([t, w]) => allowlist(t, w, ctx, id ? [id] : undefined) ?? []);
  if (raw.required !== undefined) ctx.skipped.push(`${where}: [[rules.required]] (composite rules are not supported)`);
  if (raw.skipReport === true) {
    // Such a rule only feeds another rule's [[rules.required]]; reporting it would be noise.
    ctx.skipped.push(`${where}: skipReport rule`);
    return;
  }

  if (raw.regex === undefined) {
    // An id with only allowlists refines a rule defined elsewhere (gitleaks' default pack, or ours).
    if (raw.path !== undefined) ctx.skipped.push(`${where}: path-only rule (no regex)`);
    allowlists.push(...lists);
    return;
  }
  if (typeof raw.regex !== 'string' || raw.regex === '') {
    ctx.problems.push(`${where}: regex must be a non-empty string`);
    return;
  }
  const main = regex(raw.regex, 'regex', where, ctx, 'gd');
  const path = typeof raw.path === 'string' && raw.path !== '' ? raw.path : undefined;
  if (path !== undefined) regex(path, 'path', where, ctx);
  const groups = main ? countGroups(raw.regex) : 0;
  const secretGroup = raw.secretGroup;
  if (secretGroup !== undefined && (typeof secretGroup !== 'number' || !Number.isInteger(secretGroup) || secretGroup < 0)) {
    ctx.problems.push(`${where}: secretGroup must be a whole number >= 0`);
  } else if (main && typeof secretGroup === 'number' && secretGroup > groups) {
    ctx.problems.push(`${where}: secretGroup ${secretGroup} is beyond the regex's ${groups} capture group(s)`);
  }
  if (raw.entropy !== undefined && typeof raw.entropy !== 'number') ctx.problems.push(`${where}: entropy must be a number`);
  const description = typeof raw.description === 'string' && raw.description.trim() !== '' ? raw.description.trim() : id;
  if (!id || !main) return;

  // Lists that only name paths (OR) can go to the engine, which then skips the files altogether.
  const enginePaths = lists.every((l) => l.condition === 'or' && l.commits.length === 0 && l.regexes.length === 0 && l.stopwords.length === 0)
    ? tables.flatMap(([t]) => (isRecord(t) && Array.isArray(t.paths) ? (t.paths as string[]) : []))
    : [];
  const allow: RuleAllow | undefined = enginePaths.length > 0 ? { paths: enginePaths } : undefined;
  if (enginePaths.length === 0) allowlists.push(...lists);

  specs.push({
    id,
    description: description ?? id,
    regex: raw.regex,
    // gitleaks' secretGroup 0 means "the default", not "the whole match".
    ...(typeof secretGroup === 'number' && secretGroup > 0 ? { secretGroup } : {}),
    keywords: strings(raw.keywords, 'keywords', where, ctx).map((k) => k.toLowerCase()).filter((k) => k !== ''),
    ...(typeof raw.entropy === 'number' && raw.entropy > 0 ? { entropy: raw.entropy } : {}),
    ...(path !== undefined ? { path } : {}),
    ...(allow ? { allow } : {}),
    tags: strings(raw.tags, 'tags', where, ctx),
    severity: 'high',
    examples: { match: [], noMatch: [] },
    source: ctx.source,
  });
}

function fail(problems: readonly string[], source: string): SealguardError {
  if (problems.length === 1) return new SealguardError('CONFIG_INVALID', `${source}: ${problems[0]}`, { exitCode: 2 });
  return new SealguardError('CONFIG_INVALID', `${problems.length} problems in ${source}`, {
    exitCode: 2,
    details: problems.map((p) => `${source}: ${p}`),
  });
}

/** Translate gitleaks config text; `source` names the file in messages. Throws CONFIG_INVALID (exit 2). */
export function parseGitleaksConfig(text: string, source: string): ScanConfig {
  let raw: Record<string, unknown>;
  try {
    raw = parseToml(text);
  } catch (e) {
    const err = e as { line?: number; message?: string };
    // smol-toml's message quotes the offending line; only its first line (the reason) is kept.
    const reason = String(err.message ?? 'invalid TOML').split('\n')[0];
    throw fail([`${err.line !== undefined ? `line ${err.line}: ` : ''}${reason}`], source);
  }
  const ctx: Context = { source, problems: [], skipped: [] };

  let useDefault = false;
  let disabledRules: string[] = [];
  if (raw.extend !== undefined) {
    if (!isRecord(raw.extend)) ctx.problems.push('[extend] must be a table');
    else {
      const u = raw.extend.useDefault;
      if (u !== undefined && typeof u !== 'boolean') ctx.problems.push('[extend] useDefault must be true or false');
      useDefault = u === true;
      disabledRules = strings(raw.extend.disabledRules, 'disabledRules', '[extend]', ctx);
      if (raw.extend.path !== undefined || raw.extend.url !== undefined) ctx.skipped.push('[extend] path/url (only useDefault is read)');
    }
  }

  const specs: RuleSpec[] = [];
  const allowlists: FindingAllowlist[] = [];
  if (raw.rules !== undefined) {
    if (!Array.isArray(raw.rules)) ctx.problems.push('rules must be an array of tables ([[rules]])');
    else raw.rules.forEach((r, i) => rule(r, i, ctx, specs, allowlists));
  }
  const seen = new Set<string>();
  for (const s of specs) {
    if (seen.has(s.id)) ctx.problems.push(`rule '${s.id}': duplicate id`);
    seen.add(s.id);
  }

  const globalPaths: string[] = [];
  for (const [table, where] of allowlistTables(raw.allowlist, raw.allowlists, '', ctx)) {
    const list = allowlist(table, where, ctx, undefined);
    if (!list) continue;
    const pathsOnly =
      list.ruleIds === undefined && list.condition === 'or' && list.commits.length === 0 && list.regexes.length === 0 && list.stopwords.length === 0;
    if (pathsOnly && isRecord(table) && Array.isArray(table.paths)) globalPaths.push(...(table.paths as string[]).map(asRegexPath));
    else {
      // Paths of an OR list can still spare the engine whole files; the rest is checked on findings.
      if (list.ruleIds === undefined && list.condition === 'or' && isRecord(table) && Array.isArray(table.paths)) {
        globalPaths.push(...(table.paths as string[]).map(asRegexPath));
      }
      allowlists.push(list);
    }
  }

  if (ctx.problems.length > 0) throw fail(ctx.problems, source);
  const skipped = ctx.skipped.length > 0 ? `; not supported, ignored: ${ctx.skipped.join(', ')}` : '';
  return {
    extend: { useDefault },
    rules: specs,
    disabledRules,
    allow: { paths: globalPaths, regexes: [], stopwords: [] },
    source,
    ...(allowlists.length > 0 ? { findingAllowlists: allowlists } : {}),
    notice: `using ${source} (gitleaks config: ${specs.length} rule${specs.length === 1 ? '' : 's'}${useDefault ? ' plus the built-in rules' : ''})${skipped}`,
  };
}

import { createRequire } from 'node:module';
import type { RuleSpec } from '../types.js';
import type { GlobalAllow, ScanConfig } from './config.js';
import { isRegexPathPattern } from './config.js';
import { encodedKeywords, type EncodedKeyword, type Encoding, type KeywordSource } from './encoded-keywords.js';
import { followSpecOf, type FollowCheck } from './follow-filter.js';
import { hitFilterFor, type HitFilter } from './hit-filter.js';
import { KeywordMatcher } from './keywords.js';
import { encodePrebuiltKeywords, keywordsKey, readPrebuiltKeywords } from './prebuilt-keywords.js';
import { rulesInvalid } from './load.js';
import { compileRe2, countGroups, re2Test, spansLines, type Re2 } from './regex.js';
import { runAnchorFor, type RunAnchor } from './run-anchor.js';
import { isValidated } from './schema.js';

/**
 * micromatch is loaded only when a config uses a glob: most scans (and every pre-commit hook without
 * globs) then skip initialising it and its dependencies.
 */
let micromatchModule: typeof import('micromatch') | undefined;
function loadMicromatch(): typeof import('micromatch') {
  micromatchModule ??= createRequire(import.meta.url)('micromatch') as typeof import('micromatch');
  return micromatchModule;
}

/** A rule ready to run: patterns compiled once, lists normalised for the engine's hot path. */
export interface CompiledRule {
  readonly spec: RuleSpec;
  /** The rule's regex with flags `gd` (walk all matches, report group offsets). */
  readonly regex: Re2;
  /** Number of capture groups in the regex. */
  readonly groups: number;
  readonly path?: Re2;
  readonly allowPaths: readonly Re2[];
  readonly allowRegexes: readonly Re2[];
  /** Lower-cased stopwords. */
  readonly stopwords: readonly string[];
  /** Generic rules (tag `generic` or id `generic-…`) lose to a provider rule that finds the same secret. */
  readonly generic: boolean;
  /**
   * The regex with counted repetitions of 16 or more made unbounded, without capture offsets:
   * it matches wherever the regex does (and perhaps more), and its smaller DFA says "no match here"
   * sooner. Absent when it would be the regex itself.
   */
  readonly probe?: Re2;
  /** Whether the regex can span lines (PEM blocks): its matches are searched far past the keyword. */
  readonly multiline: boolean;
  /** Lower-cased keywords, for checks outside the shared automaton (rule examples). */
  readonly keywords: readonly string[];
  /**
   * For a rule without keywords, the run of one class its every match contains (see run-anchor.ts):
   * the regex then runs only around such runs instead of over the whole fragment.
   */
  readonly runAnchor?: RunAnchor;
  /**
   * What must follow a keyword occurrence for it to start this rule's keyword part (see
   * follow-filter.ts), tested anchored at the occurrence's start; absent when the regex says nothing
   * this can use.
   */
  readonly follow?: Re2;
}

export interface CompiledAllow {
  readonly paths: readonly ((path: string) => boolean)[];
  readonly regexes: readonly Re2[];
  readonly stopwords: readonly string[];
}

export interface CompiledRules {
  readonly rules: readonly CompiledRule[];
  /** One automaton over every distinct keyword of every rule. */
  readonly keywords: KeywordMatcher;
  /** For each keyword id of the automaton, the indices of the rules that list it. */
  readonly keywordRules: readonly (readonly number[])[];
  /**
   * Beside each entry of `keywordRules`, the filter that drops occurrences of the keyword which cannot
   * start a match of that rule (see hit-filter.ts), or undefined.
   */
  readonly keywordFilters: readonly (readonly (HitFilter | undefined)[])[];
  /**
   * Beside each entry of `keywordRules`, how that rule's follow filter (its `follow`) reads an
   * occurrence of the keyword, or undefined when the rule has none.
   */
  readonly keywordFollow: readonly (readonly (FollowCheck | undefined)[])[];
  /** Rules without keywords: they run on every fragment. */
  readonly alwaysRun: readonly number[];
  readonly allow: CompiledAllow;
  /**
   * Keyword ids from `keywordRules.length` on are encoded forms of the keywords (see encoded-keywords.ts):
   * `decodeTriggers[id - keywordRules.length]` says which encoding and how long the pattern is. Absent
   * when nothing was derived.
   */
  readonly decodeTriggers?: readonly DecodeTrigger[];
}

export interface DecodeTrigger {
  readonly encoding: Encoding;
  readonly length: number;
}

/**
 * Compile rules for the engine. With a config: `extend.useDefault: false` drops `specs` (the built-in
 * rules), config rules are added (a config rule with a built-in id replaces that rule), and
 * `disabledRules` are removed. Throws RULES_INVALID listing every pattern RE2 rejects.
 */
export function compileRules(specs: readonly RuleSpec[], config?: ScanConfig): CompiledRules {
  const selected = selectRules(specs, config);
  const problems: string[] = [];
  const rules: CompiledRule[] = [];
  for (const spec of selected) {
    const rule = compileRule(spec, problems);
    if (rule) rules.push(rule);
  }
  const allow = compileAllow(config?.allow, config?.source ?? 'config', problems);
  if (problems.length > 0) throw rulesInvalid(problems);

  const keywordIds = new Map<string, number>();
  const keywordRules: number[][] = [];
  const keywordFilters: (HitFilter | undefined)[][] = [];
  const keywordFollow: (FollowCheck | undefined)[][] = [];
  // Rules with the same literal share one filter, so the engine filters a keyword's hits once.
  const filters = new Map<string, HitFilter>();
  const alwaysRun: number[] = [];
  // Known already for each spec (compileRule asked): a lookup, not a second analysis.
  const followSpecs = rules.map((r) => followSpecOf(r.spec));
  rules.forEach((rule, index) => {
    if (rule.keywords.length === 0) {
      alwaysRun.push(index);
      return;
    }
    for (const k of new Set(rule.keywords)) {
      let id = keywordIds.get(k);
      if (id === undefined) {
        id = keywordRules.length;
        keywordIds.set(k, id);
        keywordRules.push([]);
        keywordFilters.push([]);
        keywordFollow.push([]);
      }
      keywordRules[id].push(index);
      const filter = hitFilterFor(rule.spec.regex, k);
      if (filter && !filters.has(filter.literal)) filters.set(filter.literal, filter);
      keywordFilters[id].push(filter && filters.get(filter.literal));
      const spec = followSpecs[index];
      const next = spec?.next[k];
      keywordFollow[id].push(spec === undefined ? undefined : { back: Buffer.byteLength(k, 'utf8'), leads: spec.leads, ...(next ? { next } : {}) });
    }
  });
  const { derived, keywords } = keywordAutomaton(rules, [...keywordIds.keys()]);
  const decodeTriggers = derived.map((d) => ({ encoding: d.encoding, length: d.pattern.length }));
  return { rules, keywords, keywordRules, keywordFilters, keywordFollow, alwaysRun, allow, decodeTriggers };
}

interface KeywordAutomaton {
  /** Encoded forms of the keywords, ids from the rules' own keywords' count on. */
  readonly derived: readonly EncodedKeyword[];
  readonly keywords: KeywordMatcher;
}

/**
 * One automaton over the rules' keywords (`ids`, in id order) and their encoded forms, which share
 * it so that finding spans worth decoding costs no extra pass: the build's when it was made from
 * these very rules (see prebuilt-keywords.ts), else built here.
 */
function keywordAutomaton(rules: readonly CompiledRule[], ids: readonly string[]): KeywordAutomaton {
  const sources = keywordSources(rules);
  const prebuilt = readPrebuiltKeywords(keywordsKey(ids, sources));
  if (prebuilt !== undefined) return { derived: prebuilt.derived, keywords: new KeywordMatcher(prebuilt.table.patterns, prebuilt.table) };
  return builtAutomaton(ids, sources);
}

function builtAutomaton(ids: readonly string[], sources: readonly KeywordSource[]): KeywordAutomaton {
  const own = new Set(ids);
  const derived = encodedKeywords(sources).filter((d) => !own.has(d.pattern));
  return { derived, keywords: new KeywordMatcher([...ids, ...derived.map((d) => d.pattern)]) };
}

function keywordSources(rules: readonly CompiledRule[]): KeywordSource[] {
  return rules.map((r) => ({ keywords: r.keywords, examples: r.spec.examples.match, generic: r.generic }));
}

/** Build time: what dist/keywords.bin holds for these rules, or undefined when their automaton cannot be stored. */
export function prebuiltKeywordsFile(specs: readonly RuleSpec[]): Buffer | undefined {
  const compiled = compileRules(specs);
  const ids = compiled.keywords.table()?.patterns.slice(0, compiled.keywordRules.length);
  if (ids === undefined) return undefined;
  const sources = keywordSources(compiled.rules);
  // Built afresh: the compile above may have read an older file.
  const { derived, keywords } = builtAutomaton(ids, sources);
  const table = keywords.table();
  return table === undefined ? undefined : encodePrebuiltKeywords(keywordsKey(ids, sources), { derived, table });
}

function selectRules(specs: readonly RuleSpec[], config: ScanConfig | undefined): RuleSpec[] {
  if (!config) return [...specs];
  const byId = new Map<string, RuleSpec>();
  if (config.extend.useDefault) for (const s of specs) byId.set(s.id, s);
  for (const s of config.rules) byId.set(s.id, s);
  for (const id of config.disabledRules) byId.delete(id);
  return [...byId.values()];
}

function compileRule(spec: RuleSpec, problems: string[]): CompiledRule | undefined {
  const prefix = `${spec.source}: ${spec.id}: `;
  // What a rule needs only once it runs is worked out then (most rules never run in a pre-commit
  // scan), except for rules no loader checked, whose mistakes are reported here and now.
  const validated = isValidated(spec);
  let groups: number | undefined;
  const groupCount = (): number => (groups ??= countGroups(spec.regex));
  if (!validated) {
    // Not checked by a loader: compile now so a bad pattern is reported here, not mid-scan.
    const main = compileRe2(spec.regex, 'gd');
    if (!main.ok) {
      problems.push(`${prefix}regex is not valid RE2 syntax (no look-around or backreferences): ${main.error}`);
      return undefined;
    }
  }
  if (spec.secretGroup !== undefined && spec.secretGroup > groupCount()) {
    problems.push(`${prefix}secretGroup ${spec.secretGroup} is beyond the regex's ${groupCount()} capture group(s)`);
  }
  const one = (pattern: string, field: string): Re2 | undefined => {
    const r = compileRe2(pattern, '');
    if (r.ok) return r.regex;
    problems.push(`${prefix}${field} is not valid RE2 syntax: ${r.error}`);
    return undefined;
  };
  const many = (patterns: readonly string[] | undefined, field: string): Re2[] =>
    (patterns ?? []).flatMap((p, i) => one(p, `${field}[${i}]`) ?? []);
  const path = spec.path !== undefined ? one(spec.path, 'path') : undefined;
  let allowPaths: Re2[] | undefined;
  let allowRegexes: Re2[] | undefined;
  let multiline: boolean | undefined;
  const allowPathsOf = (): Re2[] => (allowPaths ??= many(spec.allow?.paths, 'allow.paths'));
  const allowRegexesOf = (): Re2[] => (allowRegexes ??= many(spec.allow?.regexes, 'allow.regexes'));
  if (!validated) {
    allowPathsOf();
    allowRegexesOf();
  }
  let regex: Re2 | undefined;
  let probe: Re2 | null | undefined;
  let source: string | undefined;
  const relaxed = (): string => (source ??= relaxLargeRepeats(spec.regex));
  // Read from the regex that runs: relaxing `{m,n}` to `{m,}` lifts the run's upper bound too.
  const runAnchor = spec.keywords.length === 0 ? runAnchorFor(relaxed()) : undefined;
  const lowerKeywords = spec.keywords.map((k) => k.toLowerCase());
  const followSpec = followSpecOf(spec);
  let follow: Re2 | null | undefined;
  return {
    spec,
    // Compiled on first use: most rules never run in a pre-commit scan, and RE2 compiles are not free.
    get regex(): Re2 {
      if (regex) return regex;
      const r = compileRe2(relaxed(), 'gd');
      if (!r.ok) throw rulesInvalid([`${prefix}regex is not valid RE2 syntax: ${r.error}`]);
      return (regex = r.regex);
    },
    get probe(): Re2 | undefined {
      if (probe === undefined) {
        const loose = relaxLargeRepeats(spec.regex, PROBE_REPEAT);
        const r = loose === relaxed() ? undefined : compileRe2(loose, '');
        probe = r?.ok ? r.regex : null;
      }
      return probe ?? undefined;
    },
    // Relaxed as the probe is: the filter must accept whatever the probe would.
    get follow(): Re2 | undefined {
      if (follow === undefined) {
        const r = followSpec === undefined ? undefined : compileRe2(relaxLargeRepeats(followSpec.pattern, PROBE_REPEAT), '');
        follow = r?.ok ? r.regex : null;
      }
      return follow ?? undefined;
    },
    get groups(): number {
      return groupCount();
    },
    ...(path ? { path } : {}),
    get allowPaths(): readonly Re2[] {
      return allowPathsOf();
    },
    get allowRegexes(): readonly Re2[] {
      return allowRegexesOf();
    },
    stopwords: (spec.allow?.stopwords ?? []).map((w) => w.toLowerCase()).filter((w) => w.length > 0),
    get multiline(): boolean {
      return (multiline ??= spansLines(spec.regex));
    },
    generic: spec.tags.includes('generic') || spec.id === 'generic' || spec.id.startsWith('generic-'),
    keywords: lowerKeywords,
    ...(runAnchor ? { runAnchor } : {}),
  };
}

/** Upper bounds from here on are dropped by relaxLargeRepeats. */
const LARGE_REPEAT = 500;

/**
 * Upper bounds from here on are dropped in a rule's probe. Measured on the generic assignment rules
 * over the windows of 100 MB of npm sources: the probe answers "no match here" in 60% of the time the
 * exact regex takes, because `{7,254}` unrolled into 254 states makes the exact DFA large.
 */
const PROBE_REPEAT = 16;

/**
 * `x{m,n}` with a large `n` becomes `x{m,}`. RE2 unrolls a counted repetition into n copies; on text
 * full of near-matches its DFA runs out of memory and the NFA fallback then tracks up to n threads
 * per byte: linear, but with a constant of ~10 ms per KB (a 1 MB line of `"service_account"`
 * near-matches took 20 s under the GCP key rule). An unbounded repetition is one loop. What is lost
 * is only the cap on a secret's length, which for these limits (hundreds of characters) never
 * decides whether a real secret is found.
 */
export function relaxLargeRepeats(pattern: string, from = LARGE_REPEAT): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      out += c + (pattern[i + 1] ?? '');
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      // A ']' first in a class (after an optional '^') is a literal, not the end.
      if (pattern[i + 1] === '^') out += pattern[++i];
      if (pattern[i + 1] === ']') out += pattern[++i];
      continue;
    }
    if (c === '{') {
      const m = /^\{(\d+),(\d+)\}/.exec(pattern.slice(i, i + 16));
      if (m && Number(m[2]) >= from && Number(m[1]) <= Number(m[2])) {
        out += `{${m[1]},}`;
        i += m[0].length - 1;
        continue;
      }
    }
    out += c;
  }
  return out;
}

function compileAllow(allow: GlobalAllow | undefined, source: string, problems: string[]): CompiledAllow {
  if (!allow) return { paths: [], regexes: [], stopwords: [] };
  const paths: ((p: string) => boolean)[] = [];
  allow.paths.forEach((pattern, i) => {
    if (isRegexPathPattern(pattern)) {
      const r = compileRe2(pattern, '');
      if (r.ok) paths.push((p) => re2Test(r.regex, p));
      else problems.push(`${source}: allow.paths[${i}] is not a valid RE2 regex: ${r.error}`);
    } else {
      // `*.lock` means any such file at any depth, as in .gitignore. micromatch's basename option breaks
      // patterns that contain a '/', so it is only set for those without one.
      paths.push(loadMicromatch().matcher(pattern, { dot: true, basename: !pattern.includes('/') }));
    }
  });
  const regexes: Re2[] = [];
  allow.regexes.forEach((pattern, i) => {
    const r = compileRe2(pattern, '');
    if (r.ok) regexes.push(r.regex);
    else problems.push(`${source}: allow.regexes[${i}] is not a valid RE2 regex: ${r.error}`);
  });
  return { paths, regexes, stopwords: allow.stopwords.map((w) => w.toLowerCase()).filter((w) => w.length > 0) };
}

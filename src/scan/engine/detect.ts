import { Secret } from '../../shared/secret.js';
import type { CompiledAllow, CompiledRule, CompiledRules } from '../rules/compile.js';
import { re2Test } from '../rules/regex.js';
import type { Finding, Fragment } from '../types.js';
import { dedupe, type Candidate } from './dedupe.js';
import { shannonEntropy } from './entropy.js';
import { fingerprint } from './fingerprint.js';
import { findIgnoreLines, isIgnored, type IgnoreLines } from './inline-ignore.js';
import { isCodeReference, isPlaceholder } from './placeholder.js';
import { overlapsAny, sopsRegions, type Ranges } from './sops-regions.js';
import { LineIndex, Utf8Text } from './text-index.js';

const NO_ALLOW: CompiledAllow = { paths: [], regexes: [], stopwords: [] };

/**
 * Find the secrets in one fragment. Pure: no output, no disk. Stages run cheapest first — path
 * allowlist, one keyword pass for all rules, then only the rules whose keywords occur.
 */
export function detect(rules: CompiledRules, fragment: Fragment): Finding[] {
  if (rules.allow.paths.some((allowed) => allowed(fragment.path))) return [];
  const candidates = candidateRules(rules, fragment.text);
  if (candidates.length === 0) return [];
  const scan = new FragmentScan(fragment, rules.allow);
  for (const index of candidates) {
    const rule = rules.rules[index];
    if (!ruleAppliesTo(rule, fragment.path)) continue;
    scan.run(rule, index);
  }
  return scan.findings();
}

/**
 * One rule over one text, ignoring the rule's path conditions and the global allowlist — what
 * `sealguard rules test` runs on each example. The keyword condition still applies: an example
 * without a keyword would never be scanned by that rule for real.
 */
export function detectWithRule(rule: CompiledRule, fragment: Fragment): Finding[] {
  const lower = fragment.text.toLowerCase();
  if (rule.keywords.length > 0 && !rule.keywords.some((k) => lower.includes(k))) return [];
  const scan = new FragmentScan(fragment, NO_ALLOW);
  scan.run(rule, 0);
  return scan.findings();
}

function candidateRules(rules: CompiledRules, text: string): number[] {
  const out = [...rules.alwaysRun];
  if (rules.keywordRules.length > 0) {
    for (const id of rules.keywords.find(text)) out.push(...rules.keywordRules[id]);
  }
  if (out.length <= 1) return out;
  return [...new Set(out)].sort((a, b) => a - b);
}

function ruleAppliesTo(rule: CompiledRule, path: string): boolean {
  if (rule.path && !re2Test(rule.path, path)) return false;
  return !rule.allowPaths.some((p) => re2Test(p, path));
}

/** Per-fragment state shared by the rules that run on it; each part is built on first use. */
class FragmentScan {
  readonly #fragment: Fragment;
  readonly #allow: CompiledAllow;
  readonly #candidates: Candidate[] = [];
  #utf8: Utf8Text | undefined;
  #lines: LineIndex | undefined;
  #sops: Ranges | undefined;
  #ignore: IgnoreLines | undefined;

  constructor(fragment: Fragment, allow: CompiledAllow) {
    this.#fragment = fragment;
    this.#allow = allow;
  }

  run(rule: CompiledRule, order: number): void {
    const utf8 = (this.#utf8 ??= new Utf8Text(this.#fragment.text));
    const regex = rule.regex;
    regex.lastIndex = 0;
    for (;;) {
      const m = regex.exec(utf8.buffer);
      if (m === null) break;
      const indices = m.indices;
      if (!indices) break;
      const [matchStart, matchEnd] = indices[0];
      if (matchEnd === matchStart) {
        // An empty match would repeat forever; step past it.
        regex.lastIndex = matchEnd + 1;
        if (matchEnd >= utf8.buffer.length) break;
        continue;
      }
      const group = secretGroupOf(rule, indices);
      if (group === undefined) continue;
      const [secretStart, secretEnd] = indices[group] as [number, number];
      if (secretEnd === secretStart) continue;
      this.#consider(rule, order, utf8, matchStart, matchEnd, secretStart, secretEnd);
    }
    regex.lastIndex = 0;
  }

  #consider(
    rule: CompiledRule,
    order: number,
    utf8: Utf8Text,
    matchStartByte: number,
    matchEndByte: number,
    secretStartByte: number,
    secretEndByte: number,
  ): void {
    const secret = utf8.buffer.toString('utf8', secretStartByte, secretEndByte);
    const entropy = shannonEntropy(secret);
    if (rule.spec.entropy !== undefined && entropy < rule.spec.entropy) return;
    if (isPlaceholder(secret)) return;
    if (rule.generic && isCodeReference(secret)) return;
    if (allowedBy(secret, rule.stopwords, rule.allowRegexes)) return;
    if (allowedBy(secret, this.#allow.stopwords, this.#allow.regexes)) return;

    const matchStart = utf8.charOffset(matchStartByte);
    const secretStart = utf8.charOffset(secretStartByte);
    const secretEnd = utf8.charOffset(secretEndByte);
    const matchEnd = utf8.charOffset(matchEndByte);
    const text = this.#fragment.text;
    const sops = (this.#sops ??= sopsRegions(text));
    if (overlapsAny(sops, secretStart, secretEnd)) return;

    const lines = (this.#lines ??= new LineIndex(text));
    const ignore = (this.#ignore ??= findIgnoreLines(text, lines));
    const matchFirstLine = lines.lineOf(matchStart);
    const matchLastLine = lines.lineOf(matchEnd - 1);
    if (isIgnored(ignore, matchFirstLine, matchLastLine, (i) => this.#originalLine(i))) return;

    const startLine = lines.lineOf(secretStart);
    const endLine = lines.lineOf(secretEnd - 1);
    const fragment = this.#fragment;
    const finding: Finding = {
      ruleId: rule.spec.id,
      description: rule.spec.description,
      file: fragment.path,
      startLine: this.#originalLine(startLine),
      endLine: this.#originalLine(endLine),
      startColumn: secretStart - lines.lineStart(startLine) + 1,
      endColumn: secretEnd - 1 - lines.lineStart(endLine) + 1,
      secret: new Secret(secret),
      match: new Secret(text.slice(matchStart, matchEnd)),
      entropy,
      tags: rule.spec.tags,
      severity: rule.spec.severity,
      fingerprint: fingerprint(fragment.path, rule.spec.id, secret),
      ...(fragment.commit ? { commit: fragment.commit } : {}),
    };
    this.#candidates.push({ finding, start: secretStart, end: secretEnd, generic: rule.generic, order });
  }

  #originalLine(textLine: number): number {
    const map = this.#fragment.lines;
    return map ? (map[textLine] ?? textLine + 1) : textLine + 1;
  }

  findings(): Finding[] {
    return dedupe(this.#candidates);
  }
}

/** The explicit secretGroup, else the first capture group that took part in the match, else the match. */
function secretGroupOf(rule: CompiledRule, indices: readonly ([number, number] | undefined)[]): number | undefined {
  const explicit = rule.spec.secretGroup;
  if (explicit !== undefined) return indices[explicit] ? explicit : undefined;
  for (let g = 1; g <= rule.groups; g++) if (indices[g]) return g;
  return 0;
}

function allowedBy(secret: string, stopwords: readonly string[], regexes: readonly CompiledRule['regex'][]): boolean {
  if (stopwords.length > 0) {
    const lower = secret.toLowerCase();
    if (stopwords.some((w) => lower.includes(w))) return true;
  }
  return regexes.some((r) => re2Test(r, secret));
}

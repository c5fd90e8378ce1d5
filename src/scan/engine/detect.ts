import { Secret } from '../../shared/secret.js';
import type { CompiledAllow, CompiledRule, CompiledRules } from '../rules/compile.js';
import { followHits } from '../rules/follow-filter.js';
import { filterHits, type HitFilter } from '../rules/hit-filter.js';
import { re2Test } from '../rules/regex.js';
import { anchorHits } from '../rules/run-anchor.js';
import type { Finding, Fragment, Severity } from '../types.js';
import { checksumValid } from './checksum.js';
import { withDecoded, type DecodeContext } from './decoded-findings.js';
import type { TriggerHit } from './decode.js';
import { dedupeCandidates, type Candidate } from './dedupe.js';
import { shannonEntropy } from './entropy.js';
import { fingerprint } from './fingerprint.js';
import { findIgnoreLines, isIgnored, type IgnoreLines } from './inline-ignore.js';
import { pairAwsKeys } from './pairs.js';
import { isCodeReference, isPlaceholder } from './placeholder.js';
import { overlapsAny, sopsRegions, type Ranges } from './sops-regions.js';
import { LineIndex, Utf8Text } from './text-index.js';
import { DEFAULT_MAX_CHARS_PER_TOKEN, tokenizesLikeLanguage } from './token-efficiency.js';

const NO_ALLOW: CompiledAllow = { paths: [], regexes: [], stopwords: [] };

export interface DetectOptions {
  /**
   * How many layers of encoding are decoded and scanned (base64 inside hex is 2); 0 turns decoding
   * off. Default DEFAULT_MAX_DECODE_DEPTH.
   */
  readonly maxDecodeDepth?: number;
  /**
   * Generic rules drop values with at least this many characters per cl100k_base token (they read
   * like language or code). Default DEFAULT_MAX_CHARS_PER_TOKEN; Infinity turns the filter off.
   */
  readonly maxCharsPerToken?: number;
}

export const DEFAULT_MAX_DECODE_DEPTH = 2;

/**
 * Find the secrets in one fragment. Pure: no output, no disk. Stages run cheapest first — path
 * allowlist, one keyword pass for all rules, then only the rules whose keywords occur; encoded spans
 * found by the same pass are decoded and scanned again; AWS key halves are paired last.
 */
export function detect(rules: CompiledRules, fragment: Fragment, options: DetectOptions = {}): Finding[] {
  if (rules.allow.paths.some((allowed) => allowed(fragment.path))) return [];
  const settings: Settings = { maxCharsPerToken: options.maxCharsPerToken ?? DEFAULT_MAX_CHARS_PER_TOKEN };
  const findings = scanText(rules, fragment, Math.max(0, options.maxDecodeDepth ?? DEFAULT_MAX_DECODE_DEPTH), settings);
  return findings.length === 0 ? findings : pairAwsKeys(findings);
}

interface Settings {
  readonly maxCharsPerToken: number;
}

const DEFAULT_SETTINGS: Settings = { maxCharsPerToken: DEFAULT_MAX_CHARS_PER_TOKEN };

/** One fragment's (or one decoded span's) findings, decoding up to `depth` more layers. */
function scanText(rules: CompiledRules, fragment: Fragment, depth: number, settings: Settings): Finding[] {
  const scan = new FragmentScan(fragment, rules.allow, settings);
  const { byRule, triggers } = keywordHits(rules, scan.utf8, depth > 0);
  if (byRule.size === 0 && rules.alwaysRun.length === 0 && triggers.length === 0) return [];
  const candidates = [...new Set([...rules.alwaysRun, ...byRule.keys()])].sort((a, b) => a - b);
  for (const index of candidates) {
    const rule = rules.rules[index];
    if (!ruleAppliesTo(rule, fragment.path)) continue;
    let hits = byRule.get(index);
    if (hits === undefined && rule.runAnchor !== undefined) {
      // Undefined: a run too long to window around, so the whole fragment is scanned.
      const runs = anchorHits(scan.utf8.buffer, rule.runAnchor, WINDOW_BACK);
      if (runs?.length === 0) continue;
      if (runs) hits = [runs];
    }
    scan.run(rule, index, hits);
  }
  const kept = scan.kept();
  if (triggers.length === 0) return kept.map((c) => c.finding);
  const { path, commit } = fragment;
  return withDecoded(kept, triggers, scan, (decoded) =>
    scanText(rules, { path, text: decoded, ...(commit ? { commit } : {}) }, depth - 1, settings),
  );
}

interface KeywordHits {
  /**
   * For each rule whose keywords occur, the byte offsets just past each occurrence (one list per
   * keyword).
   */
  readonly byRule: Map<number, number[][]>;
  /** Encoded forms of keywords, when decoding is on (byte offsets, as the keyword pass gives them). */
  readonly triggers: TriggerHit[];
}

function keywordHits(rules: CompiledRules, utf8: Utf8Text, decode: boolean): KeywordHits {
  const byRule = new Map<number, number[][]>();
  const triggers: TriggerHit[] = [];
  const ruleKeywords = rules.keywordRules.length;
  if (ruleKeywords === 0 && !rules.decodeTriggers?.length) return { byRule, triggers };
  // The bytes are searched, not the string: faster, and a file's text need never be decoded. Only a
  // user keyword with a non-ASCII character needs the string (case folding beyond ASCII).
  const positions = rules.keywords.hasWide ? charToBytePositions(rules.keywords.positions(utf8.text), utf8) : rules.keywords.positionsInBytes(utf8.buffer);
  for (const [id, offsets] of positions) {
    if (id >= ruleKeywords) {
      const trigger = rules.decodeTriggers?.[id - ruleKeywords];
      if (decode && trigger) for (const end of offsets) triggers.push({ encoding: trigger.encoding, end, length: trigger.length });
      continue;
    }
    const indices = rules.keywordRules[id];
    const filters = rules.keywordFilters[id];
    const follows = rules.keywordFollow[id];
    let filtered: Map<HitFilter, number[]> | undefined;
    for (let j = 0; j < indices.length; j++) {
      const filter = filters[j];
      let kept = offsets;
      if (filter !== undefined) {
        filtered ??= new Map();
        let once = filtered.get(filter);
        if (once === undefined) filtered.set(filter, (once = filterHits(utf8.buffer, offsets, filter)));
        if (once.length === 0) continue;
        kept = once;
      }
      const index = indices[j] as number;
      const check = follows[j];
      if (check !== undefined) {
        const rule = rules.rules[index] as CompiledRule;
        kept = followHits(utf8.buffer, kept, check, rule, rule.multiline ? WINDOW_FORWARD_MULTILINE : WINDOW_FORWARD);
        if (kept.length === 0) continue;
      }
      const lists = byRule.get(index);
      if (lists === undefined) byRule.set(index, [kept]);
      else lists.push(kept);
    }
  }
  return { byRule, triggers };
}

function charToBytePositions(positions: Map<number, number[]>, utf8: Utf8Text): Map<number, number[]> {
  for (const offsets of positions.values()) for (let i = 0; i < offsets.length; i++) offsets[i] = utf8.byteOffset(offsets[i] as number, false);
  return positions;
}

/**
 * How far (in bytes) from a keyword a match is looked for. A secret sits next to its keyword (a prefix, or a
 * `password =` before it), so a rule's regex runs only on the lines around its keywords instead of
 * the whole file: most files mention `token` or `secret` somewhere, few have a secret there.
 */
const WINDOW_BACK = 4096;
const WINDOW_FORWARD = 4096;
const WINDOW_FORWARD_MULTILINE = 256 * 1024;

/**
 * Merged [start, end) byte windows around the hits, or undefined when they cover most of the text
 * anyway. Windows start and end on character boundaries.
 */
function windowsAround(bytes: Buffer, hitLists: readonly number[][], multiline: boolean): [number, number][] | undefined {
  const hits = hitLists.length === 1 ? hitLists[0] : hitLists.flat().sort((a, b) => a - b);
  const windows: [number, number][] = [];
  let covered = 0;
  // The first two line breaks at or after the latest hit (-1: none left; 0 before the first
  // search), and that hit with its line's start (no earlier than its window's reach back).
  let firstBreak = 0;
  let secondBreak = 0;
  let prevHit = -1;
  let prevLineStart = 0;
  for (const hit of hits) {
    const last = windows[windows.length - 1];
    // Line breaks are searched for per hit, not indexed per file (indexing every line of every
    // file cost a twentieth of a folder scan). Hits come in order, so what one hit's searches found
    // still stands for the next: the first two breaks after it, and its line's start when no break
    // lies between the two hits. Each byte is then searched about once, even on a minified line.
    const back = Math.max(0, hit - WINDOW_BACK);
    let lineStart: number;
    if (prevHit >= 0 && (firstBreak === -1 || firstBreak >= hit - 1)) lineStart = Math.max(prevLineStart, back);
    else lineStart = lineStartBefore(bytes, back, hit - 1);
    if (firstBreak !== -1 && firstBreak < hit) {
      firstBreak = secondBreak !== -1 && secondBreak >= hit ? secondBreak : bytes.indexOf(NEWLINE, hit);
      secondBreak = firstBreak === -1 ? -1 : bytes.indexOf(NEWLINE, firstBreak + 1);
    }
    prevHit = hit;
    prevLineStart = lineStart;
    let start = lineStart;
    // The hit's line and the next one (`password:` may have its value on the following line), or
    // far ahead for a rule whose matches span lines.
    let end = multiline
      ? Math.min(bytes.length, hit + WINDOW_FORWARD_MULTILINE)
      : Math.min(secondBreak === -1 ? bytes.length : secondBreak, hit + WINDOW_FORWARD);
    // A cut inside a multi-byte character would hand RE2 a broken one.
    while (start < hit && isContinuationByte(bytes[start] as number)) start++;
    while (end < bytes.length && isContinuationByte(bytes[end] as number)) end--;
    // A hit inside the last window still reaches past it when its value is on the next line.
    if (last && start <= last[1]) {
      if (end > last[1]) {
        covered += end - last[1];
        last[1] = end;
      }
    } else {
      covered += end - start;
      windows.push([start, end]);
    }
  }
  return covered * 2 > bytes.length ? undefined : windows;
}

const NEWLINE = 0x0a;

/** How far back a loop looks for a line break before a native search takes over (most lines are short). */
const SHORT_LINE = 256;

/** Just past the last line break in bytes [back, before), or `back` when there is none there. */
function lineStartBefore(bytes: Buffer, back: number, before: number): number {
  const stop = Math.max(back, before - SHORT_LINE);
  for (let i = before - 1; i >= stop; i--) if (bytes[i] === NEWLINE) return i + 1;
  if (stop === back) return back;
  const lineBreak = bytes.subarray(back, stop).lastIndexOf(NEWLINE);
  return lineBreak === -1 ? back : back + lineBreak + 1;
}

function isContinuationByte(b: number): boolean {
  return (b & 0xc0) === 0x80;
}

/**
 * One rule over one text, ignoring the rule's path conditions and the global allowlist — what
 * `sealguard rules test` runs on each example. The keyword condition still applies: an example
 * without a keyword would never be scanned by that rule for real.
 */
export function detectWithRule(rule: CompiledRule, fragment: Fragment): Finding[] {
  const lower = fragment.text.toLowerCase();
  if (rule.keywords.length > 0 && !rule.keywords.some((k) => lower.includes(k))) return [];
  const scan = new FragmentScan(fragment, NO_ALLOW, DEFAULT_SETTINGS);
  scan.run(rule, 0);
  return scan.findings();
}

const tokenEfficiencyRules = new WeakMap<CompiledRule, boolean>();

/**
 * The generic assignment rules (rules/generic*.yaml, or a user rule named generic-…): there a name like
 * `password` or `token` is all the evidence, so the value must also look random. Rules with structure
 * of their own (a URL's user:password@host, a provider prefix) keep human-chosen values.
 */
function usesTokenEfficiency(rule: CompiledRule): boolean {
  let uses = tokenEfficiencyRules.get(rule);
  if (uses === undefined) {
    uses = rule.generic && (/(^|[\\/])generic[\w-]*\.yaml$/.test(rule.spec.source) || rule.spec.id.startsWith('generic-'));
    tokenEfficiencyRules.set(rule, uses);
  }
  return uses;
}

function ruleAppliesTo(rule: CompiledRule, path: string): boolean {
  if (rule.path && !re2Test(rule.path, path)) return false;
  return !rule.allowPaths.some((p) => re2Test(p, path));
}

/** Per-fragment state shared by the rules that run on it; each part is built on first use. */
class FragmentScan implements DecodeContext {
  readonly #fragment: Fragment;
  readonly #allow: CompiledAllow;
  readonly #candidates: Candidate[] = [];
  #utf8: Utf8Text | undefined;
  /** Lines in string offsets (findings, ignore comments). */
  #lines: LineIndex | undefined;
  #sops: Ranges | undefined;
  #ignore: IgnoreLines | undefined;

  readonly #settings: Settings;

  constructor(fragment: Fragment, allow: CompiledAllow, settings: Settings) {
    this.#fragment = fragment;
    this.#allow = allow;
    this.#settings = settings;
  }

  /** The fragment's UTF-8 bytes and their mapping to string offsets. */
  get utf8(): Utf8Text {
    return (this.#utf8 ??= new Utf8Text(this.#fragment));
  }

  /** Run one rule; with keyword hits (byte offsets), only on the windows around them. */
  run(rule: CompiledRule, order: number, hits?: readonly number[][]): void {
    const utf8 = this.utf8;
    const windows = hits ? windowsAround(utf8.buffer, hits, rule.multiline) : undefined;
    if (windows === undefined) {
      this.#exec(rule, order, utf8, 0, utf8.buffer.length);
      return;
    }
    for (const [start, end] of windows) this.#exec(rule, order, utf8, start, end);
  }

  /** All matches of the rule's regex in bytes [from, to) of the fragment. */
  #exec(rule: CompiledRule, order: number, utf8: Utf8Text, from: number, to: number): void {
    const buffer = from === 0 && to === utf8.buffer.length ? utf8.buffer : utf8.buffer.subarray(from, to);
    // Most windows hold no match: the probe says so for less than the exact regex costs.
    const probe = rule.probe;
    if (probe !== undefined && !probe.test(buffer)) return;
    const regex = rule.regex;
    regex.lastIndex = 0;
    for (;;) {
      const m = regex.exec(buffer);
      if (m === null) break;
      const indices = m.indices;
      if (!indices) break;
      const [matchStart, matchEnd] = indices[0];
      if (matchEnd === matchStart) {
        // An empty match would repeat forever; step past it.
        regex.lastIndex = matchEnd + 1;
        if (matchEnd >= buffer.length) break;
        continue;
      }
      const group = secretGroupOf(rule, indices);
      if (group === undefined) continue;
      const [secretStart, secretEnd] = indices[group] as [number, number];
      if (secretEnd === secretStart) continue;
      this.#consider(rule, order, utf8, from + matchStart, from + matchEnd, from + secretStart, from + secretEnd);
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
    if (this.inSops(secretStart, secretEnd)) return;
    if (this.isIgnored(matchStart, matchEnd)) return;
    // Last, being the dearest filter: the tokenizer loads on the first generic candidate that gets here.
    const maxCharsPerToken = this.#settings.maxCharsPerToken;
    if (maxCharsPerToken !== Infinity && usesTokenEfficiency(rule) && tokenizesLikeLanguage(secret, maxCharsPerToken)) return;

    let severity: Severity = rule.spec.severity;
    const notes: string[] = [];
    if (rule.spec.validate) {
      const valid = checksumValid(rule.spec.validate, secret);
      if (valid === true) notes.push('checksum valid: the token has the layout its issuer gives real tokens');
      else if (valid === false) {
        // Kept, at low severity: a wrong checksum means a made-up or altered token, never an issued one.
        severity = 'low';
        notes.push('checksum does not match: probably a made-up or altered token, not one the provider issued');
      }
    }

    const text = this.#fragment.text;
    const fragment = this.#fragment;
    const where = this.locate(secretStart, secretEnd);
    const finding: Finding = {
      ruleId: rule.spec.id,
      description: rule.spec.description,
      file: fragment.path,
      ...where,
      secret: new Secret(secret),
      match: new Secret(text.slice(matchStart, matchEnd)),
      entropy,
      tags: rule.spec.tags,
      severity,
      fingerprint: fingerprint(fragment.path, rule.spec.id, secret),
      ...(fragment.commit ? { commit: fragment.commit } : {}),
      ...(notes.length > 0 ? { notes } : {}),
    };
    this.#candidates.push({ finding, start: secretStart, end: secretEnd, generic: rule.generic, order });
  }

  #originalLine(textLine: number): number {
    const map = this.#fragment.lines;
    return map ? (map[textLine] ?? textLine + 1) : textLine + 1;
  }

  get bytes(): Buffer {
    return this.utf8.buffer;
  }

  charOffset(byte: number): number {
    return this.utf8.charOffset(byte);
  }

  /** Whether [start, end) lies in SOPS ciphertext or metadata. */
  inSops(start: number, end: number): boolean {
    const sops = (this.#sops ??= sopsRegions(this.#fragment.text));
    return overlapsAny(sops, start, end);
  }

  /** Whether an inline ignore comment covers the lines of [start, end). */
  isIgnored(start: number, end: number): boolean {
    const text = this.#fragment.text;
    const lines = (this.#lines ??= new LineIndex(text));
    const ignore = (this.#ignore ??= findIgnoreLines(text, lines));
    return isIgnored(ignore, lines.lineOf(start), lines.lineOf(Math.max(start, end - 1)), (i) => this.#originalLine(i));
  }

  /** Original lines and 1-based columns of [start, end), as findings report them. */
  locate(start: number, end: number): Pick<Finding, 'startLine' | 'endLine' | 'startColumn' | 'endColumn'> {
    const lines = (this.#lines ??= new LineIndex(this.#fragment.text));
    const startLine = lines.lineOf(start);
    const endLine = lines.lineOf(Math.max(start, end - 1));
    return {
      startLine: this.#originalLine(startLine),
      endLine: this.#originalLine(endLine),
      startColumn: start - lines.lineStart(startLine) + 1,
      endColumn: end - 1 - lines.lineStart(endLine) + 1,
    };
  }

  /** The surviving candidates, deduplicated, with their spans. */
  kept(): Candidate[] {
    return dedupeCandidates(this.#candidates);
  }

  findings(): Finding[] {
    return this.kept().map((c) => c.finding);
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

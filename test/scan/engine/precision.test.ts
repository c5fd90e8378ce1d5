import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_CHARS_PER_TOKEN, charsPerToken, detect } from '../../../src/scan/engine/index.js';
import { compileRules, loadBuiltinRules } from '../../../src/scan/rules/index.js';
import { randomToken } from './helpers.js';

/**
 * Precision and recall of the generic rules at several token-efficiency thresholds, on labelled lines
 * (test/fixtures/precision) plus random secrets generated here. The shipped threshold must be the one
 * with the best F1 that keeps every labelled secret. SEALGUARD_PRECISION_TABLE=1 prints the table.
 */
const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/precision');
const THRESHOLDS = [2, 2.5, 3, 3.5, 4, 4.5, 5, Infinity];
const rules = compileRules(loadBuiltinRules());

function lines(file: string): string[] {
  return readFileSync(path.join(FIXTURES, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'));
}

/**
 * Seeded, so the table is the same on every run. Values always hold a digit: an all-letter unquoted
 * value is dropped by the unquoted rules' own allowlist (it reads as a word), which is not what this
 * test measures.
 */
function generator(seed: number): (alphabet: string, length: number) => string {
  let state = seed;
  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const draw = (alphabet: string, length: number): string => {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(next() * alphabet.length)];
    return /\d/.test(out) && !/x{5,}|12345678|abcdefgh/i.test(out) ? out : draw(alphabet, length);
  };
  return draw;
}

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const BASE64 = BASE62 + '+/';
const HEX = '0123456789abcdef';

/** Random secrets in the assignment shapes the generic rules read. */
function generatedSecrets(): string[] {
  const draw = generator(20260523);
  const values = [
    ...[16, 20, 24, 32, 40].map((n) => draw(BASE62, n)),
    ...[40, 60].map((n) => draw(BASE64, n)),
    ...[32, 40, 64].map((n) => draw(HEX, n)),
    draw(BASE62, 12) + '!#' + draw(BASE62, 6),
  ];
  const shapes = [
    (v: string) => `api_key = "${v}"`,
    (v: string) => `db_password: '${v}'`,
    (v: string) => `AUTH_TOKEN=${v}`,
    (v: string) => `"client_secret": "${v}",`,
    (v: string) => `<password>${v}</password>`,
  ];
  return values.flatMap((v, i) => [shapes[i % shapes.length](v), shapes[(i + 2) % shapes.length](v)]);
}

const secrets = [...lines('secrets.txt'), ...generatedSecrets()];
const notSecrets = lines('not-secrets.txt');

function reported(line: string, maxCharsPerToken: number): boolean {
  return detect(rules, { path: 'config.txt', text: line + '\n' }, { maxCharsPerToken }).length > 0;
}

interface Row {
  readonly threshold: number;
  readonly tp: number;
  readonly fp: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly missed: string[];
}

function measure(threshold: number): Row {
  const missed = secrets.filter((l) => !reported(l, threshold));
  const tp = secrets.length - missed.length;
  const fp = notSecrets.filter((l) => reported(l, threshold)).length;
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp / secrets.length;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { threshold, tp, fp, precision, recall, f1, missed };
}

describe('token efficiency on the generic rules', () => {
  const table = THRESHOLDS.map(measure);
  if (process.env.SEALGUARD_PRECISION_TABLE === '1') {
    const fmt = (n: number) => n.toFixed(3);
    const out = [`${secrets.length} secrets, ${notSecrets.length} non-secrets`, 'chars/token  TP  FP  precision  recall  F1'];
    for (const r of table) out.push(`${String(r.threshold).padEnd(11)}  ${r.tp}  ${r.fp}  ${fmt(r.precision)}      ${fmt(r.recall)}   ${fmt(r.f1)}`);
    console.log(out.join("\n"));
    for (const r of table) if (r.missed.length > 0) console.log(r.threshold, r.missed);
  }
  const shipped = table.find((r) => r.threshold === DEFAULT_MAX_CHARS_PER_TOKEN);

  it('keeps every labelled secret at the shipped threshold', () => {
    expect(shipped?.missed).toEqual([]);
  });

  it('ships the threshold with the best F1 among those that keep every secret', () => {
    const best = table.filter((r) => r.missed.length === 0).sort((a, b) => b.f1 - a.f1 || a.threshold - b.threshold)[0];
    expect(shipped?.threshold).toBe(best.threshold);
  });

  it('reports fewer non-secrets than with the filter off', () => {
    const off = table.find((r) => r.threshold === Infinity)!;
    expect(shipped!.fp).toBeLessThan(off.fp);
  });

  it('splits random secrets into short tokens and identifiers into long ones', () => {
    expect(charsPerToken(randomToken(32))).toBeLessThan(2);
    expect(charsPerToken('createAuthenticationToken')).toBeGreaterThan(4);
    expect(charsPerToken('')).toBe(0);
  });
});

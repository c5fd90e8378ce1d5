import { describe, expect, test } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { detect } from '../../../src/scan/engine/index.js';
import { compileRules, loadBuiltinRules, loadScanConfig, type CompiledRules } from '../../../src/scan/rules/index.js';
import { relaxLargeRepeats } from '../../../src/scan/rules/compile.js';
import type { RuleSpec } from '../../../src/scan/types.js';
import { SealguardError } from '../../../src/shared/errors.js';
import { runCli } from '../../helpers/cli.js';
import { tempDirs } from '../../helpers/git-repo.js';
import { LINE_BYTES, worstLine } from './worst-line.js';

/**
 * Per-rule worst cases. The engine's own 1 MB hostile line (test/scan/engine/hostile.test.ts) mixes
 * every rule's keywords into one line; here each rule gets a line made for it alone, and its time is
 * compared with the time of the keyword pass over the same line, so a rule that is merely slow on a
 * slow machine passes and one that grows faster than the input fails.
 */

/**
 * A rule may cost this many keyword passes over the same line. Linear rules measure 40–80× on a quiet
 * machine and under 200× on a loaded one; a super-linear rule on 1 MB costs thousands.
 */
const MAX_MULTIPLE = 400;
/** Below this a measurement is noise (timer resolution, a GC pause), whatever the multiple says. */
const FLOOR_MS = 60;

function timed(fn: () => unknown): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

/** Every match of the raw regex over the whole line, as a multi-line rule would run it. */
function runRegex(compiled: CompiledRules, buf: Buffer): number {
  const re = compiled.rules[0].regex;
  re.lastIndex = 0;
  let n = 0;
  for (let m = re.exec(buf); m !== null; m = re.exec(buf)) {
    n++;
    if (m[0].length === 0) re.lastIndex++;
  }
  re.lastIndex = 0;
  return n;
}

describe('no shipped rule can be made to run in more than linear time', () => {
  const specs = loadBuiltinRules();
  const everyKeyword = compileRules(specs).keywords;

  test('each rule on 1 MB of its own near-matches costs at most a fixed multiple of a keyword pass', () => {
    const slow: string[] = [];
    let worst = { id: '', multiple: 0 };
    for (const spec of specs) {
      const line = worstLine(spec);
      const buf = Buffer.from(line, 'utf8');
      const one = compileRules([spec]);
      // The baseline: the Aho–Corasick keyword pass every fragment gets, plus indexOf per keyword.
      const baseline = Math.min(
        ...[0, 1].map(() =>
          timed(() => {
            everyKeyword.positions(line);
            for (const k of spec.keywords) line.indexOf(k, line.length >> 1);
          }),
        ),
      );
      const measure = (): number => timed(() => runRegex(one, buf)) + timed(() => detect(one, { path: 'hostile.txt', text: line }));
      let cost = measure();
      // More looks before blaming the rule: another process may have had the core.
      for (let retry = 0; retry < 3 && cost > FLOOR_MS && cost / baseline > MAX_MULTIPLE; retry++) cost = Math.min(cost, measure());
      const multiple = cost / baseline;
      if (multiple > worst.multiple) worst = { id: spec.id, multiple };
      if (cost > FLOOR_MS && multiple > MAX_MULTIPLE) {
        slow.push(`${spec.id}: ${cost.toFixed(0)} ms = ${multiple.toFixed(0)}× the keyword pass (${baseline.toFixed(1)} ms)`);
      }
    }
    console.log(`regex-time: ${specs.length} rules, worst ${worst.id} at ${worst.multiple.toFixed(1)}× the keyword pass`);
    expect(slow).toEqual([]);
  });

  test('four times the hostile line costs about four times as much for the heaviest rules, not sixteen', () => {
    // The rules whose near-match lines produce the most regex work; compare 256 KB with 1 MB.
    const heavy = ['aws-session-token', 'openai-api-key', 'generic-password', 'gcp-service-account-key']
      .map((id) => specs.find((s) => s.id === id))
      .filter((s): s is RuleSpec => s !== undefined);
    expect(heavy.length).toBeGreaterThanOrEqual(3);
    for (const spec of heavy) {
      const one = compileRules([spec]);
      const cost = (bytes: number): number => {
        const line = worstLine(spec, bytes);
        const buf = Buffer.from(line);
        // The fastest of three: other processes on a shared machine only ever add time.
        return Math.min(...[0, 1, 2].map(() => timed(() => runRegex(one, buf)) + timed(() => detect(one, { path: 'h.txt', text: line }))));
      };
      const quarter = cost(LINE_BYTES / 4);
      const full = cost(LINE_BYTES);
      // Linear is 4×, quadratic 16×; the constant absorbs timer noise on small times.
      expect(full, `${spec.id}: ${quarter.toFixed(1)} ms -> ${full.toFixed(1)} ms`).toBeLessThan(quarter * 8 + 30);
    }
  });
});

describe('user rules RE2 cannot run are refused at load, naming the rule and the file', () => {
  const temp = tempDirs('sealguard-userrules-');
  const cases: Array<[string, string]> = [
    ['look-ahead', 'token=(?=[a-z]{8})([a-z0-9]{8,})'],
    ['negative look-behind', '(?<!x)secret=([a-z0-9]{8,})'],
    ['backreference', '(["\'])([a-z0-9]{8,})\\1'],
    ['possessive quantifier', 'key=(a++b)'],
    ['atomic group', 'key=(?>a+)b'],
  ];
  for (const [what, regex] of cases) {
    test(`a rule using a ${what} is a one-line config error naming the rule and .sealguard.yaml`, () => {
      const dir = temp.dir('sealguard-cfg-');
      fs.writeFileSync(
        path.join(dir, '.sealguard.yaml'),
        `rules:\n  - id: my-evil-rule\n    description: catastrophic\n    regex: '${regex.replace(/'/g, "''")}'\n    keywords: [x]\n`,
      );
      let err: unknown;
      try {
        compileRules(loadBuiltinRules(), loadScanConfig(dir));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(SealguardError);
      const e = err as SealguardError;
      expect(e.exitCode).toBe(2);
      expect(e.message).not.toContain('\n');
      const lines = [e.message, ...(e.details ?? [])];
      const named = lines.find((l) => l.includes('.sealguard.yaml') && l.includes('my-evil-rule'));
      expect(named, lines.join(' | ')).toBeDefined();
      expect(named).toMatch(/regex/i);
      expect(named).not.toContain('\n');
    });
  }

  test('sealguard scan with such a rule exits 2 before reading any file, naming the rule and file on stderr', () => {
    const dir = temp.dir('sealguard-cfg-');
    fs.writeFileSync(path.join(dir, '.sealguard.yaml'), `rules:\n  - id: my-evil-rule\n    description: x\n    regex: '(a+)+\\1'\n    keywords: [a]\n`);
    fs.writeFileSync(path.join(dir, 'f.txt'), 'a'.repeat(100) + '!\n');
    const r = runCli(['scan', '-v'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/\.sealguard\.yaml: my-evil-rule: regex/);
  });
});

describe('large counted repetitions are compiled as loops', () => {
  test('x{m,n} with n of 500 or more loses its cap; small caps, classes and escapes are kept', () => {
    expect(relaxLargeRepeats('[\\s\\S]{0,1000}?"k"[A-Za-z]{32,1000}={0,2}')).toBe('[\\s\\S]{0,}?"k"[A-Za-z]{32,}={0,2}');
    expect(relaxLargeRepeats('a{5,499}b{3}')).toBe('a{5,499}b{3}');
    expect(relaxLargeRepeats('[{0,1000}]\\{0,1000}')).toBe('[{0,1000}]\\{0,1000}');
  });

  test('a rule whose probe (caps of 16 or more dropped) rejects a text never reports a finding in it', () => {
    expect(relaxLargeRepeats('a{5,40}b{3,15}', 16)).toBe('a{5,}b{3,15}');
    const rules = compileRules(loadBuiltinRules());
    let probed = 0;
    for (const rule of rules.rules) {
      if (rule.probe === undefined) continue;
      probed++;
      for (const example of rule.spec.examples.match) {
        expect(rule.probe.test(Buffer.from(example)), `${rule.spec.id}: ${example.slice(0, 8)}…`).toBe(true);
      }
    }
    expect(probed).toBeGreaterThan(20);
  });
});

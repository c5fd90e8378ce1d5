import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { compileRules, loadBuiltinRules, type CompiledRules } from '../../../src/scan/rules/index.js';
import {
  followHits,
  followSpecFor,
  followSpecOf,
  followSpecsFromData,
  followSpecsToData,
  type NextBytes,
} from '../../../src/scan/rules/follow-filter.js';
import { compileRe2 } from '../../../src/scan/rules/regex.js';
import { detect } from '../../../src/scan/engine/index.js';
import { buildWorkerEngine, workerSetup } from '../../../src/scan/parallel/job.js';
import type { Finding } from '../../../src/scan/types.js';
import { config, rule } from './helpers.js';

// Sample secrets are joined at run time, so that scanning this repository finds none in this file.
const PASSWORD = 'Tr0ub4' + 'dor&3x';
const CURL_PASSWORD = 'S3cr3t' + 'Pa55';

const view = (f: Finding) => [f.ruleId, f.startLine, f.startColumn, f.endColumn, f.secret.reveal(), f.fingerprint];

/** The bytes a NextBytes allows, as a string of characters (ASCII only, for reading in a test). */
const allowed = (n: NextBytes | undefined): string | undefined => {
  if (n === undefined) return undefined;
  let out = '';
  for (let b = 0x20; b < 0x7f; b++) if ((n.mask[b >> 3]! >> (b & 7)) & 1) out += String.fromCharCode(b);
  return out;
};

/** The same rules with every follow filter switched off: keyword hits go to the windows unfiltered. */
function unfollowed(compiled: CompiledRules): CompiledRules {
  return { ...compiled, keywordFollow: compiled.keywordFollow.map((list) => list.map(() => undefined)) };
}

describe('which regexes get a follow filter', () => {
  test('a keyword group in the middle: the filter is the regex from that group on, without assertions', () => {
    const f = followSpecFor('(?i)\\b[\\w.-]{0,40}?(?:password|pwd)\\s*=\\s*([^;\\s]{3,})\\s*(?:;|$)', ['password', 'pwd'])!;
    expect(f.pattern).toBe('(?i)\\A(?:(?:password|pwd)\\s*=\\s*([^;\\s]{3,})\\s*(?:;|))');
  });

  test('a literal keyword at the start, and alternatives that spell a keyword with optional letters', () => {
    expect(followSpecFor('\\bcurl\\b[^\\r\\n]{0,300}?\\s-u\\s([^:\\s]+):(\\S+)', ['curl'])!.pattern).toBe('\\A(?:curl[^\\r\\n]{0,300}?\\s-u\\s([^:\\s]+):(\\S+))');
    expect(followSpecFor('(?:api_?key|credentials?)=(\\w{8,})', ['api_key', 'apikey', 'credential'])).toBeDefined();
  });

  test('whitespace that may hold a line break before the keyword is no obstacle where no keyword can occur ahead of it', () => {
    const xml = '(?i)<(?:add|entry)\\s+(?:key|name)\\s*=\\s*"[\\w.:-]{0,40}?(?:password|token)"\\s+value="([^"]{6,})"';
    expect(followSpecFor(xml, ['password', 'token'])!.pattern).toBe('(?i)\\A(?:(?:password|token)"\\s+value="([^"]{6,})")');
    // `token` could open a window on the line before; a filter on the later keyword would close it.
    expect(followSpecFor('(?i)<(?:add|token)\\s+(?:key)\\s*=\\s*"(?:password)"=(\\w+)', ['password', 'token'])).toBeUndefined();
    // Letters this module reads only as "some byte" could spell a keyword: no filter either.
    expect(followSpecFor('[a-z]{2}\\s+(?:password)=(\\w+)', ['password'])).toBeUndefined();
  });

  test('no filter where a match need not begin with a keyword at a known place', () => {
    const none: [string, string[]][] = [
      ['(?:password|[a-z_]+pass)=(\\w+)', ['password', 'pass']], // a repeated class before `pass`
      ['(?:password|é_pass)=(\\w+)', ['password', 'pass']], // a lead byte count that depends on UTF-8
      ['(?:api_?key)=(\\w+)', ['apikey']], // `api_key` is not a keyword
      ['password=(\\w+)|token:(\\w+)', ['password', 'token']], // an alternation at the top
      ['x(?i)password=(\\w+)', ['password']], // flags changed in the middle
      ['(?:pass)+word=(\\w+)', ['password']], // a repeated group
      ['[a-z]+=(\\w+)', ['password']],
      ['mot_de_passé=(\\w+)', ['mot_de_passé']], // a keyword beyond ASCII
    ];
    for (const [regex, keywords] of none) expect(followSpecFor(regex, keywords), regex).toBeUndefined();
  });
});

describe('parts that start before their keyword', () => {
  test('an alternative with a one-byte class in front is tested one byte earlier too', () => {
    const f = followSpecFor('(?im)\\b[\\w.-]{0,40}?(?:password|pwd|\\bpass|[_.-]pass)["\']?\\s*[=:]\\s*(\\S{6,})', ['pass', 'pwd'])!;
    expect(f.leads).toEqual([0, 1]);
    expect(f.pattern).toBe('(?im)\\A(?:(?:password|pwd|pass|[_.-]pass)["\']?\\s*[=:]\\s*(\\S{6,}))');
    expect(allowed(f.next['pass'])).toBe(' "\':=Ww');
  });

  test('a keyword after a fixed run of a class is tested that many bytes earlier', () => {
    expect(followSpecFor('\\b([0-9a-f]{32}-us[0-9]{1,2})\\b', ['-us'])!.leads).toEqual([32]);
    // Too many distances to test at: no filter.
    expect(followSpecFor('(?:akey|bbkey|ccckey|ddddkey)=(\\w+)', ['key'])).toBeUndefined();
    expect(followSpecFor('(?:akey|bbkey|ccckey)=(\\w+)', ['key'])!.leads).toEqual([1, 2, 3]);
  });

  test('an occurrence is kept when the part matches from any of its leads', () => {
    const spec = followSpecFor('(?:pwd|[_.-]pass)=(\\w{3,})', ['pass', 'pwd'])!;
    const follow = compileRe2(spec.pattern, '');
    if (!follow.ok) throw new Error(follow.error);
    const text = Buffer.from('db_pass=abc xpass=abc .pass=ab pwd=abcd');
    const ends = [...text.toString().matchAll(/pass|pwd/g)].map((m) => m.index + m[0].length);
    const check = (i: number) => ({ back: text.toString().slice(0, ends[i]).endsWith('pwd') ? 3 : 4, leads: spec.leads });
    const kept = ends.filter((e, i) => followHits(text, [e], check(i), { follow: follow.regex }, 4096).length === 1);
    expect(kept).toEqual([ends[0], ends[3]]);
  });
});

describe('what must follow a keyword', () => {
  test('the bytes that can come next, with case folded under (?i)', () => {
    const f = followSpecFor('(?i)(?:password|pwd)[ \\t]*[=:]\\s*(\\w+)', ['password', 'pwd'])!;
    expect(allowed(f.next['password'])).toBe(' :=');
    expect(f.next['password']!.count).toBe(1);
    const g = followSpecFor('(?i)define\\s*\\(\\s*["\']', ['define'])!;
    expect(allowed(g.next['define'])).toBe(' (');
    const h = followSpecFor('(?i)\\bsecret(?:_?key)?>', ['secret'])!;
    expect(allowed(h.next['secret'])).toBe('>K_k');
  });

  test('a keyword followed by a repeated class must be followed by its whole minimum run', () => {
    const f = followSpecFor('\\b(EAA[A-Za-z0-9]{100,500})\\b', ['eaa'])!;
    expect(f.next['eaa']!.count).toBe(100);
    expect(allowed(f.next['eaa'])).toBe('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz');
  });

  test('no byte check where any byte may follow (a negated class or the end of the part)', () => {
    expect(followSpecFor('token(.+)', ['token'])!.next['token']).toBeUndefined();
    expect(allowed(followSpecFor('token=([^<]+)', ['token'])!.next['token'])).toBe('=');
  });

  test('occurrences are dropped by the byte check or by the filter, and kept when the window can hold a match', () => {
    const spec = followSpecFor('(?:password|pwd)\\s*=\\s*(\\w{3,})', ['password', 'pwd'])!;
    const follow = compileRe2(spec.pattern, '');
    if (!follow.ok) throw new Error(follow.error);
    const text = Buffer.from('a.password; password = ab; password =  abc; password="x"');
    const ends = [...text.toString().matchAll(/password/g)].map((m) => m.index + 'password'.length);
    const kept = followHits(text, ends, { back: 8, next: spec.next['password']!, leads: [0] }, { follow: follow.regex }, 4096);
    expect(kept).toEqual([ends[2]]);
    // A window that ends before the value is complete cannot hold a match either.
    expect(followHits(text, [ends[2]!], { back: 8, leads: [0] }, { follow: follow.regex }, 4)).toEqual([]);
  });
});

describe('stored follow filters', () => {
  test('survive the trip through rules.json data, shared masks and all', () => {
    const specs = loadBuiltinRules().map((s) => followSpecFor(s.regex, s.keywords.map((k) => k.toLowerCase())));
    const data = JSON.parse(JSON.stringify(followSpecsToData(specs)));
    expect(data.masks.length).toBeLessThan(specs.filter(Boolean).length);
    const back = followSpecsFromData(data)!;
    expect(back.map((f) => f ?? undefined)).toEqual(specs);
  });

  test('data of the wrong shape is not read', () => {
    for (const bad of [null, 3, { masks: ['zz'], specs: [] }, { masks: [], specs: [{ pattern: 'x', next: { k: [1, 0] } }] }, { masks: ['0'.repeat(64)], specs: [{ pattern: 'x', next: { k: [0, 0] } }] }]) {
      expect(followSpecsFromData(bad)).toBeUndefined();
    }
  });

  test('a worker is given the filters with its rules and compiles the same checks without working them out', () => {
    const specs = loadBuiltinRules();
    const copy = structuredClone(workerSetup({ specs, config: config({ rules: [rule({ id: 'user-x', regex: 'zzkey=(\\w{8,})', keywords: ['zzkey'] })] }) }));
    const engine = buildWorkerEngine(copy);
    const first = copy.specs.findIndex((s) => s.id === 'curl-basic-auth');
    expect(followSpecOf(copy.specs[first]!)).toBe(copy.follow![first]);
    expect(followSpecOf(copy.config!.rules[0]!)).toBe(copy.follow![specs.length]);
    expect(engine.keywordFollow).toEqual(compileRules(specs, copy.config).keywordFollow);
  });

  test('the built-in rules compile with the same filters as their regexes give', () => {
    for (const s of loadBuiltinRules()) expect(followSpecOf(s), s.id).toEqual(followSpecFor(s.regex, s.keywords.map((k) => k.toLowerCase())));
  });
});

describe('the engine with follow filters', () => {
  test('a password in a connection string on a long minified line is still found', () => {
    const filler = 'var a={password:b.password,pwd:c};'.repeat(400);
    const text = `${filler}s="Server=db1;Database=app;User Id=sa;Password=${PASSWORD};"${filler}\n`;
    const rules = compileRules(loadBuiltinRules());
    const found = detect(rules, { path: 'dist/app.min.js', text }).filter((f) => f.ruleId === 'database-connection-string-password');
    expect(found.map((f) => f.secret.reveal())).toEqual([PASSWORD]);
  });

  test('reports exactly what the engine without follow filters reports, for the built-in rules and user rules', () => {
    const rules = compileRules([
      ...loadBuiltinRules(),
      rule({ id: 'user-define', regex: "(?i)\\bdefine\\s*\\(\\s*['\"](\\w*key)['\"]\\s*,\\s*['\"]([^'\"]{8,})['\"]", keywords: ['define'], secretGroup: 2 }),
      rule({ id: 'user-prefix', regex: '\\b(zz_[A-Za-z0-9]{20,40})\\b', keywords: ['zz_'] }),
      rule({ id: 'user-mid', regex: '(?i)[a-z_]{0,20}(?:passwd|passphrase)\\s*[:=]\\s*(\\S{6,})', keywords: ['passwd', 'passphrase'], entropy: 0 }),
      // `$` without (?m) matches only where the text (for the engine: the window) ends.
      rule({ id: 'user-lead', regex: '(?i)(?:passcode|[_.-]pin)\\s*=\\s*(\\w{6,})', keywords: ['passcode', 'pin'], entropy: 0 }),
      rule({ id: 'user-run', regex: '\\b([0-9a-f]{8}-zq[0-9]{2})\\b', keywords: ['-zq'], entropy: 0 }),
      rule({ id: 'user-end', regex: '(?:passcode)\\s*=\\s*(\\w{6,})$', keywords: ['passcode'] }),
    ]);
    expect(rules.keywordFollow.flat().filter(Boolean).length).toBeGreaterThan(150);
    const plain = unfollowed(rules);
    const same = (text: string): void => {
      const fragment = { path: 'src/config.txt', text };
      expect(detect(rules, fragment).map(view), text.slice(0, 80)).toEqual(detect(plain, fragment).map(view));
    };
    // Edges a random text seldom hits: a run of exactly the minimum length, a value that ends where
    // the window around its keyword ends (the second line break), a value at the very end of a long line.
    const examples = [
      'k = zz_Xk29fLq83Zt7Wm4Np6Rb;',
      'app.pin = Qx81Zm04',
      'id deadbeef-zq42 end',
      `passcode =\nZq8Kp2Vx7Lm4\n${'zzz\n'.repeat(100)}`,
      `${'y'.repeat(5000)} passcode = Zq8Kp2Vx7Lm4`,
      `define('SECURE_AUTH_KEY', '${PASSWORD}Plus')`,
      `curl -s -u admin:${CURL_PASSWORD} https://example.test`,
      `<add key="ApiKey" value="${PASSWORD}Plus"/>`,
      `<add\n  key="ApiKey"\n  value="${PASSWORD}Plus"/>`,
      `<setting name="db.password" value="${PASSWORD}Plus" />`,
      `Server=db01;User Id=app;Password=${PASSWORD};`,
    ];
    for (const text of examples) same(text);
    expect(examples.map((text) => detect(rules, { path: 'src/config.txt', text }).length).every((n) => n > 0)).toBe(true);
    const piece = fc.constantFrom(
      'password',
      'PassWord',
      'pwd',
      'passwd',
      'passphrase',
      'passcode',
      'secret_key',
      'api_key',
      'token',
      'define',
      'curl',
      ' -u ',
      'mysql',
      ' -p',
      'zz_',
      '_pin',
      '.PIN',
      'pin',
      '-zq',
      'deadbeef',
      '42',
      'EAA',
      ' = ',
      '=',
      ': ',
      '(',
      "'",
      '"',
      ',',
      ';',
      '>',
      '</',
      'Server=db;',
      '<add',
      ' key="',
      'name=',
      '" value="',
      'ApiKey',
      'admin:',
      'Xk29fLq83Zt7Wm4Np6Rb',
      'hunter2Tr0ub4dor',
      'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789',
      '\n',
      ' ',
      'é',
      'x'.repeat(900),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (parts) => same(parts.join(''))),
      { numRuns: 500 },
    );
  });
});

describe('follow filters of any regex a user may write', () => {
  test('never throw, and give a pattern RE2 compiles whenever RE2 compiles the regex', () => {
    const atom = fc.constantFrom('a', 'key', 'pass', '\\b', '\\s*', '\\w+', '[_.-]', '[^"]', '(?:', '(', ')', '|', '?', '*', '{2}', '{1,3}', '^', '$', '(?i)', '(?i:', '\\', '[', ']', '.', 'é', '\\x41', '\\pL', '{', '}');
    fc.assert(
      fc.property(fc.array(atom, { maxLength: 14 }), fc.subarray(['a', 'key', 'pass']), (parts, keywords) => {
        const regex = parts.join('');
        const spec = followSpecFor(regex, keywords);
        if (spec === undefined || !compileRe2(regex, '').ok) return;
        expect(compileRe2(spec.pattern, '').ok, `${regex} -> ${spec.pattern}`).toBe(true);
        expect(spec.leads.length).toBeGreaterThan(0);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('the engine with the follow filter of a random rule', () => {
  test('still finds a match that begins on the line before the keyword its filter keeps', () => {
    // Found through the window of `pass` on the line before; a filter on `key` would close it.
    const rules = compileRules([rule({ id: 'fuzz', regex: '[a-z]{2}\\s+key', keywords: ['key', 'pass'], entropy: 0 })]);
    const fragment = { path: 'src/x.txt', text: 'password\nkey' };
    const plain = detect(unfollowed(rules), fragment).map(view);
    expect(plain).toHaveLength(1);
    expect(detect(rules, fragment).map(view)).toEqual(plain);
  });

  test('reports exactly what it reports without the filter', () => {
    const atom = fc.constantFrom('key', 'pass', 'word', '=', ':', '\\s*', '\\s+', '[ \\t]*', '\\w{3,}', '[a-z]{2}', '[_.-]', '[^"\\s]{4,}', '"', '\\b', '^', '$', '(?:key|pass)', '(?:pass|[_.-]key)', '(?:', ')', '?', 'x');
    const piece = fc.constantFrom('key', 'KEY', 'pass', 'password', 'word', '=', ' = ', ':', '"', '_', '.', '-', 'x', 'ab', 'Zq8Rk2Lp', '\n', ' ', 'é', 'key = Zq8Rk2Lp', 'pass:Zq8Rk2Lp"', '_key="ab Zq8Rk2Lp"', 'xpassword ab');
    let filtered = 0;
    let found = 0;
    fc.assert(
      fc.property(fc.array(atom, { minLength: 1, maxLength: 8 }), fc.constantFrom('', '(?i)', '(?m)'), fc.array(piece, { maxLength: 24 }), (parts, flags, text) => {
        const regex = flags + parts.join('');
        if (!compileRe2(regex, '').ok) return;
        const rules = compileRules([rule({ id: 'fuzz', regex, keywords: ['key', 'pass'], entropy: 0 })]);
        const fragment = { path: 'src/x.txt', text: text.join('') };
        const plain = detect(unfollowed(rules), fragment).map(view);
        expect(detect(rules, fragment).map(view), regex).toEqual(plain);
        if (rules.keywordFollow.flat().some(Boolean)) filtered++;
        if (plain.length > 0) found++;
      }),
      { numRuns: 2500 },
    );
    // The runs must exercise filters on texts that hold findings, or they would prove nothing.
    expect(filtered, 'runs whose rule got a filter').toBeGreaterThan(300);
    expect(found, 'runs with findings').toBeGreaterThan(40);
  });
});

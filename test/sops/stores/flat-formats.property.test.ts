import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { dotenvStore } from '../../../src/sops/stores/dotenv.js';
import { iniStore } from '../../../src/sops/stores/ini.js';
import { binaryStore } from '../../../src/sops/stores/binary.js';
import type { MapEntry, MapNode, ScalarNode } from '../../../src/sops/tree.js';
import { encryptWith, openWith, roundTrip, shape } from './store-roundtrip.js';

const tricky = fc.constantFrom('a', 'Z', ' ', '\t', '=', ':', '#', ';', '"', "'", '`', '\\', 'n', '[', ']', 'é', '😀', '\r');
const piece = fc.string({ unit: tricky, maxLength: 10 });
const key = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,8}$/).filter((k) => !k.startsWith('sops_'));

/** Lines of a .env file: KEY=anything, # comments, blank lines. */
const dotenvText = fc
  .array(
    fc.oneof(
      fc.tuple(key, piece).map(([k, v]) => `${k}=${v}`),
      piece.map((c) => `#${c}`),
      fc.constant(''),
    ),
    { maxLength: 8 },
  )
  .map((lines) => lines.map((l) => l + '\n').join(''));

/**
 * Comment text as people write it: go-ini strips every marker and space after the first marker and
 * trims the end, so only such text can come back byte for byte once encrypted.
 */
const comment = piece.filter((c) => !/^[\s;#]/.test(c) && c.trimEnd() === c);

/** Lines of an INI file in every syntax go-ini reads, values and comments made of awkward characters. */
const iniLine = fc.oneof(
  fc.tuple(key, fc.constantFrom(' = ', '=', ' : ', '   =  '), piece).map(([k, d, v]) => `${k}${d}${v}`),
  fc.tuple(key, piece).map(([k, v]) => `${k} = """${v}\n${v}"""`),
  fc.tuple(key, piece).map(([k, v]) => `${k} = \`${v}\``),
  fc.tuple(fc.constantFrom('; ', '# ', ';', '#'), comment).map(([m, c]) => `${m}${c}`.trimEnd()),
  key.map((s) => `[${s}]`),
  fc.constant(''),
);
const iniText = fc.array(iniLine, { maxLength: 10 }).map((lines) => lines.map((l) => l + '\n').join(''));

/**
 * Lines as people write them: no inline comments (go-ini joins one with the comment lines above
 * it into one comment, which then comes back on lines of its own).
 */
const plainValue = piece.filter((v) => !/[#;]/.test(v) && !/^(`|""")/.test(v.trimStart()) && !v.trimEnd().endsWith('\\'));
const typicalIniLine = fc.oneof(
  fc.tuple(key, fc.constantFrom(' = ', '=', ' : ', '   =  '), plainValue).map(([k, d, v]) => `${k}${d}${v}`),
  fc.tuple(key, plainValue).map(([k, v]) => `${k} = "${v}"`),
  fc.tuple(key, piece.filter((v) => !v.includes('`'))).map(([k, v]) => `${k} = \`${v}\``),
  fc.tuple(fc.constantFrom('; ', '# ', ';', '#'), comment).map(([m, c]) => `${m}${c}`.trimEnd()),
  key.map((s) => `[${s}]`),
  fc.constant(''),
);
const typicalIniText = fc.array(typicalIniLine, { maxLength: 10 }).map((lines) => lines.map((l) => l + '\n').join(''));

function parses(parse: () => unknown): boolean {
  try {
    parse();
    return true;
  } catch {
    return false;
  }
}

describe('every format round-trips through encrypt and decrypt', () => {
  test('dotenv: any file sops can read comes back byte for byte', () => {
    fc.assert(
      fc.property(dotenvText, (text) => {
        fc.pre(parses(() => dotenvStore.parse(text)));
        expect(roundTrip(dotenvStore, text).decrypted).toBe(text);
      }),
      { numRuns: 150 },
    );
  });

  test('INI: any file go-ini can read decrypts to the same data, and the encrypted file reads as the same tree', () => {
    fc.assert(
      fc.property(iniText, (text) => {
        fc.pre(parses(() => iniStore.parse(text)));
        const { text: encrypted, key: dataKey } = encryptWith(iniStore, text);
        const opened = openWith(iniStore, encrypted, dataKey).file;
        expect(shape(opened)).toEqual(shape(iniStore.parse(text).file));
        const decrypted = iniStore.emit(opened);
        expect(shape(iniStore.parse(decrypted).file)).toEqual(shape(iniStore.parse(text).file));
      }),
      { numRuns: 150 },
    );
  });

  test('INI: a file without duplicate sections or keys comes back byte for byte', () => {
    fc.assert(
      // go-ini (and so sops) drops comments after the last key; a last key keeps them all in play.
      fc.property(typicalIniText.map((t) => t + 'last_line_key = 1\n'), (text) => {
        fc.pre(parses(() => iniStore.parse(text)));
        // A repeated section or key is merged by go-ini: such a file is rewritten as go-ini writes it.
        fc.pre(iniStore.parse(text).file.origin !== undefined);
        // Comment lines with blank lines between them are one comment to go-ini: it comes back without the gap.
        fc.pre(!/^[#;][^\n]*\n(?:[^\S\n]*\n)+[#;]/m.test(text));
        expect(roundTrip(iniStore, text).decrypted).toBe(text);
      }),
      { numRuns: 150 },
    );
  });

  test('binary: any text comes back byte for byte', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (text) => {
        expect(roundTrip(binaryStore, text).decrypted).toBe(text);
      }),
      { numRuns: 100 },
    );
  });

  test('changed INI values in any quoting style read back as the value written', () => {
    fc.assert(
      fc.property(piece, (value) => {
        const file = iniStore.parse('[s]\nplain = x\ndq = "x"\nsq = \'x\'\nbt = `x`\ntq = """x"""\n').file;
        const section = ((file.documents[0] as MapNode).items[1] as MapEntry).value as MapNode;
        for (const item of section.items) if (item.kind === 'entry') (item.value as ScalarNode).scalar = { type: 'str', value };
        const again = iniStore.parse(iniStore.emit(file)).file;
        const values = (((again.documents[0] as MapNode).items[1] as MapEntry).value as MapNode).items.map((i) => (i as MapEntry).value);
        expect(values.map((v) => (v as ScalarNode).scalar)).toEqual(Array(5).fill({ type: 'str', value }));
      }),
      { numRuns: 200 },
    );
  });
});

import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isEncValue, parseEncValue } from '../../../src/sops/cipher/aes.js';
import { encryptMac } from '../../../src/sops/cipher/mac.js';
import { decryptTreeVerified, encryptTree } from '../../../src/sops/cipher/tree-crypt.js';
import { isSealguardError } from '../../../src/shared/errors.js';
import type { EncryptionSelector } from '../../../src/sops/metadata.js';
import type { CommentNode, ListNode, MapNode, ParsedFile, Scalar, ScalarNode, TreeNode } from '../../../src/sops/tree.js';
import { clone, leaves } from './tree-builders.js';

const key = randomBytes(32);
const LM = '2024-05-01T10:00:00Z';

const keyArb = fc.oneof(
  fc.string({ minLength: 1, maxLength: 8 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }),
  fc.string({ minLength: 1, maxLength: 4 }).map((k) => k + '_unencrypted'),
);

const scalarArb: fc.Arbitrary<Scalar> = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 20 }).map((value) => ({ type: 'str', value }) as const),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((n) => ({ type: 'int', value: n.toString() }) as const),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => ({ type: 'float', value: String(n) }) as const),
  // Stores give the source spelling; decrypt hands it back as `text`.
  fc.constantFrom('true', 'True', 'TRUE', 't', '1', 'false', 'False', 'FALSE', 'f', '0').map(
    (text) => ({ type: 'bool', value: ['true', 'True', 'TRUE', 't', '1'].includes(text), text }) as const,
  ),
  fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2200-01-01T00:00:00Z'), noInvalidDate: true }).map(
    (d) => ({ type: 'time', value: d.toISOString() }) as const,
  ),
  fc.constant({ type: 'null' } as const),
);

const commentArb: fc.Arbitrary<CommentNode> = fc.string({ unit: 'grapheme', maxLength: 15 }).map((text) => ({ kind: 'comment', text }));

const { map: mapArb } = fc.letrec<{ node: TreeNode; map: MapNode; list: ListNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalarArb.map((s): ScalarNode => ({ kind: 'scalar', scalar: s })),
    tie('map'),
    tie('list'),
  ),
  map: fc
    .array(fc.oneof({ weight: 5, arbitrary: fc.tuple(keyArb, tie('node')) }, { weight: 1, arbitrary: commentArb }), { maxLength: 5 })
    .map((items): MapNode => ({
      kind: 'map',
      items: items.map((i) => (Array.isArray(i) ? { kind: 'entry', key: i[0], value: i[1] } : i)),
    })),
  list: fc
    .array(fc.oneof({ weight: 5, arbitrary: tie('node') }, { weight: 1, arbitrary: commentArb }), { maxLength: 4 })
    .map((items): ListNode => ({ kind: 'list', items })),
}));

const fileArb: fc.Arbitrary<ParsedFile> = fc.array(mapArb, { minLength: 1, maxLength: 2 }).map((documents) => ({ documents }));

const selectorArb: fc.Arbitrary<EncryptionSelector> = fc.constantFrom<EncryptionSelector>(
  {},
  { encryptedRegex: '^[a-m]' },
  { unencryptedRegex: 'x' },
  { encryptedSuffix: 'a' },
  { encryptedCommentRegex: 'e' },
  { unencryptedCommentRegex: 'e' },
  { macOnlyEncrypted: true },
);

function seal(f: ParsedFile, selector: EncryptionSelector): string {
  return encryptMac(encryptTree(f, key, selector).mac, key, LM);
}

function refused(fn: () => unknown): boolean {
  try {
    fn();
    return false;
  } catch (e) {
    if (isSealguardError(e)) return true;
    throw e;
  }
}

const encLeaves = (f: ParsedFile): ScalarNode[] =>
  leaves(f)
    .map((l) => l.node)
    .filter((n): n is ScalarNode => n.kind === 'scalar' && n.scalar.type === 'str' && isEncValue(n.scalar.value));

describe('property: random documents', () => {
  it('encrypt then decrypt is the identity (nested maps/lists, every scalar type, unicode, comments)', () => {
    fc.assert(
      fc.property(fileArb, selectorArb, (input, selector) => {
        const f = clone(input);
        const original = clone(f);
        const mac = seal(f, selector);
        decryptTreeVerified(f, key, { mac, lastModified: LM, selector });
        expect(f).toEqual(original);
      }),
      { numRuns: 300 },
    );
  });

  it('flipping any bit of any encrypted value (data, iv or tag) is refused', () => {
    fc.assert(
      fc.property(
        fileArb.filter((f) => {
          const g = clone(f);
          seal(g, {});
          return encLeaves(g).length > 0;
        }),
        fc.nat(),
        fc.constantFrom('data', 'iv', 'tag'),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        (input, which, field, index, bit) => {
          const f = clone(input);
          const mac = seal(f, {});
          const targets = encLeaves(f);
          const target = targets[which % targets.length] as ScalarNode;
          const parsed = parseEncValue((target.scalar as { value: string }).value);
          const parts = { data: Buffer.from(parsed.data), iv: Buffer.from(parsed.iv), tag: Buffer.from(parsed.tag) };
          const buf = parts[field as keyof typeof parts];
          if (buf.length === 0) return;
          buf[index % buf.length] = (buf[index % buf.length] as number) ^ (1 << bit);
          target.scalar = {
            type: 'str',
            value: `ENC[AES256_GCM,data:${parts.data.toString('base64')},iv:${parts.iv.toString('base64')},tag:${parts.tag.toString('base64')},type:${parsed.type}]`,
          };
          expect(refused(() => decryptTreeVerified(f, key, { mac, lastModified: LM, selector: {} }))).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('flipping any character of the MAC or of lastmodified is refused', () => {
    fc.assert(
      fc.property(fileArb, fc.boolean(), fc.nat(), (input, tamperMac, index) => {
        const f = clone(input);
        const mac = seal(f, {});
        let badMac = mac;
        let lastModified = LM;
        if (tamperMac) {
          const parsed = parseEncValue(mac);
          const data = Buffer.from(parsed.data);
          data[index % data.length] = (data[index % data.length] as number) ^ 1;
          badMac = mac.replace(parsed.data.toString('base64'), data.toString('base64'));
        } else {
          const i = index % LM.length;
          lastModified = LM.slice(0, i) + String.fromCharCode(LM.charCodeAt(i) ^ 1) + LM.slice(i + 1);
        }
        expect(refused(() => decryptTreeVerified(f, key, { mac: badMac, lastModified, selector: {} }))).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('an encrypted value moved to a different key path is refused', () => {
    fc.assert(
      fc.property(fileArb, fc.nat(), fc.nat(), (input, i, j) => {
        const f = clone(input);
        const mac = seal(f, {});
        const all = leaves(f).filter((l) => l.node.kind === 'scalar' && l.node.scalar.type === 'str' && isEncValue(l.node.scalar.value));
        const a = all[i % Math.max(all.length, 1)];
        const b = all[j % Math.max(all.length, 1)];
        if (!a || !b || a.path === b.path) return;
        const [na, nb] = [a.node as ScalarNode, b.node as ScalarNode];
        [na.scalar, nb.scalar] = [nb.scalar, na.scalar];
        expect(refused(() => decryptTreeVerified(f, key, { mac, lastModified: LM, selector: {} }))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

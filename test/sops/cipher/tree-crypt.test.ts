import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decryptValue, isEncValue } from '../../../src/sops/cipher/aes.js';
import { encryptMac } from '../../../src/sops/cipher/mac.js';
import { decryptTree, decryptTreeVerified, encryptTree, plaintextMac } from '../../../src/sops/cipher/tree-crypt.js';
import { isSealguardError } from '../../../src/shared/errors.js';
import type { EncryptionSelector } from '../../../src/sops/metadata.js';
import type { CommentNode, ParsedFile, ScalarNode } from '../../../src/sops/tree.js';
import { at, clone, comment, entry, file, leaves, list, map, scalar, scalarAt, str, textAt } from './tree-builders.js';

const key = randomBytes(32);
const LM = '2024-05-01T10:00:00Z';

function seal(f: ParsedFile, selector: EncryptionSelector = {}): { mac: string } {
  const { mac } = encryptTree(f, key, selector);
  return { mac: encryptMac(mac, key, LM) };
}

function open(f: ParsedFile, encMac: string, selector: EncryptionSelector = {}, lastModified = LM): void {
  decryptTreeVerified(f, key, { mac: encMac, lastModified, selector });
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (isSealguardError(e)) return e.code;
    throw e;
  }
  return 'no error';
}

const sample = (): ParsedFile =>
  file(
    map(
      comment(' top comment'),
      entry('db', map(entry('user', str('admin')), entry('password', str('s3cret')), entry('port', scalar({ type: 'int', value: '5432' })))),
      entry('tags', list(str('a'), comment(' between items'), str('b'))),
      entry('debug_unencrypted', map(entry('level', str('verbose')), entry('nested', list(str('x'))))),
      entry('ratio', scalar({ type: 'float', value: '0.5' })),
      entry('enabled', scalar({ type: 'bool', value: true, text: 'true' })),
      entry('when', scalar({ type: 'time', value: '2024-01-02T03:04:05Z' })),
      entry('nothing', scalar({ type: 'null' })),
      entry('empty', str('')),
    ),
  );

describe('encrypting a tree with the default selector', () => {
  it('encrypts every value and comment except under keys ending in _unencrypted; nulls and "" stay', () => {
    const f = sample();
    seal(f);
    expect(isEncValue(textAt(f, 'db', 'password'))).toBe(true);
    expect(textAt(f, 'db', 'port')).toMatch(/type:int\]$/);
    expect(textAt(f, 'ratio')).toMatch(/type:float\]$/);
    expect(textAt(f, 'enabled')).toMatch(/type:bool\]$/);
    expect(textAt(f, 'when')).toMatch(/type:time\]$/);
    expect(isEncValue(textAt(f, 'tags', 1))).toBe(true);
    expect(textAt(f, 'debug_unencrypted', 'level')).toBe('verbose');
    expect(textAt(f, 'debug_unencrypted', 'nested', 0)).toBe('x');
    expect(scalarAt(f, 'nothing')).toEqual({ type: 'null' });
    expect(textAt(f, 'empty')).toBe('');
    const comments = leaves(f).filter((l) => l.node.kind === 'comment');
    for (const c of comments) expect((c.node as CommentNode).text).toMatch(/^ENC\[.*type:comment\]$/);
  });

  it('the AAD of a value is its key path with a trailing colon; list items share their list key', () => {
    const f = sample();
    seal(f);
    expect(decryptValue(textAt(f, 'db', 'password'), key, 'db:password:').plaintext.toString()).toBe('s3cret');
    expect(decryptValue(textAt(f, 'tags', 1), key, 'tags:').plaintext.toString()).toBe('b');
    const top = (f.documents[0]?.items[0] as CommentNode).text;
    expect(decryptValue(top, key, ':').plaintext.toString()).toBe(' top comment');
  });

  it('decrypting gives back exactly the tree that was encrypted, and the same MAC', () => {
    const f = sample();
    const original = clone(f);
    const { mac } = encryptTree(f, key, {});
    const result = decryptTree(f, key, {});
    expect(f).toEqual(original);
    expect(result.mac).toBe(mac);
    expect(result.warnings).toEqual([]);
  });

  it('the MAC is the upper-case SHA-512 of the canonical plaintexts in order, independent of encryption', () => {
    const f = sample();
    const expected = plaintextMac(f, {});
    expect(expected).toMatch(/^[0-9A-F]{128}$/);
    expect(encryptTree(f, key, {}).mac).toBe(expected);
  });
});

describe('selectors, as sops applies them', () => {
  const tree = (): ParsedFile =>
    file(
      map(
        entry('data', map(entry('a', str('1')), entry('inner', list(str('2'))))),
        entry('metadata', map(entry('name', str('app')))),
        entry('password_enc', str('p')),
        entry('plain', str('q')),
      ),
    );

  it('encrypted_regex encrypts everything under a matching key, nothing else', () => {
    const f = tree();
    seal(f, { encryptedRegex: '^data$' });
    expect(isEncValue(textAt(f, 'data', 'a'))).toBe(true);
    expect(isEncValue(textAt(f, 'data', 'inner', 0))).toBe(true);
    expect(textAt(f, 'metadata', 'name')).toBe('app');
    expect(textAt(f, 'plain')).toBe('q');
  });

  it('encrypted_regex is unanchored like Go regexp: "pass" matches password_enc', () => {
    const f = tree();
    seal(f, { encryptedRegex: 'pass' });
    expect(isEncValue(textAt(f, 'password_enc'))).toBe(true);
    expect(textAt(f, 'data', 'a')).toBe('1');
  });

  it('unencrypted_regex leaves matching subtrees plain and encrypts the rest', () => {
    const f = tree();
    seal(f, { unencryptedRegex: '^meta' });
    expect(textAt(f, 'metadata', 'name')).toBe('app');
    expect(isEncValue(textAt(f, 'data', 'a'))).toBe(true);
  });

  it('encrypted_suffix encrypts only keys with the suffix', () => {
    const f = tree();
    seal(f, { encryptedSuffix: '_enc' });
    expect(isEncValue(textAt(f, 'password_enc'))).toBe(true);
    expect(textAt(f, 'plain')).toBe('q');
    expect(textAt(f, 'data', 'a')).toBe('1');
  });

  it('encrypted_comment_regex encrypts the key after a matching comment (whole subtree); the marker stays readable', () => {
    const f = file(
      map(
        entry('user', str('admin')),
        comment(' sops:enc'),
        entry('password', str('s3cret')),
        entry('host', str('db')),
        comment(' sops:enc'),
        entry('creds', map(entry('token', str('t')), comment(' note'), entry('id', str('i')))),
      ),
    );
    const original = clone(f);
    const { mac } = seal(f, { encryptedCommentRegex: 'sops:enc' });
    expect(textAt(f, 'user')).toBe('admin');
    expect(isEncValue(textAt(f, 'password'))).toBe(true);
    expect(textAt(f, 'host')).toBe('db');
    expect(isEncValue(textAt(f, 'creds', 'token'))).toBe(true);
    expect(isEncValue(textAt(f, 'creds', 'id'))).toBe(true);
    expect((f.documents[0]?.items[1] as CommentNode).text).toBe(' sops:enc');
    open(f, mac, { encryptedCommentRegex: 'sops:enc' });
    expect(f).toEqual(original);
  });

  it('unencrypted_comment_regex leaves the key after a matching comment plain', () => {
    const f = file(map(comment(' sops:noenc'), entry('public', str('x')), entry('secret', str('y'))));
    const original = clone(f);
    const { mac } = seal(f, { unencryptedCommentRegex: 'noenc' });
    expect(textAt(f, 'public')).toBe('x');
    expect(isEncValue(textAt(f, 'secret'))).toBe(true);
    open(f, mac, { unencryptedCommentRegex: 'noenc' });
    expect(f).toEqual(original);
  });

  it('more than one selector, or an invalid regex, is refused', () => {
    expect(codeOf(() => encryptTree(tree(), key, { encryptedRegex: 'a', unencryptedSuffix: '_u' }))).toBe('INVALID_SELECTOR');
    expect(codeOf(() => encryptTree(tree(), key, { encryptedRegex: '(' }))).toBe('INVALID_SELECTOR');
  });
});

describe('the MAC protects values, order and timestamp', () => {
  it('changing an unencrypted value is detected (the MAC covers it)', () => {
    const f = sample();
    const { mac } = seal(f);
    (at(f, 'debug_unencrypted', 'level') as ScalarNode).scalar = { type: 'str', value: 'quiet' };
    expect(codeOf(() => open(f, mac))).toBe('MAC_MISMATCH');
  });

  it('with mac_only_encrypted, unencrypted values are outside the MAC', () => {
    const selector = { macOnlyEncrypted: true };
    const f = sample();
    const { mac } = seal(f, selector);
    (at(f, 'debug_unencrypted', 'level') as ScalarNode).scalar = { type: 'str', value: 'quiet' };
    expect(() => open(f, mac, selector)).not.toThrow();
  });

  it('swapping two list items (same AAD) decrypts but fails the MAC', () => {
    const f = file(map(entry('l', list(str('one'), str('two')))));
    const { mac } = seal(f);
    const l = at(f, 'l');
    if (l.kind === 'list') l.items.reverse();
    expect(codeOf(() => open(f, mac))).toBe('MAC_MISMATCH');
  });

  it('a changed lastmodified or a changed mac is refused with exit code 51', () => {
    const f = sample();
    const { mac } = seal(f);
    expect(codeOf(() => open(clone(f), mac, {}, '2024-05-01T10:00:01Z'))).toBe('MAC_MISMATCH');
    const badMac = encryptMac('0'.repeat(128), key, LM);
    expect(codeOf(() => open(clone(f), badMac))).toBe('MAC_MISMATCH');
    try {
      open(clone(f), badMac);
    } catch (e) {
      expect(isSealguardError(e) && e.exitCode).toBe(51);
    }
  });

  it('ignoreMac skips the check', () => {
    const f = sample();
    seal(f);
    expect(() => decryptTreeVerified(f, key, { mac: 'garbage', lastModified: LM, selector: {} }, { ignoreMac: true })).not.toThrow();
  });

  it('MACs span every document of a multi-document file', () => {
    const a = file(map(entry('k', str('v'))), map(entry('k', str('w'))));
    const b = file(map(entry('k', str('v'))), map(entry('k', str('x'))));
    expect(plaintextMac(a, {})).not.toBe(plaintextMac(b, {}));
  });
});

describe('decrypting files that are not what they claim', () => {
  it('a value moved to another key is refused, naming the key path but not the value', () => {
    const f = file(map(entry('a', str('alpha-secret')), entry('b', str('beta'))));
    seal(f);
    const a = at(f, 'a') as ScalarNode;
    const b = at(f, 'b') as ScalarNode;
    [a.scalar, b.scalar] = [b.scalar, a.scalar];
    try {
      decryptTree(f, key, {});
      throw new Error('expected a throw');
    } catch (e) {
      expect(isSealguardError(e) && e.code).toBe('DECRYPT_FAILED');
      expect((e as Error).message).toContain('"a:"');
      expect((e as Error).message).not.toContain('alpha-secret');
    }
  });

  it('a plain value where an encrypted one is expected is refused without echoing it', () => {
    const f = file(map(entry('token', str('plain-token-value'))));
    expect(codeOf(() => decryptTree(f, key, {}))).toBe('INVALID_ENC_VALUE');
    const g = file(map(entry('n', scalar({ type: 'int', value: '5' }))));
    expect(codeOf(() => decryptTree(g, key, {}))).toBe('NOT_ENCRYPTED');
  });

  it('a plain comment in an encrypted file is kept as is with a warning, like sops', () => {
    const f = file(map(entry('k', str('v'))));
    seal(f);
    f.documents[0]?.items.unshift(comment(' added by hand'));
    const result = decryptTree(f, key, {});
    expect((f.documents[0]?.items[0] as CommentNode).text).toBe(' added by hand');
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).not.toContain('added by hand');
  });
});

describe('editing keeps the ciphertext of unchanged values', () => {
  it('only the changed value gets a new ENC string', () => {
    const f = sample();
    seal(f);
    const before = leaves(f).map((l) => (l.node.kind === 'comment' ? l.node.text : JSON.stringify(l.node.scalar)));
    const { stash } = decryptTree(f, key, {});
    (at(f, 'db', 'user') as ScalarNode).scalar = { type: 'str', value: 'root' };
    encryptTree(f, key, {}, { previous: stash });
    const after = leaves(f).map((l) => (l.node.kind === 'comment' ? l.node.text : JSON.stringify(l.node.scalar)));
    const changed = before.map((b, i) => (b === after[i] ? null : i)).filter((i) => i !== null);
    expect(changed).toHaveLength(1);
    expect(leaves(f)[changed[0] as number]?.path).toBe('db:user:');
  });

  it('a value moved to another key is re-encrypted under its new path, never reusing the old ciphertext', () => {
    const f = file(map(entry('a', str('same')), entry('b', str('other'))));
    seal(f);
    const oldA = textAt(f, 'a');
    const { stash } = decryptTree(f, key, {});
    const moved = file(map(entry('c', str('same'))));
    encryptTree(moved, key, {}, { previous: stash });
    expect(textAt(moved, 'c')).not.toBe(oldA);
    expect(decryptValue(textAt(moved, 'c'), key, 'c:').plaintext.toString()).toBe('same');
  });

  it('with a new data key (rotate) the values still decrypt with the new key', () => {
    const f = sample();
    seal(f);
    const { stash } = decryptTree(f, key, {});
    const newKey = randomBytes(32);
    const original = clone(f);
    encryptTree(f, newKey, {}, { previous: stash });
    decryptTree(f, newKey, {});
    expect(f).toEqual(original);
  });
});

/**
 * The decrypted data key is zeroed once a command is done with it, on success and on every error
 * path. The real unwrap/wrap functions run; the module wrappers below only keep a reference to the
 * key bytes they hand out or receive, so the test can look at those bytes afterwards.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { newAgeKey, type AgeKey } from '../helpers/sops-cli-env.js';

const seen = vi.hoisted(() => ({ unwrapped: [] as Uint8Array[], wrapped: [] as Uint8Array[] }));

vi.mock('../../src/sops/keys/unwrap.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/sops/keys/unwrap.js')>();
  return {
    ...real,
    unwrapDataKey: async (...args: Parameters<typeof real.unwrapDataKey>) => {
      const key = await real.unwrapDataKey(...args);
      seen.unwrapped.push(key);
      return key;
    },
  };
});

vi.mock('../../src/sops/keys/wrap.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/sops/keys/wrap.js')>();
  return {
    ...real,
    wrapDataKeyForGroups: (...args: Parameters<typeof real.wrapDataKeyForGroups>) => {
      seen.wrapped.push(args[0]);
      return real.wrapDataKeyForGroups(...args);
    },
  };
});

const { decryptText, encryptText } = await import('../../src/sops/file.js');
const { openSession } = await import('../../src/sops/session.js');

const allZero = (b: Uint8Array): boolean => b.length === 32 && b.every((x) => x === 0);
let key: AgeKey;
let encrypted: string;

beforeAll(async () => {
  key = await newAgeKey();
  encrypted = (await encryptText('a: secret-zero-1\nb: [1, 2]\n', 'f.yaml', { keys: { age: [key.recipient] }, env: {} })).output;
});

function last(list: Uint8Array[]): Uint8Array {
  const k = list.at(-1);
  if (!k) throw new Error('no key was captured');
  return k;
}

describe('data-key bytes are zeroed after use', () => {
  it('encrypt: the fresh data key handed to the key wrappers is all zeros when encryptText returns', async () => {
    await encryptText('x: 1\n', 'g.yaml', { keys: { age: [key.recipient] }, env: {} });
    expect(allZero(last(seen.wrapped))).toBe(true);
  });

  it('decrypt: the unwrapped key is all zeros when decryptText returns', async () => {
    const out = await decryptText(encrypted, 'f.yaml', { env: { SOPS_AGE_KEY: key.identity } });
    expect(out.output).toContain('secret-zero-1');
    expect(allZero(last(seen.unwrapped))).toBe(true);
  });

  it('a session: the key is live while open, all zeros after close(), and the session refuses to seal afterwards', async () => {
    const s = await openSession(encrypted, 'f.yaml', { env: { SOPS_AGE_KEY: key.identity } });
    const unwrapped = last(seen.unwrapped);
    let inside: Uint8Array | undefined;
    s.withDataKey((k) => {
      inside = k;
    });
    expect(unwrapped.some((x) => x !== 0)).toBe(true);
    s.close();
    expect(allZero(unwrapped)).toBe(true);
    expect(inside && allZero(inside)).toBe(true);
    expect(() => s.seal(s.file)).toThrow(/closed/);
  });

  it('a session whose MAC does not verify: the key is zeroed before the error reaches the caller', async () => {
    const tampered = encrypted.replace(/lastmodified: "?(\d{4})/, (m, y: string) => m.replace(y, String(Number(y) - 1)));
    expect(tampered).not.toBe(encrypted);
    await expect(openSession(tampered, 'f.yaml', { env: { SOPS_AGE_KEY: key.identity } })).rejects.toThrow();
    expect(allZero(last(seen.unwrapped))).toBe(true);
  });

  it('a value that fails to decrypt (flipped tag): the key is zeroed before the error reaches the caller', async () => {
    const tampered = encrypted.replace(/tag:([A-Za-z0-9+/])/, (_m, c: string) => `tag:${c === 'A' ? 'B' : 'A'}`);
    await expect(decryptText(tampered, 'f.yaml', { env: { SOPS_AGE_KEY: key.identity } })).rejects.toThrow();
    expect(allZero(last(seen.unwrapped))).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { decryptText, encryptText } from '../../src/sops/file.js';
import { openSession } from '../../src/sops/session.js';
import type { MapNode } from '../../src/sops/tree.js';
import { caught } from '../helpers/errors.js';

async function ageEnv(): Promise<{ env: NodeJS.ProcessEnv; recipient: string }> {
  const identity = await generateX25519Identity();
  return { env: { SOPS_AGE_KEY: identity }, recipient: await identityToRecipient(identity) };
}

const plain = 'db:\n  user: app\n  password: hunter2-0123\n# rotate monthly\ntoken: t-42\nport: 5432\n';

function encLines(text: string): string[] {
  return text.split('\n').filter((l) => l.includes('ENC['));
}

describe('sops sessions (the basis of edit, set and the merge driver)', () => {
  it('re-sealing an unchanged file keeps every value and comment ciphertext byte for byte', async () => {
    const { env, recipient } = await ageEnv();
    const { output: encrypted } = await encryptText(plain, 'a.yaml', { keys: { age: [recipient] }, env });
    const session = await openSession(encrypted, 'a.yaml', { env });
    try {
      const resealed = session.seal(session.file);
      const before = encLines(encrypted).filter((l) => !l.includes('mac:'));
      const after = encLines(resealed).filter((l) => !l.includes('mac:'));
      expect(after).toEqual(before);
      expect((await decryptText(resealed, 'a.yaml', { env })).output).toBe(plain);
    } finally {
      session.close();
    }
  });

  it('a changed value gets new ciphertext while its neighbours keep theirs, and the MAC still verifies', async () => {
    const { env, recipient } = await ageEnv();
    const { output: encrypted } = await encryptText(plain, 'a.yaml', { keys: { age: [recipient] }, env });
    const session = await openSession(encrypted, 'a.yaml', { env });
    try {
      const edited = session.store.parse(plain.replace('t-42', 't-43')).file;
      const resealed = session.seal(edited);
      const changed = encLines(resealed).filter((l) => !encLines(encrypted).includes(l));
      // The token and the MAC change; user, password and the comment do not.
      expect(changed.map((l) => l.trim().split(':')[0])).toEqual(['token', 'mac']);
      expect((await decryptText(resealed, 'a.yaml', { env })).output).toBe(plain.replace('t-42', 't-43'));
    } finally {
      session.close();
    }
  });

  it('the opened tree is plaintext and a closed session refuses to seal', async () => {
    const { env, recipient } = await ageEnv();
    const { output: encrypted } = await encryptText(plain, 'a.yaml', { keys: { age: [recipient] }, env });
    const session = await openSession(encrypted, 'a.yaml', { env });
    const first = (session.file.documents[0] as MapNode).items[0];
    expect(first?.kind === 'entry' && first.key).toBe('db');
    expect(session.store.emit(session.file)).toBe(plain);
    session.close();
    expect((await caught(() => session.seal(session.file))).code).toBe('INTERNAL');
  });
});

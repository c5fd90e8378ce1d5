import { describe, expect, it } from 'vitest';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { decryptText, encryptText } from '../../src/sops/file.js';
import { yamlStore } from '../../src/sops/stores/yaml.js';
import { caught } from '../helpers/errors.js';
import { readVector } from '../helpers/sops-vectors.js';

/**
 * Decrypting recovers the data key from the metadata block found on its own, while the rest of the
 * file is parsed. These tests hold that shortcut to what a plain parse-then-unwrap gives.
 */
async function ageEnv(): Promise<{ env: NodeJS.ProcessEnv; recipient: string }> {
  const identity = await generateX25519Identity();
  return { env: { SOPS_AGE_KEY: identity }, recipient: await identityToRecipient(identity) };
}

describe('the YAML metadata block is found without parsing the data', () => {
  it.each(['res-comments.enc.yaml', 'res-format.enc.yaml'])('in %s written by sops, the block found alone is the metadata the parse gives', async (name) => {
    const text = await readVector(name);
    const peeked = yamlStore.peekMetadata?.(text);
    expect(peeked).toBeDefined();
    expect(peeked).toEqual(yamlStore.parse(text).metadata);
  });

  it('in a file sealguard wrote, with comments and blank lines, the block found alone is the parsed metadata', async () => {
    const { env, recipient } = await ageEnv();
    const plain = '# top\ndb:\n  user: app\n\n  password: p-1 # inline\nlist:\n  - a\n  - b\n';
    const { output } = await encryptText(plain, 'a.yaml', { keys: { age: [recipient] }, env });
    const peeked = yamlStore.peekMetadata?.(output);
    expect(peeked).toEqual(yamlStore.parse(output).metadata);
    // The same lines as the parse reads, so the block is read once and the parse reuses it.
    expect(yamlStore.parse(output).metadata).toBe(yamlStore.peekMetadata?.(output));
    expect((await decryptText(output, 'a.yaml', { env })).output).toBe(plain);
  });

  it('a file without a root sops block gives no hint', () => {
    expect(yamlStore.peekMetadata?.('a: 1\nb:\n  sops: 2\n')).toBeUndefined();
    expect(yamlStore.peekMetadata?.('a: 1\n')).toBeUndefined();
  });
});

describe('decrypting with the key recovered early reports what a plain decrypt reports', () => {
  it('malformed data under a valid sops block is a one-line input error (exit 2), not a key error', async () => {
    const { env, recipient } = await ageEnv();
    const { output } = await encryptText('a: 1\nb: two\n', 'a.yaml', { keys: { age: [recipient] }, env });
    const broken = output.replace('b: ', 'b: [unclosed ');
    // No identity is available, so the early unwrap fails; the parse error must still be the one shown.
    const e = await caught(decryptText(broken, 'a.yaml', { env: {} }));
    expect(e.exitCode).toBe(2);
    expect(e.message).not.toMatch(/data key/);
  });

  it('a file whose keys no identity opens still lists every key tried (exit 128)', async () => {
    const { env, recipient } = await ageEnv();
    const { output } = await encryptText('a: 1\n', 'a.yaml', { keys: { age: [recipient] }, env });
    const other = await ageEnv();
    const e = await caught(decryptText(output, 'a.yaml', { env: other.env }));
    expect(e.exitCode).toBe(128);
    expect(e.message).toContain('could not decrypt the data key');
  });
});

import { Decrypter, Encrypter, armor } from 'age-encryption';
import type { AgeStoredKey } from '../metadata.js';
import type { MasterKey } from './types.js';
import { SealguardError, errorMessage } from '../../shared/errors.js';
import type { AgeIdentities } from './age-identities.js';

export {
  loadAgeIdentities,
  generateAgeKeyFile,
  defaultAgeKeyFile,
  parseIdentities,
  type AgeIdentities,
} from './age-identities.js';

/** An age X25519 recipient: `age1` + bech32 data, one case throughout. */
const X25519_RECIPIENT = /^age1[02-9ac-hj-np-z]{58}$/;

/**
 * Checks and normalises an age recipient. Only X25519 recipients are accepted: they are what every
 * sops release can decrypt (post-quantum, tag and plugin recipients are not).
 */
export function parseAgeRecipient(recipient: string): string {
  const r = recipient.trim();
  if (/^AGE-SECRET-KEY-/i.test(r)) {
    throw new SealguardError('AGE_RECIPIENT_INVALID', 'an age secret key was given where a recipient (age1…) is expected', {
      details: ['give the public key instead (age-keygen -y KEYFILE prints it)'],
    });
  }
  if (!r.startsWith('age1') || r.startsWith('age1pq1') || r.startsWith('age1tag')) {
    throw new SealguardError('AGE_RECIPIENT_INVALID', `not an age X25519 recipient: ${describe(r)}`, {
      details: ['an age recipient looks like age1 followed by 58 letters and digits (age-keygen -y prints it)'],
    });
  }
  // Checks the bech32 checksum; a typo in a recipient must not become a file nobody can open.
  const probe = new Encrypter();
  try {
    if (!X25519_RECIPIENT.test(r)) throw new Error('bad length or characters');
    probe.addRecipient(r);
  } catch {
    throw new SealguardError('AGE_RECIPIENT_INVALID', `invalid age recipient ${describe(r)} (bad checksum or length)`);
  }
  return r;
}

/** Enough of a rejected recipient to find it in a config, and never a whole unknown string (it might be a secret). */
function describe(value: string): string {
  return value.length <= 16 ? JSON.stringify(value) : JSON.stringify(`${value.slice(0, 12)}…`);
}

/** An age master key: wraps the data key as an armored age file for one recipient, as sops does. */
export function ageMasterKey(recipient: string): MasterKey {
  const id = parseAgeRecipient(recipient);
  return {
    kind: 'age',
    id,
    async wrap(dataKey: Uint8Array): Promise<AgeStoredKey> {
      const e = new Encrypter();
      e.addRecipient(id);
      const file = await readStream(await e.encrypt(streamOf(dataKey)));
      return { kind: 'age', recipient: id, enc: armor.encode(file) };
    },
  };
}

/**
 * Opens an age-wrapped data key with the given identities and returns its bytes (32 for a sops
 * data key; the length is the caller's check). Errors say what was tried, never which key.
 */
export async function unwrapAge(
  stored: Pick<AgeStoredKey, 'enc'>,
  identities: AgeIdentities | readonly string[],
): Promise<Uint8Array> {
  const list = isIdentityList(identities) ? identities : identities.identities;
  if (list.length === 0) {
    const looked = isIdentityList(identities) ? [] : identities.looked;
    throw new SealguardError(
      'AGE_NO_IDENTITY',
      looked.length > 0 ? `no age identity found (looked in ${looked.join(', ')})` : 'no age identity found',
    );
  }
  let file: Uint8Array;
  try {
    file = decodeAgeFile(stored.enc);
  } catch (e) {
    throw new SealguardError('AGE_ENC_INVALID', `the stored age key is not a valid age file: ${errorMessage(e)}`);
  }
  const d = new Decrypter();
  for (const id of list) d.addIdentity(id);
  try {
    return await readStream(await d.decrypt(streamOf(file)));
  } catch (e) {
    const why = errorMessage(e);
    if (/no identity matched/.test(why)) {
      const n = list.length;
      throw new SealguardError('AGE_NO_MATCH', `no identity matched (tried ${n} age identit${n === 1 ? 'y' : 'ies'})`);
    }
    throw new SealguardError('AGE_DECRYPT_FAILED', `age decryption failed: ${why}`);
  }
}

/**
 * age-encryption collects a whole file through `new Response(stream)`, and the first use of
 * `Response` loads Node's fetch implementation (~30 ms, more than the rest of a small decrypt).
 * Handing it streams and reading them here keeps that out of every age command.
 */
function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
}

async function readStream(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
  }
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
    c.fill(0);
  }
  return out;
}

function isIdentityList(x: AgeIdentities | readonly string[]): x is readonly string[] {
  return Array.isArray(x);
}

/** sops always writes armored age files; a binary one (from a hand-edited file) is accepted too. */
function decodeAgeFile(enc: string): Uint8Array {
  const text = enc.trim();
  if (text.startsWith('-----BEGIN AGE ENCRYPTED FILE-----')) return armor.decode(text + '\n');
  return new TextEncoder().encode(enc);
}

/**
 * The sops value format: `ENC[AES256_GCM,data:<b64>,iv:<b64>,tag:<b64>,type:<type>]`.
 * AES-256-GCM with a 32-byte nonce (sops' choice, not the usual 12) and a 16-byte tag; the
 * authenticated data is the value's key path (`a:b:c:`) or, for the MAC, the lastmodified string.
 * Nothing here knows about trees or files. Errors never contain the value, the key or the plaintext.
 */
import { Buffer } from 'node:buffer';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ExitCode, SealguardError } from '../../shared/errors.js';
import type { SopsType } from '../tree.js';

export const IV_BYTES = 32;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

export interface EncValue {
  readonly data: Buffer;
  readonly iv: Buffer;
  readonly tag: Buffer;
  readonly type: SopsType;
}

const ENC_PATTERN = /^ENC\[AES256_GCM,data:([^,\]]*),iv:([^,\]]*),tag:([^,\]]*),type:([^,\]]*)\]$/;
/** With a length that is a multiple of 4, this is exactly standard padded base64 (a cheaper test than spelling out the groups). */
const BASE64_CHARS = /^[A-Za-z0-9+/]*={0,2}$/;

/** `int64` was written by some sops releases for integers; it reads back as an int. */
const TYPE_ALIASES: Readonly<Record<string, SopsType>> = {
  str: 'str',
  int: 'int',
  int64: 'int',
  float: 'float',
  bool: 'bool',
  time: 'time',
  bytes: 'bytes',
  comment: 'comment',
};

/** The type a `type:` field names; undefined for an unknown name (`toString` included: own names only). */
function sopsTypeNamed(name: string): SopsType | undefined {
  return Object.hasOwn(TYPE_ALIASES, name) ? TYPE_ALIASES[name] : undefined;
}

/** Whether `s` looks like a sops encrypted value (cheap; for scanners and "already encrypted" checks). */
export function isEncValue(s: string): boolean {
  return s.startsWith('ENC[AES256_GCM,') && ENC_PATTERN.test(s);
}

function badFormat(what: string): SealguardError {
  return new SealguardError('INVALID_ENC_VALUE', `not a valid sops encrypted value: ${what}`, {
    exitCode: ExitCode.errorDecryptingValue,
  });
}

function decodeField(name: string, b64: string): Buffer {
  if (b64.length % 4 !== 0 || !BASE64_CHARS.test(b64)) throw badFormat(`${name} is not standard padded base64`);
  return Buffer.from(b64, 'base64');
}

/** Split an ENC[...] string into its parts. Throws INVALID_ENC_VALUE naming the faulty part. */
export function parseEncValue(s: string): EncValue {
  const m = ENC_PATTERN.exec(s);
  if (!m) throw badFormat('expected ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]');
  const type = sopsTypeNamed(m[4] as string);
  if (type === undefined) throw badFormat('unknown type');
  const data = decodeField('data', m[1] as string);
  const iv = decodeField('iv', m[2] as string);
  const tag = decodeField('tag', m[3] as string);
  if (iv.length === 0) throw badFormat('empty iv');
  if (tag.length !== TAG_BYTES) throw badFormat(`tag must be ${TAG_BYTES} bytes`);
  return { data, iv, tag, type };
}

const ENC_PREFIX = 'ENC[AES256_GCM,data:';

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** Character code of each base64 digit. */
const BASE64_CODES = Uint8Array.from(BASE64_ALPHABET, (c) => c.charCodeAt(0));
/** Base64 digit value of each character code below 128, 64 for anything else. */
const BASE64_VALUE = (() => {
  const t = new Uint8Array(128).fill(64);
  BASE64_CODES.forEach((code, value) => (t[code] = value));
  return t;
})();

/**
 * Where an ENC value's parts are, for decoding them straight from the string (see
 * GcmBatch.openTextColumns): pushes six offsets onto `at` (data, iv and tag, each start and end)
 * and returns the type. Accepts and refuses exactly what parseEncValue does, without a regular
 * expression match or a substring per part (measured: those were a tenth of a 20,000-value
 * decrypt's garbage); anything refused goes to parseEncValue for its exact complaint.
 */
export function locateEncParts(s: string, at: number[]): SopsType {
  const type = encPartsAt(s, at);
  if (type !== undefined) return type;
  parseEncValue(s);
  // parseEncValue accepts only what this does; reaching here would be a bug in one of them.
  throw badFormat('unexpected layout');
}

/**
 * ENC[...] with every part in its valid shape (padded standard base64, a non-empty iv, a 16-byte
 * tag); without groups, so a test makes no match array or substrings.
 */
const ENC_SHAPE =
  /^ENC\[AES256_GCM,data:(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?,iv:(?:(?:[A-Za-z0-9+/]{4})+(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?|[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=),tag:[A-Za-z0-9+/]{22}==,type:[^,\]]*\]$/;

function encPartsAt(s: string, at: number[]): SopsType | undefined {
  if (!ENC_SHAPE.test(s)) return undefined;
  // The shape is right, and none of data, iv and tag holds a ',', so the first ',' after each ends it.
  const dataStart = ENC_PREFIX.length;
  const dataEnd = s.indexOf(',', dataStart);
  const ivStart = dataEnd + 4;
  const ivEnd = s.indexOf(',', ivStart);
  const tagStart = ivEnd + 5;
  const tagEnd = tagStart + 24;
  const type = sopsTypeNamed(s.slice(tagEnd + 6, s.length - 1));
  if (type === undefined) return undefined;
  at.push(dataStart, dataEnd, ivStart, ivEnd, tagStart, tagEnd);
  return type;
}

/** Bytes that the padded base64 s[start, end) decodes to. */
export function base64LengthAt(s: string, start: number, end: number): number {
  if (end === start) return 0;
  const pad = s.charCodeAt(end - 1) !== 61 ? 0 : s.charCodeAt(end - 2) === 61 ? 2 : 1;
  return ((end - start) >>> 2) * 3 - pad;
}

/** Decode the padded base64 s[start, end) (already checked) into out at `at`. */
export function decodeBase64At(s: string, start: number, end: number, out: Uint8Array, at: number): void {
  let o = at;
  let i = start;
  const whole = end - start > 0 && s.charCodeAt(end - 1) === 61 ? end - 4 : end;
  for (; i < whole; i += 4) {
    const v =
      ((BASE64_VALUE[s.charCodeAt(i)] as number) << 18) |
      ((BASE64_VALUE[s.charCodeAt(i + 1)] as number) << 12) |
      ((BASE64_VALUE[s.charCodeAt(i + 2)] as number) << 6) |
      (BASE64_VALUE[s.charCodeAt(i + 3)] as number);
    out[o] = v >>> 16;
    out[o + 1] = v >>> 8;
    out[o + 2] = v;
    o += 3;
  }
  if (i < end) {
    const c2 = s.charCodeAt(i + 2);
    const v =
      ((BASE64_VALUE[s.charCodeAt(i)] as number) << 18) |
      ((BASE64_VALUE[s.charCodeAt(i + 1)] as number) << 12) |
      (c2 === 61 ? 0 : (BASE64_VALUE[c2] as number) << 6);
    out[o] = v >>> 16;
    if (c2 !== 61) out[o + 1] = v >>> 8;
  }
}

export function checkKey(key: Uint8Array): void {
  if (key.length !== KEY_BYTES) {
    throw new SealguardError('INVALID_DATA_KEY', `the data key must be ${KEY_BYTES} bytes, got ${key.length}`, {
      exitCode: ExitCode.couldNotRetrieveKey,
    });
  }
}

/**
 * Fresh nonces, drawn from the CSPRNG in batches: one system call per 2,048 values instead of one
 * each (a 20,000-value file otherwise spends most of its encryption time asking for randomness).
 * Each nonce is handed out once.
 */
const NONCE_BATCH = 2048;
let noncePool = Buffer.alloc(0);
let nonceOffset = 0;
export function freshNonce(): Buffer {
  if (nonceOffset + IV_BYTES > noncePool.length) {
    noncePool = randomBytes(IV_BYTES * NONCE_BATCH);
    nonceOffset = 0;
  }
  const nonce = noncePool.subarray(nonceOffset, nonceOffset + IV_BYTES);
  nonceOffset += IV_BYTES;
  return nonce;
}

/**
 * Encrypt one value. `aad` is the authenticated data (key path or lastmodified). An empty
 * plaintext is returned as '' without encryption, as sops does for empty strings and comments.
 * `iv` is for reusing the nonce of an unchanged value (edit) and for tests; normally omitted.
 */
export function encryptValue(plaintext: Buffer, type: SopsType, key: Uint8Array, aad: string, iv?: Uint8Array): string {
  checkKey(key);
  if (plaintext.length === 0) return '';
  const nonce = iv ?? freshNonce();
  if (nonce.length === 0) throw badFormat('empty iv');
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  // GCM is a stream mode: final() adds no bytes, so update()'s output is the whole ciphertext.
  const data = cipher.update(plaintext);
  cipher.final();
  const tag = cipher.getAuthTag();
  return formatEncValue(data, nonce, tag, type);
}

/** The ENC[...] text of an encrypted value's parts. */
export function formatEncValue(data: Buffer, iv: Uint8Array, tag: Buffer, type: SopsType): string {
  const ivBytes = Buffer.isBuffer(iv) ? iv : Buffer.from(iv.buffer, iv.byteOffset, iv.byteLength);
  return `ENC[AES256_GCM,data:${data.toString('base64')},iv:${ivBytes.toString('base64')},tag:${tag.toString('base64')},type:${type}]`;
}

const base64Chars = (bytes: number): number => Math.ceil(bytes / 3) * 4;

/** Write src[from, from + n) as padded base64 into out at `at`; returns the end. */
function writeBase64(src: Uint8Array, from: number, n: number, out: Buffer, at: number): number {
  let o = at;
  const end = from + n;
  let i = from;
  for (; i + 2 < end; i += 3) {
    const v = ((src[i] as number) << 16) | ((src[i + 1] as number) << 8) | (src[i + 2] as number);
    out[o] = BASE64_CODES[v >>> 18] as number;
    out[o + 1] = BASE64_CODES[(v >>> 12) & 63] as number;
    out[o + 2] = BASE64_CODES[(v >>> 6) & 63] as number;
    out[o + 3] = BASE64_CODES[v & 63] as number;
    o += 4;
  }
  if (i < end) {
    const two = i + 1 < end;
    const v = ((src[i] as number) << 16) | (two ? (src[i + 1] as number) << 8 : 0);
    out[o] = BASE64_CODES[v >>> 18] as number;
    out[o + 1] = BASE64_CODES[(v >>> 12) & 63] as number;
    out[o + 2] = two ? (BASE64_CODES[(v >>> 6) & 63] as number) : 61;
    out[o + 3] = 61;
    o += 4;
  }
  return o;
}

function writeAscii(s: string, out: Buffer, at: number): number {
  for (let i = 0; i < s.length; i++) out[at + i] = s.charCodeAt(i);
  return at + s.length;
}

/** Where each part of a batch of encrypted values is: data i at bytes[dataAt[i], +lengths[i]), tag i at tags[16i, +16), nonce i at ivs.bytes[ivs.at[i], ivs.at[i+1]). */
export interface EncColumns {
  readonly bytes: Uint8Array;
  readonly dataAt: Int32Array;
  readonly lengths: Int32Array;
  readonly tags: Uint8Array;
  readonly ivs: { readonly bytes: Uint8Array; readonly at: Int32Array };
}

/**
 * The ENC[...] text of every value of a batch, written into one buffer, decoded once and sliced:
 * each result is a flat slice of one string. Measured on a 20,000-value file: three base64 calls
 * and a concatenated string per value, which every later read then had to flatten, cost about
 * 40 ms and much of the garbage.
 */
export function encTexts(cols: EncColumns, types: readonly SopsType[]): string[] {
  const n = types.length;
  const fixed = ENC_PREFIX.length + ',iv:'.length + ',tag:'.length + ',type:'.length + ']'.length;
  let total = 0;
  for (let i = 0; i < n; i++) {
    total += fixed + base64Chars(cols.lengths[i] as number) + base64Chars((cols.ivs.at[i + 1] as number) - (cols.ivs.at[i] as number)) + 24 + (types[i] as string).length;
  }
  const out = Buffer.allocUnsafe(total);
  const ends = new Int32Array(n);
  let o = 0;
  for (let i = 0; i < n; i++) {
    o = writeAscii(ENC_PREFIX, out, o);
    o = writeBase64(cols.bytes, cols.dataAt[i] as number, cols.lengths[i] as number, out, o);
    o = writeAscii(',iv:', out, o);
    const ivAt = cols.ivs.at[i] as number;
    o = writeBase64(cols.ivs.bytes, ivAt, (cols.ivs.at[i + 1] as number) - ivAt, out, o);
    o = writeAscii(',tag:', out, o);
    o = writeBase64(cols.tags, i * TAG_BYTES, TAG_BYTES, out, o);
    o = writeAscii(',type:', out, o);
    o = writeAscii(types[i] as string, out, o);
    out[o++] = 93;
    ends[i] = o;
  }
  const all = out.toString('latin1');
  const texts = new Array<string>(n);
  for (let i = 0; i < n; i++) texts[i] = all.slice(i === 0 ? 0 : (ends[i - 1] as number), ends[i] as number);
  return texts;
}

/** The error for a value whose tag does not match; it says what can cause that, never what the value is. */
export function authFailed(): SealguardError {
  return new SealguardError(
    'DECRYPT_FAILED',
    'authentication failed: wrong data key, value moved to another key, or tampered ciphertext',
    { exitCode: ExitCode.errorDecryptingValue },
  );
}

export interface DecryptedValue {
  readonly type: SopsType;
  readonly plaintext: Buffer;
  /** The nonce, so an unchanged value can be re-encrypted to the same ciphertext. */
  readonly iv: Buffer;
}

/**
 * Decrypt one ENC[...] value. Throws INVALID_ENC_VALUE for a malformed string and DECRYPT_FAILED
 * when authentication fails (wrong key, wrong path/AAD, or a tampered data/iv/tag).
 */
export function decryptValue(enc: string, key: Uint8Array, aad: string): DecryptedValue {
  checkKey(key);
  const parsed = parseEncValue(enc);
  const decipher = createDecipheriv('aes-256-gcm', key, parsed.iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(parsed.tag);
  let plaintext: Buffer;
  try {
    plaintext = Buffer.concat([decipher.update(parsed.data), decipher.final()]);
  } catch {
    throw authFailed();
  }
  return { type: parsed.type, plaintext, iv: parsed.iv };
}

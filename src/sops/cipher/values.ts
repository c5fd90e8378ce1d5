/**
 * Scalars ⇄ the bytes sops encrypts, and the bytes the MAC hashes.
 *
 * Two different byte forms exist on purpose:
 * - the plaintext inside ENC keeps the user's spelling when Go would parse it back (`0644`,
 *   `1e3`, `TRUE`), so a decrypt renders the file the user wrote;
 * - the MAC always hashes the canonical form sops' `ToBytes` produces after parsing (decimal int,
 *   Go 'f' -1 float, True/False, MarshalText time), so MACs agree with sops whatever the spelling.
 */
import { Buffer } from 'node:buffer';
import { ExitCode, SealguardError } from '../../shared/errors.js';
import { bytesOfText, isRawBytesText, rawBytesTextAt, type Scalar, type SopsType } from '../tree.js';
import { formatGoFloat, formatSopsBool, parseGoBool, parseGoFloat, parseGoInt } from './go-strconv.js';
import { formatGoTime, isGoTimeSpelling, parseRfc3339 } from './go-time.js';

export type NonNullScalar = Exclude<Scalar, { type: 'null' }>;

function invalid(type: string, why: string): SealguardError {
  return new SealguardError('INVALID_VALUE', `invalid ${type} value: ${why}`, { exitCode: ExitCode.errorEncryptingValue });
}

function canonicalInt(text: string): string {
  if (/^[+-]?[0-9]+$/.test(text)) return BigInt(text).toString();
  throw invalid('int', 'not a decimal integer');
}

function floatOf(text: string): number {
  const n = parseGoFloat(text);
  if (n === undefined) throw invalid('float', 'not a number Go can parse');
  return n;
}

function canonicalTime(text: string): string {
  const t = parseRfc3339(text);
  if (!t) throw invalid('time', 'not an RFC 3339 timestamp');
  return formatGoTime(t);
}

/** The type and bytes to encrypt for a scalar. */
export function scalarToPlaintext(scalar: NonNullScalar): { type: SopsType; plaintext: Buffer } {
  const plaintext = plaintextOf(scalar);
  return { type: scalar.type, plaintext: typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext };
}

/**
 * What sops encrypts for a scalar, whose type is the ENC value's type: a string stands for its
 * UTF-8 bytes (the common case, which needs no Buffer), raw bytes of a binary file come as bytes.
 */
export function plaintextOf(scalar: NonNullScalar): string | Buffer {
  switch (scalar.type) {
    case 'str':
      // Raw bytes (binary store) are encrypted as themselves, as sops' Go string of the file.
      return isRawBytesText(scalar.value) ? bytesOfText(scalar.value) : scalar.value;
    case 'int':
      return parseGoInt(scalar.value) !== undefined ? scalar.value : canonicalInt(scalar.value);
    case 'float':
      floatOf(scalar.value);
      return scalar.value;
    case 'bool': {
      const keep = scalar.text !== undefined && parseGoBool(scalar.text) === scalar.value;
      return keep ? (scalar.text as string) : formatSopsBool(scalar.value);
    }
    case 'time':
      return isGoTimeSpelling(scalar.value) ? scalar.value : canonicalTime(scalar.value);
  }
}

function undecryptable(type: string): SealguardError {
  return new SealguardError('INVALID_VALUE', `decrypted ${type} value cannot be parsed as a ${type}`, {
    exitCode: ExitCode.errorDecryptingValue,
  });
}

/**
 * The scalar a decrypted (type, plaintext) stands for, keeping the plaintext as its spelling.
 * `bytes` reads back as a string (the tree has no byte scalars); `comment` is not a scalar.
 */
export function plaintextToScalar(type: SopsType, plaintext: Buffer): NonNullScalar {
  return plaintextToScalarAt(type, plaintext, 0, plaintext.length);
}

/** plaintextToScalar of buf[start, end). */
export function plaintextToScalarAt(type: SopsType, buf: Buffer, start: number, end: number): NonNullScalar {
  switch (type) {
    case 'str':
    case 'bytes':
      // Not valid UTF-8 (a binary file): keep the bytes, marked, instead of U+FFFD.
      return { type: 'str', value: rawBytesTextAt(buf, start, end) };
  }
  return plaintextTextToScalar(type, buf.toString('utf8', start, end));
}

/** plaintextToScalar of a plaintext already decoded from valid UTF-8. */
export function plaintextTextToScalar(type: SopsType, text: string): NonNullScalar {
  switch (type) {
    case 'str':
    case 'bytes':
      return { type: 'str', value: text };
    case 'int':
      if (!/^[+-]?[0-9]+$/.test(text)) throw undecryptable('int');
      return { type: 'int', value: text };
    case 'float':
      if (parseGoFloat(text) === undefined) throw undecryptable('float');
      return { type: 'float', value: text };
    case 'bool': {
      const value = parseGoBool(text);
      if (value === undefined) throw undecryptable('bool');
      return { type: 'bool', value, text };
    }
    case 'time':
      if (!parseRfc3339(text)) throw undecryptable('time');
      return { type: 'time', value: text };
    case 'comment':
      throw new SealguardError('INVALID_VALUE', 'a value is encrypted as a comment', {
        exitCode: ExitCode.errorDecryptingValue,
      });
  }
}

/**
 * `text` itself when it is a decimal with digits on both sides of one point that JavaScript prints
 * back unchanged: Go parses such text to the same double and prints it the same shortest way (no
 * exponent, no sign to lose), so the general parse and format can be skipped.
 */
function plainDecimal(text: string): string | undefined {
  const c = text.charCodeAt(text.charCodeAt(0) === 45 ? 1 : 0);
  if (!(c >= 48 && c <= 57) || !text.includes('.') || text.includes('e')) return undefined;
  return String(Number(text)) === text ? text : undefined;
}

/** The text whose UTF-8 bytes the MAC hashes for a scalar: sops' ToBytes of the parsed value. */
export function macText(scalar: NonNullScalar): string {
  switch (scalar.type) {
    case 'str':
      return scalar.value;
    case 'int':
      return canonicalInt(scalar.value);
    case 'float':
      return plainDecimal(scalar.value) ?? formatGoFloat(floatOf(scalar.value));
    case 'bool':
      return formatSopsBool(scalar.value);
    case 'time':
      return canonicalTime(scalar.value);
  }
}

/** What the MAC hashes for a scalar: the text (its UTF-8 bytes), or raw bytes for a marked value. */
export function macInput(scalar: NonNullScalar): string | Buffer {
  if (scalar.type === 'str' && isRawBytesText(scalar.value)) return bytesOfText(scalar.value);
  return macText(scalar);
}

/** The bytes the MAC hashes for a scalar. */
export function macBytes(scalar: NonNullScalar): Buffer {
  const input = macInput(scalar);
  return typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
}

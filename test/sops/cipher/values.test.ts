import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { macBytes, plaintextToScalar, scalarToPlaintext, type NonNullScalar } from '../../../src/sops/cipher/values.js';
import { formatGoFloat, parseGoFloat } from '../../../src/sops/cipher/go-strconv.js';

const text = (b: Buffer): string => b.toString('utf8');

describe('what goes inside ENC: the user spelling when Go reads it back', () => {
  it.each<[NonNullScalar, string, string]>([
    [{ type: 'str', value: 'héllo' }, 'str', 'héllo'],
    [{ type: 'int', value: '0644' }, 'int', '0644'],
    [{ type: 'int', value: '-12' }, 'int', '-12'],
    [{ type: 'int', value: '12345678901234567890' }, 'int', '12345678901234567890'],
    [{ type: 'float', value: '1e3' }, 'float', '1e3'],
    [{ type: 'float', value: '25.40' }, 'float', '25.40'],
    [{ type: 'bool', value: true }, 'bool', 'True'],
    [{ type: 'bool', value: false }, 'bool', 'False'],
    [{ type: 'bool', value: true, text: 'true' }, 'bool', 'true'],
    [{ type: 'bool', value: true, text: 'yes' }, 'bool', 'True'],
    [{ type: 'bool', value: false, text: 'true' }, 'bool', 'False'],
    [{ type: 'time', value: '2024-01-02T03:04:05Z' }, 'time', '2024-01-02T03:04:05Z'],
    [{ type: 'time', value: '2024-01-02t03:04:05.500z' }, 'time', '2024-01-02T03:04:05.5Z'],
  ])('%j is encrypted as %s %j', (scalar, type, plaintext) => {
    const out = scalarToPlaintext(scalar);
    expect(out.type).toBe(type);
    expect(text(out.plaintext)).toBe(plaintext);
  });

  it('a float text Go cannot parse is refused without echoing it', () => {
    expect(() => scalarToPlaintext({ type: 'float', value: 'one point five' })).toThrow(/invalid float value/);
    expect(() => scalarToPlaintext({ type: 'float', value: 'one point five' })).not.toThrow(/one point five/);
  });
});

describe('what the MAC hashes: the canonical form sops computes after parsing', () => {
  it.each<[NonNullScalar, string]>([
    [{ type: 'str', value: 'héllo' }, 'héllo'],
    [{ type: 'int', value: '0644' }, '644'],
    [{ type: 'int', value: '+5' }, '5'],
    [{ type: 'int', value: '-0' }, '0'],
    [{ type: 'float', value: '1e3' }, '1000'],
    [{ type: 'float', value: '25.40' }, '25.4'],
    [{ type: 'float', value: '1e21' }, '1000000000000000000000'],
    [{ type: 'float', value: '1234568000' }, '1234568000'],
    [{ type: 'float', value: '-0.0' }, '-0'],
    [{ type: 'bool', value: true, text: 'true' }, 'True'],
    [{ type: 'bool', value: false, text: 'f' }, 'False'],
    [{ type: 'time', value: '2024-01-02T03:04:05.500+00:00' }, '2024-01-02T03:04:05.5Z'],
  ])('%j hashes as %j', (scalar, expected) => {
    expect(text(macBytes(scalar))).toBe(expected);
  });
});

describe('the MAC text of floats', () => {
  it('property: every float spelling hashes as Go formats the number it parses to', () => {
    const spelling = fc.oneof(
      fc.stringMatching(/^-?[0-9]{1,22}\.[0-9]{1,22}$/),
      fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => String(d)),
      fc.constantFrom('0.0', '-0.0', '1.50', '007.5', '1e21', '123456789012345678901.5', '0.1', '-3.25'),
    );
    fc.assert(
      fc.property(spelling, (value) => {
        const parsed = parseGoFloat(value);
        if (parsed === undefined) return;
        expect(text(macBytes({ type: 'float', value }))).toBe(formatGoFloat(parsed));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('decrypted plaintext back to a scalar, keeping its text', () => {
  it.each<[string, string, NonNullScalar]>([
    ['str', 'abc', { type: 'str', value: 'abc' }],
    ['bytes', 'abc', { type: 'str', value: 'abc' }],
    ['int', '0644', { type: 'int', value: '0644' }],
    ['float', '1234568000', { type: 'float', value: '1234568000' }],
    ['bool', 'True', { type: 'bool', value: true, text: 'True' }],
    ['bool', 'false', { type: 'bool', value: false, text: 'false' }],
    ['time', '2024-01-02T03:04:05Z', { type: 'time', value: '2024-01-02T03:04:05Z' }],
  ])('type %s with %j reads back as %j', (type, plaintext, scalar) => {
    expect(plaintextToScalar(type as never, Buffer.from(plaintext))).toEqual(scalar);
  });

  it.each([
    ['int', '1.5'],
    ['float', 'abc'],
    ['bool', 'yes'],
    ['time', 'yesterday'],
    ['comment', 'x'],
  ])('type %s with unparsable plaintext is refused', (type, plaintext) => {
    expect(() => plaintextToScalar(type as never, Buffer.from(plaintext))).toThrow();
  });
});

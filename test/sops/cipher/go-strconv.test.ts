import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatGoFloat, parseGoBool, parseGoFloat, parseGoInt } from '../../../src/sops/cipher/go-strconv.js';
import { formatGoTime, isGoTimeSpelling, parseRfc3339 } from '../../../src/sops/cipher/go-time.js';

describe("Go's strconv.FormatFloat(f, 'f', -1, 64), which the MAC hashes", () => {
  // Expected strings are what Go prints for these float64 values.
  it.each([
    [0.1, '0.1'],
    [1e21, '1000000000000000000000'],
    [1e-7, '0.0000001'],
    [1.5e-7, '0.00000015'],
    [123456789012345680000, '123456789012345680000'],
    [25.4, '25.4'],
    [1234568000, '1234568000'],
    [1234.56789, '1234.56789'],
    [-2.5, '-2.5'],
    [100, '100'],
    [0, '0'],
    [-0, '-0'],
    [0.30000000000000004, '0.30000000000000004'],
    [5e-324, '0.' + '0'.repeat(323) + '5'],
    [1.7976931348623157e308, '17976931348623157' + '0'.repeat(292)],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
    [NaN, 'NaN'],
  ])('%s formats as Go does', (n, expected) => {
    expect(formatGoFloat(n)).toBe(expected);
  });

  it('property: the text parses back to the same float and never has an exponent', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => {
        const text = formatGoFloat(n);
        expect(text).not.toMatch(/e/i);
        expect(Object.is(Number(text), n)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe("Go's strconv.ParseFloat on plain decimals", () => {
  it('property: digits with an optional fraction read as the general reader reads them with a needless exponent', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[+-]?[0-9]{1,25}(\.[0-9]{1,25})?$/), (text) => {
        expect(Object.is(parseGoFloat(text), parseGoFloat(`${text}e0`))).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('which spellings Go accepts', () => {
  it.each([
    ['42', 42n],
    ['-7', -7n],
    ['+5', 5n],
    ['0644', 644n],
    ['9223372036854775807', 9223372036854775807n],
  ])('Atoi accepts %s', (text, value) => {
    expect(parseGoInt(text)).toBe(value);
  });

  it.each(['9223372036854775808', '0x1F', '1_000', '1.0', '', ' 1'])('Atoi rejects %j', (text) => {
    expect(parseGoInt(text)).toBeUndefined();
  });

  it.each([
    ['1.5', 1.5],
    ['1e3', 1000],
    ['-.5', -0.5],
    ['5.', 5],
    ['1_000.5', 1000.5],
    ['0x1p-2', 0.25],
    ['0x1.8p1', 3],
    ['Inf', Infinity],
    ['-infinity', -Infinity],
    ['+INF', Infinity],
  ])('ParseFloat accepts %s', (text, value) => {
    expect(parseGoFloat(text)).toBe(value);
  });

  it('ParseFloat accepts NaN', () => {
    expect(parseGoFloat('nan')).toBeNaN();
  });

  it.each(['', '.', 'e5', '1e', '_1', '1__0', '1_', '0x10', '+nan', '1.2.3', '.inf', 'abc'])('ParseFloat rejects %j', (text) => {
    expect(parseGoFloat(text)).toBeUndefined();
  });

  it.each([
    ['true', true],
    ['True', true],
    ['TRUE', true],
    ['t', true],
    ['1', true],
    ['False', false],
    ['f', false],
    ['0', false],
  ])('ParseBool accepts %s', (text, value) => {
    expect(parseGoBool(text)).toBe(value);
  });

  it.each(['yes', 'on', 'tRuE', ''])('ParseBool rejects %j', (text) => {
    expect(parseGoBool(text)).toBeUndefined();
  });
});

describe("timestamps as Go's MarshalText writes them", () => {
  it.each([
    ['2024-01-02T03:04:05Z', '2024-01-02T03:04:05Z'],
    ['2024-01-02T03:04:05+00:00', '2024-01-02T03:04:05Z'],
    ['2024-01-02T03:04:05.120000Z', '2024-01-02T03:04:05.12Z'],
    ['2024-01-02T03:04:05.000Z', '2024-01-02T03:04:05Z'],
    ['2024-01-02T03:04:05.1234567891Z', '2024-01-02T03:04:05.123456789Z'],
    ['2024-01-02T03:04:05-05:30', '2024-01-02T03:04:05-05:30'],
    ['2024-01-02t03:04:05z', '2024-01-02T03:04:05Z'],
  ])('%s is canonically %s', (text, canonical) => {
    const t = parseRfc3339(text);
    expect(t).toBeDefined();
    expect(formatGoTime(t as NonNullable<typeof t>)).toBe(canonical);
  });

  it.each(['2024-02-30T00:00:00Z', '2023-02-29T00:00:00Z', '2024-01-02 03:04:05Z', '2024-01-02T24:00:00Z', '2024-01-02', '2024-13-01T00:00:00Z'])(
    '%s is not a valid RFC 3339 timestamp',
    (text) => {
      expect(parseRfc3339(text)).toBeUndefined();
    },
  );

  it('a lower-case t or z is valid RFC 3339 but not a spelling Go writes back', () => {
    expect(isGoTimeSpelling('2024-01-02T03:04:05Z')).toBe(true);
    expect(isGoTimeSpelling('2024-01-02t03:04:05z')).toBe(false);
  });
});

import { describe, expect, test } from 'vitest';
import { getReporter } from '../../../src/scan/report/index.js';
import { csvField } from '../../../src/scan/report/csv.js';
import { Secret } from '../../../src/shared/secret.js';
import type { Finding } from '../../../src/scan/types.js';
import { keyId, sampleFindings, token } from './helpers.js';

const csv = getReporter('csv');

/** A small RFC 4180 reader, to check the report parses back into the same fields. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  return rows;
}

describe('csv report', () => {
  test("has gitleaks' CSV header and one row per finding", () => {
    const rows = parseCsv(csv.write(sampleFindings(), { redact: true }));
    expect(rows[0]).toEqual([
      'RuleID', 'Commit', 'File', 'SymlinkFile', 'Secret', 'Match', 'StartLine', 'EndLine', 'StartColumn',
      'EndColumn', 'Author', 'Message', 'Date', 'Email', 'Fingerprint', 'Tags',
    ]);
    expect(rows).toHaveLength(3);
    const [, fromFile, fromCommit] = rows;
    expect(fromFile.slice(0, 4)).toEqual(['github-pat', '', 'src/config.ts', '']);
    expect(fromFile[6]).toBe('2');
    expect(fromFile[15]).toBe('github token');
    expect(fromCommit[1]).toBe('a'.repeat(40));
    expect(fromCommit[2]).toBe('deploy/my env.sh');
    expect(fromCommit.slice(10, 14)).toEqual(['Dev One', 'add deploy', '2024-05-01T10:00:00Z', 'dev@example.org']);
  });

  test('secrets are masked by default and shown in full only with redact off', () => {
    const masked = csv.write(sampleFindings(), { redact: true });
    expect(masked).not.toContain(token);
    expect(masked).not.toContain(keyId);
    const plain = parseCsv(csv.write(sampleFindings(), { redact: false }));
    expect(plain[1][4]).toBe(token);
  });

  test('commas, quotes and line breaks in a value are quoted and read back unchanged', () => {
    const f = sampleFindings()[1];
    const tricky: Finding = {
      ...f,
      file: 'dir/a,"b".env',
      match: new Secret('-----BEGIN KEY-----\nline, two\n-----END KEY-----'),
      secret: new Secret('x'),
      commit: { ...f.commit!, message: 'fix "quotes", again\r\nsecond line' },
    };
    const rows = parseCsv(csv.write([tricky], { redact: false }));
    expect(rows).toHaveLength(2);
    expect(rows[1][2]).toBe('dir/a,"b".env');
    expect(rows[1][5]).toBe('-----BEGIN KEY-----\nline, two\n-----END KEY-----');
    expect(rows[1][11]).toBe('fix "quotes", again\r\nsecond line');
  });

  test('a clean scan is just the header line', () => {
    expect(csv.write([], { redact: true }).split('\n')).toEqual([expect.stringMatching(/^RuleID,Commit,/), '']);
  });

  test('fields are quoted exactly when CSV needs it', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('')).toBe('');
    expect(csvField(' lead')).toBe('" lead"');
    expect(csvField('a"b')).toBe('"a""b"');
  });
});

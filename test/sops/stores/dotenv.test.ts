import { afterAll, describe, expect, test } from 'vitest';
import { dotenvStore } from '../../../src/sops/stores/dotenv.js';
import type { MapEntry, MapNode } from '../../../src/sops/tree.js';
import { caught } from '../../helpers/errors.js';
import { disposeVectorKeys } from '../../helpers/sops-vectors.js';
import { encryptWith, openVector, openWith, roundTrip, shape } from './store-roundtrip.js';

afterAll(disposeVectorKeys);

describe('dotenv files written by sops decrypt with the MAC checked', () => {
  test('res-format.enc.env: the key is "foo " with its trailing space and the value " bar"', async () => {
    const { file, metadata } = await openVector(dotenvStore, 'res-format.enc.env');
    expect(shape(file)).toEqual([{ kind: 'map', items: [{ kind: 'entry', key: 'foo ', value: { kind: 'scalar', scalar: { type: 'str', value: ' bar' } } }] }]);
    expect(dotenvStore.emit(file)).toBe('foo = bar\n');
    expect(metadata.version).toBe('3.13.1');
    const pgp = metadata.keyGroups[0]?.[0];
    expect(pgp?.kind === 'pgp' && pgp.enc.split('\n')[0]).toBe('-----BEGIN PGP MESSAGE-----');
  });

  test('re-emitting the encrypted vector gives sops\' own bytes back', async () => {
    const { text } = await openVector(dotenvStore, 'res-format.enc.env');
    const parsed = dotenvStore.parse(text);
    expect(dotenvStore.emit(parsed.file, parsed.metadata)).toBe(text);
  });
});

describe('dotenv parsing is sops\' line format', () => {
  test('values are strings as written: quotes kept, \\n read as a newline, comments keep the text after #', () => {
    const text = '# header\nA="quoted"\nB=line1\\nline2\nC=\nD=a=b\n';
    expect(shape(dotenvStore.parse(text).file)).toEqual([
      {
        kind: 'map',
        items: [
          { kind: 'comment', text: ' header' },
          { kind: 'entry', key: 'A', value: { kind: 'scalar', scalar: { type: 'str', value: '"quoted"' } } },
          { kind: 'entry', key: 'B', value: { kind: 'scalar', scalar: { type: 'str', value: 'line1\nline2' } } },
          { kind: 'entry', key: 'C', value: { kind: 'scalar', scalar: { type: 'str', value: '' } } },
          { kind: 'entry', key: 'D', value: { kind: 'scalar', scalar: { type: 'str', value: 'a=b' } } },
        ],
      },
    ]);
  });

  test('a line that is neither KEY=VALUE nor a comment is refused by line number, without its text', async () => {
    const err = await caught(() => dotenvStore.parse('A=1\nsupersecretvalue\n'));
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toContain('line 2');
    expect(err.message).not.toContain('supersecret');
  });

  test('sops_ lines are metadata, un-flattened to the nested object', () => {
    const parsed = dotenvStore.parse('A=1\nsops_version=3.13.2\nsops_pgp__list_0__map_fp=ABC\nsops_pgp__list_0__map_enc=x\\ny\n');
    expect(parsed.metadata).toEqual({ version: '3.13.2', pgp: [{ fp: 'ABC', enc: 'x\ny' }] });
    expect((parsed.file.documents[0] as MapNode).items.map((i) => (i as MapEntry).key)).toEqual(['A']);
  });
});

describe('dotenv encrypt → decrypt gives the file back', () => {
  const typical = [
    '# Application settings',
    'APP_ENV=production',
    '',
    '# Database',
    'DB_PASSWORD="p@ss word#1"',
    "API_KEY='single quoted'",
    'CERT=-----BEGIN-----\\nabc\\n-----END-----',
    'EMPTY=',
    '',
    'PUBLIC_unencrypted=visible',
    '',
  ].join('\n');

  test('a typical .env with comments, blank lines and quotes comes back byte for byte', () => {
    const { encrypted, decrypted } = roundTrip(dotenvStore, typical);
    expect(decrypted).toBe(typical);
    expect(encrypted).not.toContain('p@ss');
    expect(encrypted).not.toContain('Database');
    expect(encrypted).toMatch(/^#ENC\[AES256_GCM,[^\n]*type:comment\]\nAPP_ENV=ENC\[AES256_GCM,/);
    expect(encrypted).toContain('\nEMPTY=\n');
    expect(encrypted).toContain('\nPUBLIC_unencrypted=visible\n');
  });

  test('metadata is appended as sorted sops_ lines with newlines written as \\n', () => {
    const { text } = encryptWith(dotenvStore, 'A=1\n');
    const meta = text.split('\n').filter((l) => l.startsWith('sops_'));
    expect(meta.map((l) => l.slice(0, l.indexOf('=')))).toEqual([
      'sops_age__list_0__map_enc',
      'sops_age__list_0__map_recipient',
      'sops_lastmodified',
      'sops_mac',
      'sops_unencrypted_suffix',
      'sops_version',
    ]);
    expect(meta[0]).toContain('-----BEGIN AGE ENCRYPTED FILE-----\\n');
  });

  test('a file sealguard encrypted decrypts with the MAC checked after sops would drop its blank lines', () => {
    const { text, key } = encryptWith(dotenvStore, typical);
    const { file } = openWith(dotenvStore, text.replace(/\n\n+/g, '\n'), key);
    expect(dotenvStore.emit(file)).toBe(typical.replace(/\n\n+/g, '\n'));
  });

  test('nested values cannot be written as dotenv and the error names the key', async () => {
    const file = dotenvStore.parse('A=1\n').file;
    ((file.documents[0] as MapNode).items[0] as MapEntry).value = { kind: 'map', items: [] };
    const err = await caught(() => dotenvStore.emit(file));
    expect(err.message).toContain('"A"');
    expect(err.message).toContain('nested');
  });
});

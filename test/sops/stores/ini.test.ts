import { afterAll, describe, expect, test } from 'vitest';
import { iniStore } from '../../../src/sops/stores/ini.js';
import type { MapEntry, MapNode } from '../../../src/sops/tree.js';
import { caught } from '../../helpers/errors.js';
import { disposeVectorKeys } from '../../helpers/sops-vectors.js';
import { encryptWith, openVector, openWith, readVectorText, roundTrip, shape } from './store-roundtrip.js';

afterAll(disposeVectorKeys);

function section(root: MapNode | undefined, name: string): MapNode {
  const entry = root?.items.find((i): i is MapEntry => i.kind === 'entry' && i.key === name);
  if (!entry || entry.value.kind !== 'map') throw new Error(`no section ${name}`);
  return entry.value;
}

function values(node: MapNode): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of node.items) if (i.kind === 'entry' && i.value.kind === 'scalar' && i.value.scalar.type === 'str') out[i.key] = i.value.scalar.value;
  return out;
}

describe('INI files written by sops decrypt with the MAC checked', () => {
  test('res-format.enc.ini (sops 3.13.2, \\n escapes) decrypts to [foo] bar = baz', async () => {
    const { file, metadata } = await openVector(iniStore, 'res-format.enc.ini');
    expect(values(section(file.documents[0], 'foo'))).toEqual({ bar: 'baz' });
    expect(metadata.version).toBe('3.13.2');
    expect(iniStore.emit(file)).toBe('[foo]\nbar = baz\n');
  });

  test('res-format-2.enc.ini (sops 3.13.1, PGP message in """ quotes) decrypts to the same data', async () => {
    const { file, metadata } = await openVector(iniStore, 'res-format-2.enc.ini');
    expect(iniStore.emit(file)).toBe('[foo]\nbar = baz\n');
    const pgp = metadata.keyGroups[0]?.[0];
    expect(pgp?.kind === 'pgp' && pgp.enc.startsWith('-----BEGIN PGP MESSAGE-----\n\nwcBM')).toBe(true);
  });

  test('example.ini (sops 3.5.0): every section, the encrypted comment and the _unencrypted key', async () => {
    const { file, metadata } = await openVector(iniStore, 'example.ini');
    const root = file.documents[0];
    expect(root?.items.map((i) => (i.kind === 'entry' ? i.key : '#'))).toEqual(['DEFAULT', 'name', 'address', 'phoneNumbers', 'not private']);
    const name = section(root, 'name');
    expect(name.items[0]?.kind).toBe('comment');
    expect(name.items[0]?.kind === 'comment' && name.items[0].text).not.toContain('ENC[');
    expect(values(name)['firstName']).toBe('John');
    expect(values(section(root, 'address'))['city']).toBe('New York');
    expect(values(section(root, 'not private'))).toEqual({ notsecret_unencrypted: 'hi there!' });
    expect(metadata.keyGroups[0]?.map((k) => k.kind)).toEqual(['pgp', 'pgp']);
    expect(metadata.lastModified).toBe('2019-12-10T22:45:52Z');
    const out = iniStore.emit(file);
    expect(out).not.toContain('ENC[');
    expect(out).toContain('[not private]\nnotsecret_unencrypted = hi there!\n');
  });

  test('a tampered value in a sops INI file is refused', async () => {
    const text = readVectorText('res-format.enc.ini').replace('[foo]\nbar', '[foo]\nbaz');
    const { vectorDataKey } = await import('../../helpers/sops-vectors.js');
    const key = await vectorDataKey('res-format.enc.ini');
    expect(() => openWith(iniStore, text, key)).toThrow();
  });
});

describe('INI parsing follows go-ini as sops uses it', () => {
  test('sections become maps of string values, DEFAULT first, comments after the key they precede', () => {
    const text = 'top = 1\n; about s\n[s]\n# about a\na = "quoted value"\nb: 2 ; inline\nc = `x;y`\n';
    expect(shape(iniStore.parse(text).file)).toEqual([
      {
        kind: 'map',
        items: [
          { kind: 'entry', key: 'DEFAULT', value: { kind: 'map', items: [{ kind: 'entry', key: 'top', value: { kind: 'scalar', scalar: { type: 'str', value: '1' } } }] } },
          {
            kind: 'entry',
            key: 's',
            value: {
              kind: 'map',
              items: [
                { kind: 'comment', text: 'about s' },
                { kind: 'entry', key: 'a', value: { kind: 'scalar', scalar: { type: 'str', value: 'quoted value' } } },
                { kind: 'comment', text: 'about a' },
                { kind: 'entry', key: 'b', value: { kind: 'scalar', scalar: { type: 'str', value: '2' } } },
                { kind: 'comment', text: 'inline' },
                { kind: 'entry', key: 'c', value: { kind: 'scalar', scalar: { type: 'str', value: 'x;y' } } },
              ],
            },
          },
        ],
      },
    ]);
  });

  test('a """ value spans lines and a trailing backslash continues a value', () => {
    const root = iniStore.parse('[s]\nk = """line one\nline two"""\nc = abc\\\n  def\n').file.documents[0];
    expect(values(section(root, 's'))).toEqual({ k: 'line one\nline two', c: 'abcdef' });
  });

  test('a file without a [sops] section has no metadata; one with it does', () => {
    expect(iniStore.parse('[a]\nb = c\n').metadata).toBeUndefined();
    expect(iniStore.parse(readVectorText('res-format.enc.ini')).metadata).toBeDefined();
  });

  test('a malformed line is reported by line number without echoing its text', async () => {
    const err = await caught(() => iniStore.parse('[a]\nb = c\nhunter2-secret-line\n'));
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toContain('line 3');
    expect(err.message).not.toContain('hunter2');
    expect((await caught(() => iniStore.parse('[a\n'))).message).toContain('line 1');
    expect((await caught(() => iniStore.parse('[a]\nk = """never closed\n'))).code).toBe('INVALID_INPUT');
  });
});

describe('INI encrypt → decrypt gives the file back', () => {
  const typical = [
    '; Service configuration',
    '# kept with its own marker',
    '',
    '[database]',
    'host     = db.internal',
    'password = "s3cr3t with spaces "',
    'port=5432',
    '',
    '',
    '; credentials for the API',
    '[api]',
    "token = 'abc123'",
    'url   = `https://example.test/a;b`',
    'note  = plain ; inline comment',
    'empty =',
    'multi = """first',
    'second"""',
    'greeting_unencrypted = hello',
    '',
  ].join('\n');

  test('a typical file with comments, blank lines, alignment and quoting comes back byte for byte', () => {
    const { encrypted, decrypted } = roundTrip(iniStore, typical);
    expect(decrypted).toBe(typical);
    expect(encrypted).not.toContain('s3cr3t');
    expect(encrypted).not.toContain('credentials');
    expect(encrypted).toContain('greeting_unencrypted = hello\n');
    expect(encrypted).toContain('host     = ENC[AES256_GCM,');
    expect(encrypted).toContain('password = "ENC[AES256_GCM,');
    expect(encrypted).toMatch(/^; ENC\[AES256_GCM,[^\n]*type:comment\]\n\n\[database\]/);
  });

  test('the [sops] section is written last as sops 3.13.2 writes it: sorted, aligned, \\n escaped', () => {
    const { text } = encryptWith(iniStore, '[a]\nb = c\n');
    const sops = text.slice(text.indexOf('[sops]'));
    const lines = sops.trimEnd().split('\n').slice(1);
    const keys = lines.map((l) => l.split(' = ')[0]?.trimEnd() ?? '');
    expect(keys).toEqual(['age__list_0__map_enc', 'age__list_0__map_recipient', 'lastmodified', 'mac', 'unencrypted_suffix', 'version']);
    expect(new Set(lines.map((l) => l.indexOf(' = '))).size).toBe(1);
    expect(sops).toContain('-----BEGIN AGE ENCRYPTED FILE-----\\n');
    expect(text.startsWith('[a]\nb = ENC[AES256_GCM,')).toBe(true);
    expect(text).toContain('\n\n[sops]\n');
  });

  test('a file sealguard encrypted reads back with the same tree as go-ini gives sops', () => {
    const { text, key } = encryptWith(iniStore, typical);
    const again = openWith(iniStore, text, key).file;
    expect(shape(again)).toEqual(shape(iniStore.parse(typical).file));
  });

  test('keys added or removed after parsing (set, unset) keep every other line as the user wrote it', () => {
    const text = '; about s\n[s]\n# about a\na   = 1\nb=2\n\n[t]\nc = "3"\n';
    const file = iniStore.parse(text).file;
    const root = file.documents[0] as MapNode;
    const s = section(root, 's');
    s.items = s.items.filter((i) => !(i.kind === 'entry' && i.key === 'b'));
    s.items.push({ kind: 'entry', key: 'new_key', value: { kind: 'scalar', scalar: { type: 'str', value: ' padded' } } });
    root.items.push({ kind: 'entry', key: 'u', value: { kind: 'map', items: [{ kind: 'entry', key: 'd', value: { kind: 'scalar', scalar: { type: 'str', value: '4' } } }] } });
    expect(iniStore.emit(file)).toBe('; about s\n[s]\n# about a\na   = 1\nnew_key = " padded"\n\n[t]\nc = "3"\n\n[u]\nd = 4\n');
  });

  test('a tree whose sections were reordered, or that came from another format, is written as go-ini writes it', () => {
    const file = iniStore.parse('[s]\nk=v\nlonger_key=w\n\n[t]\nx=y\n').file;
    const root = file.documents[0] as MapNode;
    root.items.reverse();
    expect(iniStore.emit(file)).toBe('[t]\nx = y\n\n[s]\nk          = v\nlonger_key = w\n');
  });

  test('nested values cannot be written as INI and the error names the key', async () => {
    const file = iniStore.parse('[s]\nk = v\n').file;
    const s = section(file.documents[0], 's');
    (s.items[0] as MapEntry).value = { kind: 'map', items: [] };
    const err = await caught(() => iniStore.emit(file));
    expect(err.message).toContain('"k"');
    expect(err.message).toContain('nested');
  });
});

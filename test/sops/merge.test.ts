import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { formatTreePath, mergeTrees, type MergeResult } from '../../src/sops/merge.js';
import { yamlStore } from '../../src/sops/stores/yaml.js';
import { jsonStore } from '../../src/sops/stores/json.js';

function merge(base: string, ours: string, theirs: string, store = yamlStore): MergeResult & { text: string } {
  const result = mergeTrees(store.parse(base).file, store.parse(ours).file, store.parse(theirs).file);
  return { ...result, text: store.emit(result.file) };
}

const conflictPaths = (r: MergeResult) => r.conflicts.map((c) => `${formatTreePath(c.path)} ${c.kind}`);

const base = 'db:\n  user: app\n  password: old-pass\n# api settings\napi:\n  token: t-1\n  url: https://api.example.invalid\nport: 5432\n';

describe('three-way merge of decrypted trees', () => {
  it('edits to different keys merge into the union, with our layout and comments kept byte for byte', () => {
    const ours = base.replace('old-pass', 'new-pass');
    const theirs = base.replace('t-1', 't-2');
    const r = merge(base, ours, theirs);
    expect(r.conflicts).toEqual([]);
    expect(r.text).toBe(base.replace('old-pass', 'new-pass').replace('t-1', 't-2'));
  });

  it('the same change on both sides is not a conflict', () => {
    const both = base.replace('5432', '6543');
    const r = merge(base, both, both);
    expect(r.conflicts).toEqual([]);
    expect(r.text).toBe(both);
  });

  it('different changes to the same key conflict and name the key path', () => {
    const r = merge(base, base.replace('t-1', 't-ours'), base.replace('t-1', 't-theirs'));
    expect(conflictPaths(r)).toEqual(['["api"]["token"] both-changed']);
    const c = r.conflicts[0]!;
    expect(c.ours).toMatchObject({ kind: 'scalar', scalar: { value: 't-ours' } });
    expect(c.theirs).toMatchObject({ kind: 'scalar', scalar: { value: 't-theirs' } });
    expect(c.base).toMatchObject({ kind: 'scalar', scalar: { value: 't-1' } });
  });

  it('a key deleted on one side and changed on the other conflicts, whichever side deleted it', () => {
    const deleted = base.replace('  token: t-1\n', '');
    const changed = base.replace('t-1', 't-2');
    expect(conflictPaths(merge(base, deleted, changed))).toEqual(['["api"]["token"] deleted-by-us']);
    expect(conflictPaths(merge(base, changed, deleted))).toEqual(['["api"]["token"] deleted-by-them']);
  });

  it('a key deleted on one side and untouched on the other is deleted (the comments stay)', () => {
    const deleted = base.replace('port: 5432\n', '');
    const r = merge(base, base, deleted);
    expect(r.conflicts).toEqual([]);
    expect(parseYaml(r.text)).toEqual(parseYaml(deleted));
    expect(r.text).toContain('# api settings');
    expect(parseYaml(merge(base, deleted, base.replace('t-1', 't-2')).text)).toEqual(parseYaml(deleted.replace('t-1', 't-2')));
  });

  it('keys added on different sides are both kept; theirs go after the key they followed, with their comment', () => {
    const ours = base.replace('port: 5432\n', 'port: 5432\nours_new: a\n');
    const theirs = base.replace('  token: t-1\n', '  token: t-1\n  # the new region\n  region: eu\n');
    const r = merge(base, ours, theirs);
    expect(r.conflicts).toEqual([]);
    expect(parseYaml(r.text)).toEqual({
      db: { user: 'app', password: 'old-pass' },
      api: { token: 't-1', region: 'eu', url: 'https://api.example.invalid' },
      port: 5432,
      ours_new: 'a',
    });
    expect(r.text).toContain('# the new region\n');
    expect(r.text.indexOf('# the new region')).toBeLessThan(r.text.indexOf('region: eu'));
    expect(r.text).toContain('# api settings');
  });

  it('the same key added on both sides with different values conflicts; with the same value it does not', () => {
    const a = base + 'extra: one\n';
    const b = base + 'extra: two\n';
    expect(conflictPaths(merge(base, a, b))).toEqual(['["extra"] both-added']);
    expect(merge(base, a, a).conflicts).toEqual([]);
  });

  it('nested maps merge key by key, even when they were added on both sides', () => {
    const a = base + 'new:\n  x: 1\n';
    const b = base + 'new:\n  y: 2\n';
    const r = merge(base, a, b);
    expect(r.conflicts).toEqual([]);
    expect((parseYaml(r.text) as { new: unknown }).new).toEqual({ x: 1, y: 2 });
  });

  it('lists where both sides appended merge to ours then their new items; other list edits conflict', () => {
    const listBase = 'hosts:\n  - a\n  - b\n';
    const r = merge(listBase, listBase + '  - c\n', listBase + '  - d\n');
    expect(r.conflicts).toEqual([]);
    expect(parseYaml(r.text)).toEqual({ hosts: ['a', 'b', 'c', 'd'] });

    const same = merge(listBase, listBase + '  - c\n', listBase + '  - c\n  - d\n');
    expect(parseYaml(same.text)).toEqual({ hosts: ['a', 'b', 'c', 'd'] });

    const changed = merge(listBase, 'hosts:\n  - a\n  - x\n', listBase + '  - d\n');
    expect(conflictPaths(changed)).toEqual(['["hosts"] both-changed']);
  });

  it('a list changed on one side only takes that side', () => {
    const listBase = 'hosts:\n  - a\n  - b\nport: 1\n';
    const r = merge(listBase, listBase.replace('port: 1', 'port: 2'), 'hosts:\n  - b\nport: 1\n');
    expect(r.conflicts).toEqual([]);
    expect(parseYaml(r.text)).toEqual({ hosts: ['b'], port: 2 });
  });

  it('a scalar replaced by a map on one side and changed on the other conflicts', () => {
    const r = merge(base, base.replace('port: 5432', 'port:\n  http: 80'), base.replace('5432', '5433'));
    expect(conflictPaths(r)).toEqual(['["port"] both-changed']);
  });

  it('types count: 1 and "1" are different values', () => {
    const r = merge('n: 1\n', 'n: "1"\n', 'n: 2\n');
    expect(conflictPaths(r)).toEqual(['["n"] both-changed']);
  });

  it('a comment changed only on their side is reported as not merged', () => {
    const r = merge(base, base.replace('t-1', 't-2'), base.replace('# api settings', '# API settings (v2)'));
    expect(r.conflicts).toEqual([]);
    expect(r.notes.join('\n')).toMatch(/comments changed on their side at the top level/);
    expect(r.text).toContain('# api settings');
  });

  it('multi-document files merge document by document; a changed document count merges only when one side alone changed', () => {
    const two = 'a: 1\n---\nb: 1\n';
    const r = merge(two, 'a: 2\n---\nb: 1\n', 'a: 1\n---\nb: 2\n');
    expect(r.conflicts).toEqual([]);
    expect(r.text).toBe('a: 2\n---\nb: 2\n');

    const conflict = merge(two, 'a: 2\n---\nb: 1\n', 'a: 1\n---\nb: 3\n---\nc: 1\n');
    expect(conflict.conflicts).toHaveLength(1);
    expect(conflict.notes.join()).toMatch(/number of YAML documents/);
    const oneSided = merge(two, two, 'a: 1\n---\nb: 3\n---\nc: 1\n');
    expect(oneSided.conflicts).toEqual([]);
    expect(oneSided.text).toBe('a: 1\n---\nb: 3\n---\nc: 1\n');
  });

  it('conflicts in a later document say which document', () => {
    const r = merge('a: 1\n---\nb: 1\n', 'a: 1\n---\nb: 2\n', 'a: 1\n---\nb: 3\n');
    expect(r.conflicts.map((c) => [c.document, c.path])).toEqual([[1, ['b']]]);
  });

  it('JSON documents merge the same way', () => {
    const jb = '{\n  "a": 1,\n  "b": {\n    "c": "x"\n  }\n}\n';
    const r = merge(jb, jb.replace('"a": 1', '"a": 2'), jb.replace('"x"', '"y"'), jsonStore);
    expect(r.conflicts).toEqual([]);
    expect(JSON.parse(r.text)).toEqual({ a: 2, b: { c: 'y' } });
  });

  it('formats key paths the way --extract takes them', () => {
    expect(formatTreePath(['db', 'pass"word'])).toBe('["db"]["pass\\"word"]');
    expect(formatTreePath([])).toBe('(the whole document)');
  });
});

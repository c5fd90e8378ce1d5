import { describe, expect, it } from 'vitest';
import { yamlStore } from '../../src/sops/stores/yaml.js';
import { jsonStore } from '../../src/sops/stores/json.js';
import { parseTreePath } from '../../src/sops/tree-path.js';
import { sameTree, setAtPath, treeNodeFromJson, unsetAtPath } from '../../src/sops/tree-set.js';
import type { MapNode } from '../../src/sops/tree.js';
import { caught } from '../helpers/errors.js';

function doc(yaml: string): { root: MapNode; render(): string } {
  const file = yamlStore.parse(yaml).file;
  return { root: file.documents[0] as MapNode, render: () => yamlStore.emit(file) };
}

function asJson(root: MapNode): string {
  return jsonStore.emit({ documents: [root] }).replace(/\s+/g, '');
}

describe('set on a tree (sops set semantics)', () => {
  it('replaces a scalar and keeps the rest of the YAML, comments and layout included', () => {
    const d = doc('# top\ndb:\n  user: app   # who\n  port: 5432\n');
    expect(setAtPath(d.root, parseTreePath('["db"]["port"]'), treeNodeFromJson('6543'))).toBe(true);
    expect(d.render()).toBe('# top\ndb:\n  user: app   # who\n  port: 6543\n');
  });

  it('reports no change when the same value is set again (what --idempotent relies on)', () => {
    const d = doc('a:\n  b: [1, "x", true]\n');
    expect(setAtPath(d.root, parseTreePath('["a"]["b"]'), treeNodeFromJson('[1, "x", true]'))).toBe(false);
    expect(setAtPath(d.root, parseTreePath('["a"]["b"]'), treeNodeFromJson('[1, "x", false]'))).toBe(true);
  });

  it('an int and a float of the same number are different values', () => {
    const d = doc('n: 1\n');
    expect(setAtPath(d.root, ['n'], treeNodeFromJson('1.0'))).toBe(true);
    expect(asJson(d.root)).toBe('{"n":1.0}');
  });

  it('creates missing maps along the path, in order', () => {
    const d = doc('a: 1\n');
    setAtPath(d.root, parseTreePath('["x"]["y"]["z"]'), treeNodeFromJson('"v"'));
    expect(asJson(d.root)).toBe('{"a":1,"x":{"y":{"z":"v"}}}');
  });

  it('an index at or past the end of a list appends; a scalar where a map is needed is replaced', () => {
    const d = doc('l: [a, b]\ns: plain\n');
    setAtPath(d.root, parseTreePath('["l"][2]'), treeNodeFromJson('"c"'));
    setAtPath(d.root, parseTreePath('["l"][9]'), treeNodeFromJson('"d"'));
    setAtPath(d.root, parseTreePath('["l"][0]'), treeNodeFromJson('"A"'));
    setAtPath(d.root, parseTreePath('["s"]["k"]'), treeNodeFromJson('null'));
    setAtPath(d.root, parseTreePath('["n"][0]["k"]'), treeNodeFromJson('true'));
    expect(asJson(d.root)).toBe('{"l":["A","b","c","d"],"s":{"k":null},"n":[{"k":true}]}');
  });

  it('sets objects with their key order', () => {
    const d = doc('a: 1\n');
    setAtPath(d.root, ['a'], treeNodeFromJson('{"z": 1, "a": {"m": [1.5, "t"]}}'));
    expect(asJson(d.root)).toBe('{"a":{"z":1,"a":{"m":[1.5,"t"]}}}');
  });

  it('refuses a path that does not start with a key, and values that are not JSON, without echoing them', async () => {
    const d = doc('a: 1\n');
    expect((await caught(() => setAtPath(d.root, [0], treeNodeFromJson('1')))).exitCode).toBe(91);
    const bad = await caught(() => treeNodeFromJson("'hunter2-secret'"));
    expect(bad.code).toBe('INVALID_VALUE');
    expect(bad.message).not.toContain('hunter2');
    expect((await caught(() => treeNodeFromJson('1, 2'))).code).toBe('INVALID_VALUE');
    expect((await caught(() => treeNodeFromJson('   '))).code).toBe('INVALID_VALUE');
  });
});

describe('unset on a tree', () => {
  it('removes a key with its value and leaves its neighbours', () => {
    const d = doc('a: 1\nb:\n  c: 2\n  d: 3\n');
    unsetAtPath(d.root, parseTreePath('["b"]["c"]'));
    expect(asJson(d.root)).toBe('{"a":1,"b":{"d":3}}');
  });

  it('removes a list item by index, skipping comments between items', () => {
    const d = doc('l:\n  - a\n  # note\n  - b\n  - c\n');
    unsetAtPath(d.root, parseTreePath('["l"][1]'));
    expect(asJson(d.root)).toBe('{"l":["a","c"]}');
  });

  it('says which path is missing (exit 91)', async () => {
    const d = doc('a: {b: 1}\n');
    const e = await caught(() => unsetAtPath(d.root, parseTreePath('["a"]["x"]')));
    expect(e.code).toBe('PATH_NOT_FOUND');
    expect(e.message).toContain('["a"]["x"]');
    expect((await caught(() => unsetAtPath(d.root, parseTreePath('["a"][0]')))).code).toBe('PATH_NOT_FOUND');
  });
});

describe('tree equality', () => {
  it('ignores formatting but not types or order', () => {
    const a = doc('m: {x: 1, y: "s"}\n').root;
    const b = doc('m:\n  x: 1\n  y: s\n').root;
    const c = doc('m: {y: s, x: 1}\n').root;
    expect(sameTree(a, b)).toBe(true);
    expect(sameTree(a, c)).toBe(false);
    expect(sameTree(treeNodeFromJson('1'), treeNodeFromJson('"1"'))).toBe(false);
  });
});

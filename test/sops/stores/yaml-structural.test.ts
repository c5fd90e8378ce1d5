import { describe, expect, test } from 'vitest';
import { yamlStore } from '../../../src/sops/stores/yaml.js';
import type { ListNode, MapEntry, MapNode, TreeNode } from '../../../src/sops/tree.js';
import { setAtPath, unsetAtPath } from '../../../src/sops/tree-set.js';
import { values } from './yaml-helpers.js';

const str = (value: string): TreeNode => ({ kind: 'scalar', scalar: { type: 'str', value } });
const int = (value: string): TreeNode => ({ kind: 'scalar', scalar: { type: 'int', value } });
const map = (o: Record<string, TreeNode>): MapNode => ({
  kind: 'map',
  items: Object.entries(o).map(([key, value]) => ({ kind: 'entry', key, value })),
});
const list = (...items: TreeNode[]): ListNode => ({ kind: 'list', items });

/** Parse, change the first document's tree, emit; also checks that the output reads back as the tree. */
function edit(src: string, change: (root: MapNode) => void): string {
  const { file } = yamlStore.parse(src);
  change(file.documents[0]!);
  const out = yamlStore.emit(file);
  expect(values(yamlStore.parse(out).file)).toEqual(values(file));
  return out;
}

const set = (path: (string | number)[], value: TreeNode) => (root: MapNode) => void setAtPath(root, path, value);
const unset = (path: (string | number)[]) => (root: MapNode) => unsetAtPath(root, path);

describe('adding map entries keeps the rest of the file as written', () => {
  test('a new key at the end of the root goes on a line of its own after the last entry', () => {
    expect(edit('# top\na:\n  b: 1\n', set(['c'], str('x')))).toBe('# top\na:\n  b: 1\nc: x\n');
  });

  test('a new key in a nested map takes its siblings\' indentation', () => {
    const src = 'a:   1   # spaced\nnested:\n   x: "q"\n   y: \'z\'\n\nlast: true\n';
    expect(edit(src, set(['nested', 'w'], int('5')))).toBe('a:   1   # spaced\nnested:\n   x: "q"\n   y: \'z\'\n   w: 5\n\nlast: true\n');
  });

  test('a new nested map uses the file\'s indentation step', () => {
    const src = 'a:\n  b:\n    c: 1\nz: 0\n';
    expect(edit(src, set(['a', 'n', 'm'], str('v')))).toBe('a:\n  b:\n    c: 1\n  n:\n    m: v\nz: 0\n');
  });

  test('a key added after an entry with a nested value goes after all of its lines and comments', () => {
    const src = 'a:\n  b: 1\n  # about b\nz: 0\n';
    expect(edit(src, (root) => void root.items.splice(1, 0, { kind: 'entry', key: 'n', value: str('v') }))).toBe(
      'a:\n  b: 1\n  # about b\nn: v\nz: 0\n',
    );
  });

  test('a key added after the leading comment goes right below that comment', () => {
    const src = '# head\n\na: 1\nb: 2\n';
    expect(edit(src, (root) => void root.items.splice(1, 0, { kind: 'entry', key: 'n', value: str('v') }))).toBe('# head\nn: v\n\na: 1\nb: 2\n');
  });

  test('a key added before everything goes above the first line', () => {
    const src = 'a: 1\nb: 2\n';
    expect(edit(src, (root) => void root.items.unshift({ kind: 'entry', key: 'n', value: str('v') }))).toBe('n: v\na: 1\nb: 2\n');
  });

  test('CRLF files get CRLF lines', () => {
    expect(edit('a: 1\r\nb:\r\n  c: 2\r\n', set(['b', 'd'], list(str('x'), str('y'))))).toBe('a: 1\r\nb:\r\n  c: 2\r\n  d:\r\n    - x\r\n    - y\r\n');
  });

  test('a file without a final newline gets the new key on a new line and still no final newline', () => {
    expect(edit('a: 1\nb: 2', set(['c'], str('3x')))).toBe('a: 1\nb: 2\nc: 3x');
  });

  test('a comment added above a new key lands on its own line at the key\'s indentation', () => {
    const src = 'a:\n    b: 1\n';
    const out = edit(src, (root) => {
      const a = (root.items[0] as MapEntry).value as MapNode;
      a.items.push({ kind: 'comment', text: ' theirs' }, { kind: 'entry', key: 'c', value: str('d') });
    });
    expect(out).toBe('a:\n    b: 1\n    # theirs\n    c: d\n');
  });
});

describe('removing map entries removes only their lines', () => {
  test('unset of a middle key removes its line, its nested lines and the comments inside it', () => {
    const src = 'a: 1\nb:\n  # inner\n  c: 2\n  d:\n    - x\nz: 3\n';
    expect(edit(src, unset(['b']))).toBe('a: 1\nz: 3\n');
  });

  test('unset of the first and last keys of a nested map', () => {
    const src = 'top:\n  a: 1\n  b: 2\n  c: 3\nnext: 4\n';
    expect(edit(src, unset(['top', 'a']))).toBe('top:\n  b: 2\n  c: 3\nnext: 4\n');
    expect(edit(src, unset(['top', 'c']))).toBe('top:\n  a: 1\n  b: 2\nnext: 4\n');
  });

  test('a comment on the removed key\'s line stays in the file, on its own line', () => {
    const src = 'a: 1\nb: 2 # keep me\nc: 3\n';
    expect(edit(src, unset(['b']))).toBe('a: 1\n# keep me\nc: 3\n');
  });

  test('removing the only key of a nested map writes {}', () => {
    expect(edit('a:\n  b: 1\nc: 2\n', unset(['a', 'b']))).toBe('a: {}\nc: 2\n');
  });

  test('a removed comment item is removed from the text', () => {
    const out = edit('a: 1\n# drop me\nb: 2\n', (root) => void root.items.splice(1, 1));
    expect(out).toBe('a: 1\nb: 2\n');
  });

  test('removing the last key of a file without a final newline', () => {
    expect(edit('a: 1\nb: 2', unset(['b']))).toBe('a: 1\n');
  });
});

describe('lists', () => {
  test('an appended item goes after the last item at the same indentation', () => {
    const src = 'l:\n- a\n- b\nz: 1\n';
    expect(edit(src, set(['l', 2], str('c')))).toBe('l:\n- a\n- b\n- c\nz: 1\n');
  });

  test('removing an item of a list of maps removes all of its lines', () => {
    const src = 'l:\n  - name: a\n    v: 1\n  - name: b\n    v: 2\n  - name: c\n';
    expect(edit(src, unset(['l', 1]))).toBe('l:\n  - name: a\n    v: 1\n  - name: c\n');
  });

  test('a map appended to a list of maps is written in the same compact form', () => {
    const src = 'l:\n  - name: a\n    v: 1\n';
    expect(edit(src, set(['l', 1], map({ name: str('b'), v: int('2') })))).toBe('l:\n  - name: a\n    v: 1\n  - name: b\n    v: 2\n');
  });

  test('removing the first key of a map in a list moves the next key onto the dash line', () => {
    const src = 'l:\n  - name: a\n    v: 1\n';
    expect(edit(src, unset(['l', 0, 'name']))).toBe('l:\n  - v: 1\n');
  });

  test('an item appended to an empty flow list turns it into a block list', () => {
    expect(edit('a: []\nb: 1\n', set(['a', 0], str('x')))).toBe('a:\n  - x\nb: 1\n');
  });
});

describe('replaced values', () => {
  test('a scalar replaced by a map is written below its key, the key line comment kept', () => {
    expect(edit('a: 1 # c\nb: 2\n', set(['a', 'x'], str('y')))).toBe('a: # c\n  x: y\nb: 2\n');
  });

  test('a map replaced by a scalar is written inline', () => {
    expect(edit('a:\n  x: 1\n  y: 2\nb: 2\n', set(['a'], str('flat')))).toBe('a: flat\nb: 2\n');
  });

  test('a list replaced wholesale is written in its place at the file\'s indentation', () => {
    const src = 'a: 0\nl:\n  - x\n  - y\nz: 1\n';
    expect(edit(src, set(['l'], list(str('p'), map({ k: int('1') }))))).toBe('a: 0\nl:\n  - p\n  - k: 1\nz: 1\n');
  });

  test('a block scalar replaced by a map loses its content lines only', () => {
    const src = 'cert: |\n  line1\n  line2\nz: 1\n';
    expect(edit(src, set(['cert', 'pem'], str('p')))).toBe('cert:\n  pem: p\nz: 1\n');
  });

  test('a flow list with items still falls back to the sops layout', () => {
    const out = edit('a: [1, 2]\nb:  3\n', set(['a', 2], int('3')));
    expect(out).toBe('a:\n    - 1\n    - 2\n    - 3\nb: 3\n');
  });
});

describe('aliases, documents and encrypted files', () => {
  test('a key added next to an alias keeps the alias as written', () => {
    const src = 'base: &b\n  x: 1\nuse: *b\n';
    expect(edit(src, set(['extra'], str('e')))).toBe('base: &b\n  x: 1\nuse: *b\nextra: e\n');
  });

  test('removing the entry that holds an anchor still in use falls back to a layout with the copy spelled out', () => {
    const out = edit('base: &b\n  x: 1\nuse: *b\n', unset(['base']));
    expect(out).toBe('use:\n    x: 1\n');
  });

  test('an entry added to the second document of several lands in that document', () => {
    const src = 'a: 1\n---\nb: 2\n';
    const { file } = yamlStore.parse(src);
    file.documents[1]!.items.push({ kind: 'entry', key: 'c', value: str('3x') });
    expect(yamlStore.emit(file)).toBe('a: 1\n---\nb: 2\nc: 3x\n');
  });

  test('a key added to an encrypted file goes before the sops block and its ENC value is written plain', () => {
    const { file, metadata } = yamlStore.parse('a: 1\nsops:\n    version: 3.9.0\n');
    const enc = 'ENC[AES256_GCM,data:Zm9v,iv:AA==,tag:AA==,type:str]';
    file.documents[0]!.items.push({ kind: 'entry', key: 'b', value: str(enc) });
    expect(yamlStore.emit(file, metadata)).toBe(`a: 1\nb: ${enc}\nsops:\n    version: 3.9.0\n`);
  });
});

import type { CommentNode, MapNode, ParsedFile, Scalar, ScalarNode, TreeNode } from '../../../src/sops/tree.js';

/**
 * A stand-in for the cipher, reversible and keyless: each leaf becomes an ENC string carrying its
 * original scalar, each comment an ENC comment. It changes the tree in place, as the cipher does.
 */

export interface Visit {
  readonly path: string;
  readonly kind: 'leaf' | 'comment';
}

type Visitor = (node: ScalarNode | CommentNode, path: string) => void;

export function walk(file: ParsedFile, fn: Visitor): void {
  for (const doc of file.documents) walkNode(doc, '', fn);
}

function walkNode(node: TreeNode | CommentNode, path: string, fn: Visitor): void {
  switch (node.kind) {
    case 'comment':
    case 'scalar':
      return fn(node, path);
    case 'map':
      return walkMap(node, path, fn);
    case 'list':
      for (const item of node.items) walkNode(item, path, fn);
  }
}

function walkMap(map: MapNode, path: string, fn: Visitor): void {
  for (const item of map.items) {
    if (item.kind === 'comment') fn(item, path);
    else walkNode(item.value, path + item.key + ':', fn);
  }
}

/** Where every leaf and comment sits: its sops AAD path, in document order. */
export function trail(file: ParsedFile): Visit[] {
  const out: Visit[] = [];
  walk(file, (n, path) => out.push({ path, kind: n.kind === 'comment' ? 'comment' : 'leaf' }));
  return out;
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');
const ENC = /^ENC\[AES256_GCM,data:([A-Za-z0-9+/=]*),iv:AAAA,tag:AAAA,type:(\w+)\]$/;

function sealed(plain: string, type: string): string {
  return `ENC[AES256_GCM,data:${b64(plain)},iv:AAAA,tag:AAAA,type:${type}]`;
}

/** Leaves sops leaves alone (null, empty string) stay; everything else becomes ENC. */
export function fakeEncrypt(file: ParsedFile): number {
  let n = 0;
  walk(file, (node) => {
    if (node.kind === 'comment') {
      node.text = sealed(node.text, 'comment');
      n++;
      return;
    }
    const s = node.scalar;
    if (s.type === 'null' || (s.type === 'str' && s.value === '')) return;
    node.scalar = { type: 'str', value: sealed(JSON.stringify(s), s.type) };
    n++;
  });
  return n;
}

export function fakeDecrypt(file: ParsedFile): number {
  let n = 0;
  walk(file, (node) => {
    if (node.kind === 'comment') {
      const m = ENC.exec(node.text);
      if (m) {
        node.text = unb64(m[1]!);
        n++;
      }
      return;
    }
    if (node.scalar.type !== 'str') return;
    const m = ENC.exec(node.scalar.value);
    if (m) {
      node.scalar = JSON.parse(unb64(m[1]!)) as Scalar;
      n++;
    }
  });
  return n;
}

/** Plain values of the tree, for comparing meaning when bytes may differ. */
export function values(file: ParsedFile): unknown[] {
  const out: unknown[] = [];
  walk(file, (node, path) => out.push([path, node.kind === 'comment' ? { comment: node.text } : node.scalar]));
  return out;
}

export const FAKE_METADATA: Record<string, unknown> = {
  age: [
    {
      recipient: 'age1' + 'q'.repeat(58),
      enc: '-----BEGIN AGE ENCRYPTED FILE-----\n' + 'ZmFrZSBhZ2Ugc3RhbnphIGZvciB0ZXN0cw=='.repeat(1) + '\n-----END AGE ENCRYPTED FILE-----\n',
    },
  ],
  lastmodified: '2024-05-01T10:00:00Z',
  mac: sealed('not a mac', 'str'),
  unencrypted_suffix: '_unencrypted',
  version: '3.9.0',
};

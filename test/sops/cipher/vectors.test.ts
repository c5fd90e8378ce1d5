import { afterAll, describe, expect, it } from 'vitest';
import { parseDocument, isMap, isScalar, isSeq, type Node as YamlNode } from 'yaml';
import { decryptValue, encryptValue, parseEncValue } from '../../../src/sops/cipher/aes.js';
import { decryptMac } from '../../../src/sops/cipher/mac.js';
import { decryptTree, decryptTreeVerified, encryptTree } from '../../../src/sops/cipher/tree-crypt.js';
import { metadataFromObject } from '../../../src/sops/metadata-codec.js';
import { jsonStore } from '../../../src/sops/stores/json.js';
import type { MapNode, ParsedFile, TreeNode } from '../../../src/sops/tree.js';
import { disposeVectorKeys, readVector, vectorDataKey } from '../../helpers/sops-vectors.js';

afterAll(disposeVectorKeys);

/** Data only, comments dropped: enough for the MAC, which never covers comments. */
function yamlToTree(node: YamlNode | null): TreeNode {
  if (isMap(node)) {
    return {
      kind: 'map',
      items: node.items.map((p) => ({ kind: 'entry' as const, key: String((p.key as { value: unknown }).value), value: yamlToTree(p.value as YamlNode) })),
    };
  }
  if (isSeq(node)) return { kind: 'list', items: node.items.map((n) => yamlToTree(n as YamlNode)) };
  if (isScalar(node) && typeof node.value === 'string') return { kind: 'scalar', scalar: { type: 'str', value: node.value } };
  throw new Error('vector holds an unexpected YAML node');
}

function yamlVector(text: string): { file: ParsedFile; metadata: Record<string, unknown> } {
  const doc = parseDocument(text);
  const root = yamlToTree(doc.contents as YamlNode) as MapNode;
  const data: MapNode = { kind: 'map', items: root.items.filter((i) => !(i.kind === 'entry' && i.key === 'sops')) };
  return { file: { documents: [data] }, metadata: (doc.toJS() as { sops: Record<string, unknown> }).sops };
}

function scalarAt(file: ParsedFile, ...path: (string | number)[]): unknown {
  let node: TreeNode = file.documents[0] as MapNode;
  for (const step of path) {
    if (typeof step === 'number' && node.kind === 'list') node = node.items.filter((i) => i.kind !== 'comment')[step] as TreeNode;
    else if (node.kind === 'map') node = (node.items.find((i) => i.kind === 'entry' && i.key === step) as { value: TreeNode }).value;
    else throw new Error('bad path');
  }
  if (node.kind !== 'scalar') throw new Error('not a scalar');
  return node.scalar;
}

describe('upstream sops vectors', () => {
  it('example.json decrypts to the documented values and its MAC verifies', async () => {
    const key = await vectorDataKey('example.json');
    const { file, metadata } = jsonStore.parse(await readVector('example.json'));
    const meta = metadataFromObject(metadata as Record<string, unknown>);
    decryptTreeVerified(file, key, meta);
    expect(scalarAt(file, 'firstName')).toEqual({ type: 'str', value: 'John' });
    expect(scalarAt(file, 'age')).toEqual({ type: 'float', value: '25.4' });
    expect(scalarAt(file, 'address', 'city')).toEqual({ type: 'str', value: 'New York' });
    expect(scalarAt(file, 'phoneNumbers', 1, 'type')).toEqual({ type: 'str', value: 'office' });
    expect(scalarAt(file, 'anEmptyValue')).toEqual({ type: 'str', value: '' });
  });

  it('res-format.enc.json decrypts to {"foo": "bar"}', async () => {
    const key = await vectorDataKey('res-format.enc.json');
    const { file, metadata } = jsonStore.parse(await readVector('res-format.enc.json'));
    decryptTreeVerified(file, key, metadataFromObject(metadata as Record<string, unknown>));
    expect(jsonStore.emit(file)).toBe('{\n\t"foo": "bar"\n}\n');
  });

  it('example.txt (binary envelope) decrypts to the welcome text', async () => {
    const key = await vectorDataKey('example.txt');
    const { file, metadata } = jsonStore.parse(await readVector('example.txt'));
    decryptTreeVerified(file, key, metadataFromObject(metadata as Record<string, unknown>));
    const data = scalarAt(file, 'data') as { value: string };
    expect(data.value.startsWith('Welcome to SOPS!')).toBe(true);
    expect(data.value.endsWith('\n\n')).toBe(true);
  });

  it.each(['example.yaml', 'res-format.enc.yaml', 'res-comments.enc.yaml', 'res-comments_unencrypted_comments.yaml'])(
    '%s: values decrypt and the stored MAC matches the recomputed one',
    async (name) => {
      const key = await vectorDataKey(name);
      const { file, metadata } = yamlVector(await readVector(name));
      const meta = metadataFromObject(metadata);
      const { mac } = decryptTree(file, key, meta.selector);
      expect(decryptMac(meta.mac, key, meta.lastModified)).toBe(mac);
    },
  );

  it('example.yaml: a float keeps its text, booleans read back, _unencrypted lists stay plain', async () => {
    const key = await vectorDataKey('example.yaml');
    const { file, metadata } = yamlVector(await readVector('example.yaml'));
    decryptTree(file, key, metadataFromObject(metadata).selector);
    expect(scalarAt(file, 'number')).toEqual({ type: 'float', value: '1234568000' });
    expect(scalarAt(file, 'somebooleans', 0)).toEqual({ type: 'bool', value: true, text: 'True' });
    expect(scalarAt(file, 'somebooleans', 1)).toEqual({ type: 'bool', value: false, text: 'False' });
    expect(scalarAt(file, 'somelist_unencrypted', 0)).toEqual({ type: 'str', value: 'all elements of this list' });
  });

  it('res-comments.enc.yaml: a comment before the first key uses ":" as its authenticated data', async () => {
    const key = await vectorDataKey('res-comments.enc.yaml');
    const text = await readVector('res-comments.enc.yaml');
    const [first, second] = [...text.matchAll(/^#(ENC\[[^\]]+\])$/gm)].map((m) => m[1] as string);
    expect(decryptValue(first as string, key, ':').plaintext.toString()).toBe(' first comment in file');
    expect(decryptValue(second as string, key, ':').plaintext.toString()).toBe(' this-is-a-comment');
    expect(() => decryptValue(first as string, key, '')).toThrow(/authentication failed/);
  });

  it('re-encrypting a vector value with its own IV gives the identical ENC string', async () => {
    const key = await vectorDataKey('example.json');
    const enc =
      'ENC[AES256_GCM,data:f8++3g==,iv:rYuVzzb+C40QlYgO4Dl2V7atZUx0ITBcyb5fUsftKMo=,tag:krquPqa1HQltZqidzNamrA==,type:str]';
    const opened = decryptValue(enc, key, 'firstName:');
    expect(encryptValue(opened.plaintext, 'str', key, 'firstName:', parseEncValue(enc).iv)).toBe(enc);
  });

  it('example.json: decrypt then re-encrypt with the stash reproduces every value byte for byte', async () => {
    const key = await vectorDataKey('example.json');
    const original = await readVector('example.json');
    const { file, metadata } = jsonStore.parse(original);
    const meta = metadataFromObject(metadata as Record<string, unknown>);
    const { stash, mac } = decryptTree(file, key, meta.selector);
    const again = encryptTree(file, key, meta.selector, { previous: stash });
    expect(again.mac).toBe(mac);
    const reparsed = jsonStore.parse(original).file;
    expect(file.documents).toEqual(reparsed.documents);
  });
});

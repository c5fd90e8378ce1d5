import { describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { yamlStore } from '../../../src/sops/stores/yaml.js';
import type { MapNode, ParsedFile } from '../../../src/sops/tree.js';
import { trail, walk } from './yaml-helpers.js';

const VECTORS = path.resolve(import.meta.dirname, '../../../../shared/sops-vectors');
const read = (name: string): string => readFileSync(path.join(VECTORS, name), 'utf8');

/** The tree without store-private origins, for readable comparisons. */
function shape(file: ParsedFile): unknown {
  return JSON.parse(JSON.stringify(file.documents, (k, v: unknown) => (k === 'origin' ? undefined : v)));
}

const encLeaves = (file: ParsedFile): number => {
  let n = 0;
  walk(file, (node) => {
    if (node.kind === 'scalar' && node.scalar.type === 'str' && node.scalar.value.startsWith('ENC[AES256_GCM,')) n++;
  });
  return n;
};

describe('sops vectors through the YAML store', () => {
  test('res-comments.yaml: the leading comment and the comment between keys are root-map comments', () => {
    expect(shape(yamlStore.parse(read('res-comments.yaml')).file)).toEqual([
      {
        kind: 'map',
        items: [
          { kind: 'comment', text: ' first comment in file' },
          { kind: 'entry', key: 'lorem', value: { kind: 'scalar', scalar: { type: 'str', value: 'ipsum' } } },
          { kind: 'comment', text: ' this-is-a-comment' },
          { kind: 'entry', key: 'dolor', value: { kind: 'scalar', scalar: { type: 'str', value: 'sit' } } },
        ],
      },
    ]);
  });

  test('res-comments_list.yaml: a comment between list items stays in the list', () => {
    expect(shape(yamlStore.parse(read('res-comments_list.yaml')).file)).toEqual([
      {
        kind: 'map',
        items: [
          {
            kind: 'entry',
            key: 'lorem',
            value: {
              kind: 'list',
              items: [
                { kind: 'scalar', scalar: { type: 'str', value: 'foo' } },
                { kind: 'comment', text: 'this-is-a-comment' },
                { kind: 'scalar', scalar: { type: 'str', value: 'bar' } },
              ],
            },
          },
        ],
      },
    ]);
  });

  test('res-comments.enc.yaml: encrypted comments sit where the plaintext ones did, metadata is extracted', () => {
    const { file, metadata } = yamlStore.parse(read('res-comments.enc.yaml'));
    const root = file.documents[0]!;
    expect(root.items.map((i) => i.kind)).toEqual(['comment', 'entry', 'comment', 'entry']);
    expect(trail(file)).toEqual(trail(yamlStore.parse(read('res-comments.yaml')).file));
    for (const item of root.items) {
      if (item.kind === 'comment') expect(item.text).toMatch(/^ENC\[AES256_GCM,.*type:comment\]$/);
    }
    expect(encLeaves(file)).toBe(2);
    expect(metadata).toMatchObject({
      kms: [],
      age: [],
      lastmodified: '2020-10-07T15:49:13Z',
      unencrypted_suffix: '_unencrypted',
      version: '3.6.1',
      pgp: [{ created_at: '2019-08-29T21:52:32Z', fp: 'FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4' }],
    });
    const pgp = (metadata!.pgp as { enc: string }[])[0]!;
    expect(pgp.enc.startsWith('-----BEGIN PGP MESSAGE-----\n\n')).toBe(true);
    expect(pgp.enc.endsWith('-----END PGP MESSAGE-----\n')).toBe(true);
  });

  test('res-comments_unencrypted_comments.yaml: plain comments and ENC values, metadata without the data tree', () => {
    const { file, metadata } = yamlStore.parse(read('res-comments_unencrypted_comments.yaml'));
    const root = file.documents[0]!;
    expect(root.items.map((i) => (i.kind === 'entry' ? i.key : i.text))).toEqual([
      ' first comment in file',
      'lorem',
      ' this-is-a-comment',
      'dolor',
    ]);
    expect(encLeaves(file)).toBe(2);
    expect(metadata?.version).toBe('3.3.1');
  });

  test('example.yaml: comments belong to the nested maps they are indented in', () => {
    const { file, metadata } = yamlStore.parse(read('example.yaml'));
    const comments = trail(file).filter((t) => t.kind === 'comment').map((t) => t.path);
    expect(comments).toEqual(['app2:db:', 'this:is:a:nested:', 'this:is:a:nested:', 'this:is:a:nested:']);
    const root = file.documents[0]! as MapNode;
    expect(root.items.map((i) => (i.kind === 'entry' ? i.key : '#'))).toEqual([
      'myapp1',
      'app2',
      'number',
      'an_array',
      'somebooleans',
      'this',
      'somelist_unencrypted',
      'nested_unencrypted',
    ]);
    expect(encLeaves(file)).toBe(12);
    expect(metadata).toMatchObject({ lastmodified: '2025-08-06T18:55:05Z', unencrypted_suffix: '_unencrypted', version: '3.10.2' });
    expect((metadata!.pgp as unknown[]).length).toBe(2);
  });

  test.each(['example.yaml', 'res-format.enc.yaml'])(
    '%s: a tree without source, rendered in sops style, is the file sops wrote, byte for byte',
    (name) => {
      const text = read(name);
      const { file, metadata } = yamlStore.parse(text);
      expect(yamlStore.emit({ documents: file.documents }, metadata)).toBe(text);
    },
  );

  test('res-format.enc.yaml: re-emitting with new metadata replaces the sops block and keeps the data', () => {
    const text = read('res-format.enc.yaml');
    const { file, metadata } = yamlStore.parse(text);
    expect(yamlStore.emit(file, metadata)).toBe(text);
    const out = yamlStore.emit(file);
    expect(out).toBe(text.slice(0, text.indexOf('sops:')));
    expect(out).toMatch(/^foo: ENC\[AES256_GCM,data:8CvE,.*type:str\]\n$/);
  });
});

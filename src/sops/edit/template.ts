/**
 * The document `edit` opens for a file that does not exist yet, as sops does: a small example in
 * the file's format that shows strings, a list, a number and booleans.
 */
import type { MapEntry, MapNode, TreeNode } from '../tree.js';
import type { StoreFormat } from '../stores/types.js';
import { storeFor } from '../file.js';

const WELCOME = 'Welcome to SOPS! Edit this file as you please!';

const str = (value: string): TreeNode => ({ kind: 'scalar', scalar: { type: 'str', value } });
const entry = (key: string, value: TreeNode): MapEntry => ({ kind: 'entry', key, value });

function exampleTree(format: StoreFormat): MapNode {
  const flat: MapEntry[] = [entry('hello', str(WELCOME)), entry('example_key', str('example_value'))];
  if (format === 'dotenv') return { kind: 'map', items: flat };
  // INI keeps its values in sections.
  if (format === 'ini') return { kind: 'map', items: [entry('example', { kind: 'map', items: flat })] };
  return {
    kind: 'map',
    items: [
      ...flat,
      entry('example_array', { kind: 'list', items: [str('example_value1'), str('example_value2')] }),
      entry('example_number', { kind: 'scalar', scalar: { type: 'float', value: '1234.56789' } }),
      entry('example_booleans', {
        kind: 'list',
        items: [
          { kind: 'scalar', scalar: { type: 'bool', value: true } },
          { kind: 'scalar', scalar: { type: 'bool', value: false } },
        ],
      }),
    ],
  };
}

/** Plaintext of the example document for `format` (a binary file starts as one line of text). */
export function editTemplate(format: StoreFormat): string {
  if (format === 'binary') return `${WELCOME}\n`;
  return storeFor(format).emit({ documents: [exampleTree(format)] });
}

/**
 * Binary store, as sops': the whole file is one string value under the key `data`; encrypted, it is
 * the JSON document `{"data": "ENC[…]", "sops": {…}}` (written by the JSON store). Decrypted, the
 * `data` value is written back as is, so a file round-trips byte for byte.
 *
 * Values are JS strings, so a file that is not valid UTF-8 must reach `parse` as `rawBytesText(bytes)`
 * (tree.ts): the marked latin1 form, which the cipher encrypts and MACs as the raw bytes, as sops
 * does. A decrypted value that is not valid UTF-8 comes back in the same form from `emit`; writers
 * turn it back into bytes with `bytesOfText`.
 */
import { ExitCode, SealguardError } from '../../shared/errors.js';
import type { MapEntry, ParsedFile, TreeNode } from '../tree.js';
import { jsonStore } from './json.js';
import type { Store, StoreParseResult } from './types.js';

const DATA_KEY = 'data';

function encryptedEnvelope(text: string): StoreParseResult | undefined {
  if (!text.trimStart().startsWith('{')) return undefined;
  let parsed: StoreParseResult;
  try {
    parsed = jsonStore.parse(text);
  } catch {
    return undefined;
  }
  return parsed.metadata === undefined ? undefined : parsed;
}

function dataEntry(file: ParsedFile): MapEntry | undefined {
  const root = file.documents[0];
  return root?.items.find((i): i is MapEntry => i.kind === 'entry' && i.key === DATA_KEY);
}

export const binaryStore: Store = {
  format: 'binary',

  /** A JSON object with a `sops` object is an encrypted file; anything else is the data itself. */
  parse(text: string): StoreParseResult {
    const envelope = encryptedEnvelope(text);
    if (envelope) return envelope;
    return {
      file: {
        documents: [{ kind: 'map', items: [{ kind: 'entry', key: DATA_KEY, value: { kind: 'scalar', scalar: { type: 'str', value: text } } }] }],
      },
    };
  },

  emit(file: ParsedFile, metadata?: Record<string, unknown>): string {
    if (metadata !== undefined) return jsonStore.emit(file, metadata);
    const entry = dataEntry(file);
    if (!entry) {
      throw new SealguardError('FORMAT_MISMATCH', 'binary output needs a top-level "data" key holding the content', {
        exitCode: ExitCode.errorDumpingTree,
      });
    }
    return binaryStore.emitValue(entry.value);
  },

  emitValue(node: TreeNode): string {
    if (node.kind !== 'scalar') return jsonStore.emitValue(node);
    const s = node.scalar;
    if (s.type === 'null') return '';
    if (s.type === 'bool') return s.value ? 'true' : 'false';
    return s.value;
  },
};

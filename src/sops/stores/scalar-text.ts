import type { Scalar } from '../tree.js';

/** A scalar as flat-file text (sops' ValueToString): what dotenv and INI write for a value. */
export function scalarText(scalar: Scalar): string {
  switch (scalar.type) {
    case 'null':
      return '';
    case 'bool':
      return scalar.value ? 'true' : 'false';
    default:
      return scalar.value;
  }
}

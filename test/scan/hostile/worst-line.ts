import type { RuleSpec } from '../../../src/scan/types.js';

export const LINE_BYTES = 1 << 20;

/** The characters the rule's secrets are made of, taken from its own matching examples. */
function alphabet(spec: RuleSpec): string {
  const chars = [...new Set(spec.examples.match.join(''))].filter((c) => c !== '\n' && c !== '\r');
  return chars.length > 0 ? chars.join('') : 'A1b2';
}

/**
 * One line of LINE_BYTES: for each keyword, the keyword followed by a long run of the rule's
 * alphabet; nested quotes; long runs of `=` and `:`; and each matching example cut two characters
 * short (a near-match), all repeated.
 */
export function worstLine(spec: RuleSpec, bytes = LINE_BYTES): string {
  const abc = alphabet(spec);
  const run = abc.repeat(Math.ceil(4000 / abc.length)).slice(0, 4000);
  const keywords = spec.keywords.length > 0 ? spec.keywords : [''];
  const parts: string[] = [];
  for (const k of keywords) {
    parts.push(`${k}${run}`);
    parts.push(`${k} = "${`'"`.repeat(200)}${run.slice(0, 60)}`);
    parts.push(`${k}${'='.repeat(500)}${':'.repeat(500)}${run.slice(0, 40)}`);
    parts.push(`${k.toUpperCase()}_KEY:${' '.repeat(300)}"${run.slice(0, 100)}\\`);
  }
  for (const m of spec.examples.match) parts.push(m.replace(/\r?\n/g, ' ').slice(0, -2));
  const unit = parts.join(' ');
  return unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes);
}

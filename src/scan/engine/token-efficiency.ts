import { loadCl100k, type BpeTable } from './bpe.js';

/**
 * Token efficiency: how many characters a BPE tokenizer (cl100k_base) packs into one token. Its
 * vocabulary is learnt from natural language and code, so words, identifiers, paths and URLs come out
 * in long tokens (`getPasswordFromVault()` is 5 tokens, 4.4 characters each) while random secrets
 * break into short ones (about 1.1–1.8 characters per token for base62, base64 and hex). Generic rules
 * drop candidates at or above the threshold; provider rules never ask.
 */

/**
 * Measured on test/fixtures/precision (see test/scan/engine/precision.test.ts, which prints the table
 * with SEALGUARD_PRECISION_TABLE=1): the highest F1 of the thresholds tried, with every labelled secret kept.
 */
export const DEFAULT_MAX_CHARS_PER_TOKEN = 3;

let table: BpeTable | undefined;

/** Characters per cl100k_base token of `text` (0 for the empty string). */
export function charsPerToken(text: string): number {
  if (text.length === 0) return 0;
  // Loaded on the first generic candidate, never at start-up (a few milliseconds: see bpe.ts).
  table ??= loadCl100k();
  return text.length / table.count(text);
}

/** True when `text` tokenizes like language or code rather than like a random secret. */
export function tokenizesLikeLanguage(text: string, maxCharsPerToken = DEFAULT_MAX_CHARS_PER_TOKEN): boolean {
  return charsPerToken(text) >= maxCharsPerToken;
}

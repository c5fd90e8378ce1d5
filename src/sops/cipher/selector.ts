/**
 * Which leaves get encrypted, with sops' exact rules:
 * - the key selectors are tested against every mapping key on the leaf's path (ancestors included),
 *   so `foo_unencrypted:` leaves its whole subtree plaintext and `encrypted_regex: ^data$` encrypts
 *   everything under `data`;
 * - the comment selectors look at the comments written before each key/item on the path
 *   (a comment above a key governs that key's subtree); the matching comment itself stays
 *   plaintext so the selection can be made again on decrypt;
 * - at most one selector may be set; with none, `unencrypted_suffix: _unencrypted` applies.
 * Regexes are RE2 (Go's regexp syntax), matched unanchored as Go's regexp.MatchString does.
 */
import type RE2 from 're2';
import { re2 } from '../../shared/re2-lib.js';
import { SealguardError, errorMessage } from '../../shared/errors.js';
import { SELECTOR_NAMES, type EncryptionSelector } from '../metadata.js';

export const DEFAULT_UNENCRYPTED_SUFFIX = '_unencrypted';

/** Comments seen before the current key at each container level, outermost first. */
export type CommentStack = readonly (readonly string[])[];

export interface LeafSelector {
  /** Whether a value at `path` (mapping keys) is encrypted. */
  value(path: readonly string[], comments: CommentStack): boolean;
  /** Whether a comment whose enclosing map is at `path` is encrypted. */
  comment(path: readonly string[], comments: CommentStack, text: string): boolean;
  /** Whether the MAC covers only encrypted values. */
  readonly macOnlyEncrypted: boolean;
}


/** Names (sops spelling) of the selectors set; more than one is an error. */
export function selectorsInUse(selector: EncryptionSelector): string[] {
  return SELECTOR_NAMES.filter(([field]) => (selector[field] ?? '') !== '').map(([, name]) => name);
}

function compile(name: string, pattern: string): RE2 {
  try {
    return new (re2())(pattern);
  } catch (e) {
    throw new SealguardError('INVALID_SELECTOR', `${name} is not a valid regular expression: ${errorMessage(e)}`);
  }
}

function anyComment(comments: CommentStack, re: RE2): boolean {
  return comments.some((level) => level.some((c) => re.test(c)));
}

/** Compile a selector once per tree walk. Throws INVALID_SELECTOR for conflicting selectors or bad regexes. */
export function compileSelector(selector: EncryptionSelector): LeafSelector {
  const inUse = selectorsInUse(selector);
  if (inUse.length > 1) {
    throw new SealguardError('INVALID_SELECTOR', `only one of ${inUse.join(', ')} may be set`);
  }
  const macOnlyEncrypted = selector.macOnlyEncrypted === true;
  if (selector.encryptedSuffix) {
    const suffix = selector.encryptedSuffix;
    const onPath = (path: readonly string[]): boolean => path.some((k) => k.endsWith(suffix));
    return { value: onPath, comment: onPath, macOnlyEncrypted };
  }
  if (selector.unencryptedRegex) {
    const re = compile('unencrypted_regex', selector.unencryptedRegex);
    const onPath = (path: readonly string[]): boolean => !path.some((k) => re.test(k));
    return { value: onPath, comment: onPath, macOnlyEncrypted };
  }
  if (selector.encryptedRegex) {
    const re = compile('encrypted_regex', selector.encryptedRegex);
    const onPath = (path: readonly string[]): boolean => path.some((k) => re.test(k));
    return { value: onPath, comment: onPath, macOnlyEncrypted };
  }
  if (selector.unencryptedCommentRegex) {
    const re = compile('unencrypted_comment_regex', selector.unencryptedCommentRegex);
    return {
      value: (_path, comments) => !anyComment(comments, re),
      comment: (_path, comments, text) => !anyComment(comments, re) && !re.test(text),
      macOnlyEncrypted,
    };
  }
  if (selector.encryptedCommentRegex) {
    const re = compile('encrypted_comment_regex', selector.encryptedCommentRegex);
    return {
      value: (_path, comments) => anyComment(comments, re),
      comment: (_path, comments, text) => anyComment(comments, re) && !re.test(text),
      macOnlyEncrypted,
    };
  }
  const suffix = selector.unencryptedSuffix || DEFAULT_UNENCRYPTED_SUFFIX;
  const onPath = (path: readonly string[]): boolean => !path.some((k) => k.endsWith(suffix));
  return { value: onPath, comment: onPath, macOnlyEncrypted };
}

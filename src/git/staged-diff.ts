/**
 * Arguments for the diff of the index against `base` — by default HEAD, which git itself replaces
 * by "everything staged" on an unborn branch, so no extra git call is needed to find the base. Every option that user config could change
 * is pinned: prefixes (diff.noprefix, diff.mnemonicPrefix), diff.relative, external diff drivers and
 * textconv — the last matters for us: a sops textconv driver would otherwise feed decrypted
 * secrets to the scanner. -C finds copies whose source is also modified in the change; finding
 * every copy (--find-copies-harder) costs a comparison against the whole tree on each commit.
 */
export function stagedDiffArgs(base?: string): string[] {
  return [
    'diff',
    '--cached',
    '-U0',
    '--no-color',
    '--no-ext-diff',
    '--no-textconv',
    '--no-relative',
    '-M',
    '-C',
    '--src-prefix=a/',
    '--dst-prefix=b/',
    ...(base === undefined ? [] : [base]),
    '--',
  ];
}

// Build-time entry (scripts/build.mjs): check rules/*.yaml and write dist/rules.json; write the
// shipped rules' keyword automaton and the cl100k_base table.
import { writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { prebuiltKeywordsFile } from './compile.js';
import { loadRuleFiles, ruleFilesIn } from './load.js';

export { writePrecompiledRules } from './load.js';
export { writeCl100kTable, PREBUILT_TABLE } from '../engine/bpe.js';

/** Write the shipped rules' keyword automaton (see prebuilt-keywords.ts) to `outPath`; false when it cannot be stored. */
export function writeKeywordTable(root: string, outPath: string): boolean {
  const files = ruleFilesIn(join(root, 'rules'));
  const file = prebuiltKeywordsFile(loadRuleFiles(files, (p) => relative(root, p).split(sep).join('/')));
  if (file === undefined) return false;
  writeFileSync(outPath, file);
  return true;
}

// Build-time entry (scripts/build.mjs): check rules/*.yaml and write dist/rules.json; write the cl100k_base table.
export { writePrecompiledRules } from './load.js';
export { writeCl100kTable, PREBUILT_TABLE } from '../engine/bpe.js';

// Build-time entry (scripts/build.mjs): check rules/*.yaml and write dist/rules.json.
export { writePrecompiledRules } from './load.js';

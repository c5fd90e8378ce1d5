export { compileRules, type CompiledAllow, type CompiledRule, type CompiledRules } from './compile.js';
export { defaultScanConfig, loadScanConfig, parseScanConfig, type GlobalAllow, type ScanConfig } from './config.js';
export { runRuleExamples, type ExampleResult } from './examples.js';
export { loadBuiltinRules, loadRuleFile, loadRuleFiles, parseRuleText } from './load.js';

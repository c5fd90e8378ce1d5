export type { CreationRule, KeyGroupSpec, KmsKeySpec, RuleMatch, SopsConfig } from './types.js';
export { parseSopsConfig, loadSopsConfig } from './parse.js';
export { findSopsConfig, lookupSopsConfig, SOPS_CONFIG_NAME, type ConfigLookup } from './find.js';
export { matchCreationRule, pathForMatching } from './match.js';

export { detect, detectWithRule, DEFAULT_MAX_DECODE_DEPTH, type DetectOptions } from './detect.js';
export { shannonEntropy } from './entropy.js';
export { fingerprint } from './fingerprint.js';
export { isPlaceholder } from './placeholder.js';
export { charsPerToken, tokenizesLikeLanguage, DEFAULT_MAX_CHARS_PER_TOKEN } from './token-efficiency.js';
export { githubChecksumValid, githubStyleToken } from './checksum.js';

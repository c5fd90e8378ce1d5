export { detect, detectWithRule } from './detect.js';
export { shannonEntropy } from './entropy.js';
export { fingerprint } from './fingerprint.js';
export { isPlaceholder } from './placeholder.js';

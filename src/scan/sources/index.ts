// Sources: turn files, stdin and git changes into fragments for the engine.
export type { SourceContext } from './context.js';
export { fileFragments, pathFragments } from './files.js';
export { stdinFragments } from './stdin.js';
export { stagedFragments } from './staged.js';
export { diffFragment } from './diff-fragments.js';
export { decodeText } from './decode.js';
export { historyFragments, historySelection, countCommits, type HistorySelection, type HistoryRequest } from './history.js';
export { parsePrePushInput, prePushSelection, type PushedRef } from './pre-push.js';

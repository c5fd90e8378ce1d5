import path from 'node:path';
import type { RuleMatch, SopsConfig } from './types.js';
import { compileSopsRegex } from './regex.js';

/**
 * The path a rule's `path_regex` is matched against, as sops computes it: the file's absolute path
 * relative to the config's folder with '/' separators, or the absolute path when the file is
 * outside that folder.
 */
export function pathForMatching(config: Pick<SopsConfig, 'dir'>, filePath: string): string {
  const abs = path.resolve(filePath);
  const rel = path.relative(config.dir, abs);
  const inside = rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
  return (inside ? rel : abs).split(path.sep).join('/');
}

/**
 * The creation rule for `filePath`: the first rule in order whose `path_regex` matches anywhere in
 * the path (unanchored), a rule without one matching every path. Undefined when none matches.
 */
export function matchCreationRule(config: SopsConfig, filePath: string): RuleMatch | undefined {
  const matchedPath = pathForMatching(config, filePath);
  for (const rule of config.creationRules) {
    if (!rule.pathRegex || compileSopsRegex(rule.pathRegex).test(matchedPath)) {
      return { rule, index: rule.index, matchedPath };
    }
  }
  return undefined;
}

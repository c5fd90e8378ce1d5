import { re2 } from '../../shared/re2-lib.js';
import { errorMessage } from '../../shared/errors.js';

/**
 * Compiles a `.sops.yaml` pattern with RE2, the engine sops (Go regexp) uses, so a pattern means
 * the same here as there and no config can make matching take more than linear time.
 */
export function compileSopsRegex(pattern: string): RegExp {
  return new (re2())(pattern);
}

/** Why a pattern does not compile, or undefined when it does. */
export function regexProblem(pattern: string): string | undefined {
  try {
    compileSopsRegex(pattern);
    return undefined;
  } catch (e) {
    return errorMessage(e);
  }
}

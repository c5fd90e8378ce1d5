import type { Fragment } from '../../../src/scan/types.js';
import type { SourceContext } from '../../../src/scan/sources/index.js';

export interface Collected {
  fragments: Fragment[];
  skips: Array<{ path: string; reason: string }>;
}

/** A context that records skips, and a helper draining a source into arrays. */
export function recordingContext(maxTargetBytes = 0): { ctx: SourceContext; skips: Collected['skips'] } {
  const skips: Collected['skips'] = [];
  return { ctx: { maxTargetBytes, onSkip: (path, reason) => skips.push({ path, reason }) }, skips };
}

export async function collect(make: (ctx: SourceContext) => AsyncIterable<Fragment>, maxTargetBytes = 0): Promise<Collected> {
  const { ctx, skips } = recordingContext(maxTargetBytes);
  const fragments: Fragment[] = [];
  for await (const f of make(ctx)) fragments.push(f);
  return { fragments, skips };
}

/** A token-shaped fake secret built at run time, so no secret-looking literal sits in the repo. */
export function fakeToken(seed = 'A1b2C3d4'): string {
  return 'ghp_' + seed.repeat(4) + 'Zz9Y';
}

import type { Finding } from '../types.js';

/** A finding with the facts dedupe needs: the secret's span in the fragment text. */
export interface Candidate {
  readonly finding: Finding;
  readonly start: number;
  readonly end: number;
  readonly generic: boolean;
  /** Rule order, so output is stable and the earlier rule wins a tie. */
  readonly order: number;
}

/**
 * One finding per secret: the same fingerprint at the same place is reported once, and where rules
 * find overlapping secrets a provider rule beats a generic one. Output is in text order.
 */
export function dedupe(candidates: readonly Candidate[]): Finding[] {
  return dedupeCandidates(candidates).map((c) => c.finding);
}

/** As `dedupe`, keeping each survivor's span. */
export function dedupeCandidates(candidates: readonly Candidate[]): Candidate[] {
  if (candidates.length === 0) return [];
  const sorted = [...candidates].sort((a, b) => a.start - b.start || a.order - b.order);
  const overlapsSpecific = specificOverlapTest(sorted.filter((c) => !c.generic));
  const kept: Candidate[] = [];
  const seen = new Set<string>();
  for (const c of sorted) {
    if (c.generic && overlapsSpecific(c)) continue;
    const key = `${c.start}:${c.end}`;
    const place = `${c.finding.fingerprint}@${c.finding.startLine}:${c.finding.startColumn}`;
    // Two rules reporting the very same span found one secret: the first (non-generic first) wins.
    if (seen.has(key) || seen.has(place)) continue;
    seen.add(key);
    seen.add(place);
    kept.push(c);
  }
  return kept;
}

/**
 * Overlap test against the provider findings in O(log n): among those starting before the candidate
 * ends, one overlaps exactly when the furthest end reaches past the candidate's start.
 */
function specificOverlapTest(specific: readonly Candidate[]): (c: Candidate) => boolean {
  const maxEnd: number[] = [];
  let furthest = -1;
  for (const s of specific) maxEnd.push((furthest = Math.max(furthest, s.end)));
  return (c) => {
    let lo = 0;
    let hi = specific.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (specific[mid].start < c.end) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 && maxEnd[lo - 1] > c.start;
  };
}

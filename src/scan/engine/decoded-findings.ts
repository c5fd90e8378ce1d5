import type { Encoding } from '../rules/encoded-keywords.js';
import type { Finding } from '../types.js';
import { encodedSpans, type TriggerHit } from './decode.js';
import type { Candidate } from './dedupe.js';

/** What merging decoded findings needs from the scan of the text they were decoded from. */
export interface DecodeContext {
  /** The UTF-8 bytes the triggers were found in. */
  readonly bytes: Buffer;
  /** String offset of a byte offset (called with rising offsets). */
  charOffset(byte: number): number;
  /** These three take string offsets. */
  inSops(start: number, end: number): boolean;
  isIgnored(start: number, end: number): boolean;
  locate(start: number, end: number): Pick<Finding, 'startLine' | 'endLine' | 'startColumn' | 'endColumn'>;
}

/** Encodings a finding was found under, outermost first (kept out of the public Finding type). */
const layers = new WeakMap<Finding, readonly Encoding[]>();

/**
 * The text's own findings plus those in its decoded spans. A decoded finding points at the encoded
 * span (its lines and columns in the original text) and says which decoding found it. A generic
 * finding on an encoded span that a provider rule recognised once decoded gives way to it, and a
 * decoded finding the text already reports as is (percent-decoding often changes nothing the rule
 * saw) is not repeated.
 */
export function withDecoded(
  kept: readonly Candidate[],
  triggers: readonly TriggerHit[],
  ctx: DecodeContext,
  rescan: (decoded: string) => Finding[],
): Finding[] {
  const decoded: { finding: Finding; start: number; end: number }[] = [];
  for (const span of encodedSpans(ctx.bytes, triggers)) {
    // Rescanned first: most spans hold nothing, and only a finding needs the text (SOPS regions,
    // ignore comments, lines), which a file scanned on its bytes alone then never decodes.
    const inner = rescan(span.decoded);
    if (inner.length === 0) continue;
    const start = ctx.charOffset(span.start);
    const end = ctx.charOffset(span.end);
    if (ctx.inSops(start, end) || ctx.isIgnored(start, end)) continue;
    const where = ctx.locate(start, end);
    for (const f of inner) decoded.push({ finding: relocate(f, span.encoding, where), start, end });
  }
  if (decoded.length === 0) return kept.map((c) => c.finding);

  const specificSpans = decoded.filter((d) => !isGeneric(d.finding));
  const own = kept
    .filter((c) => !(c.generic && specificSpans.some((d) => d.start < c.end && c.start < d.end)))
    .map((c) => c.finding);
  const ownKeys = new Set(own.map((f) => `${f.fingerprint}@${f.startLine}`));
  const added = decoded.map((d) => d.finding).filter((f) => !ownKeys.has(`${f.fingerprint}@${f.startLine}`));
  return [...own, ...dedupeByKey(added)].sort((a, b) => a.startLine - b.startLine || a.startColumn - b.startColumn);
}

function relocate(f: Finding, encoding: Encoding, where: ReturnType<DecodeContext['locate']>): Finding {
  const chain = [encoding, ...(layers.get(f) ?? [])];
  const note = `found in ${chain
    .slice()
    .reverse()
    .map((e) => `${e}-decoded text`)
    .join(' inside ')}`;
  const tags = [...f.tags.filter((t) => !t.startsWith('decoded:')), ...chain.map((e) => `decoded:${e}`)];
  const notes = [...(f.notes ?? []).filter((n) => !n.startsWith('found in ')), note];
  const moved: Finding = { ...f, ...where, tags: [...new Set(tags)], notes };
  layers.set(moved, chain);
  return moved;
}

function isGeneric(f: Finding): boolean {
  return f.tags.includes('generic') || f.ruleId.startsWith('generic-');
}

/** The same secret by the same rule from the same span once (a span can be decoded two ways). */
function dedupeByKey(findings: readonly Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.fingerprint}@${f.startLine}:${f.startColumn}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

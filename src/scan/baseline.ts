import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SealguardError, errorMessage } from '../shared/errors.js';
import { parseGitleaksIgnore, type IgnoreList } from './ignore-file.js';
import type { Finding } from './types.js';

export const BASELINE_FILE = '.sealguard-baseline.json';
const BASELINE_VERSION = 1;

/**
 * One accepted finding. Only what identifies it: the fingerprint (`file:rule-id:short hash`) and the
 * full SHA-256 of the secret, never the secret, a line number or a date, so the file changes only
 * when the set of accepted secrets changes.
 */
export interface BaselineEntry {
  readonly fingerprint: string;
  /**
   * Hex SHA-256 of the secret. The key is deliberately not called `hashedSecret`: a JSON key naming
   * a secret next to a long hex value is exactly what generic rules flag, in every scan of the repo.
   */
  readonly sha256: string;
}

export interface BaselineDocument {
  readonly version: number;
  readonly tool: 'sealguard';
  readonly findings: readonly BaselineEntry[];
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The baseline for these findings: one entry per fingerprint (a secret seen in many commits is one entry), sorted. */
export function buildBaseline(findings: readonly Finding[]): BaselineDocument {
  const entries = new Map<string, BaselineEntry>();
  for (const f of findings) {
    if (entries.has(f.fingerprint)) continue;
    const sha256 = createHash('sha256').update(f.secret.reveal(), 'utf8').digest('hex');
    entries.set(f.fingerprint, { fingerprint: f.fingerprint, sha256 });
  }
  const sorted = [...entries.values()].sort(
    (a, b) => byCodeUnit(a.fingerprint, b.fingerprint) || byCodeUnit(a.sha256, b.sha256),
  );
  return { version: BASELINE_VERSION, tool: 'sealguard', findings: sorted };
}

/** Stable text: fixed key order, 2-space indentation, trailing newline. Same findings, same bytes. */
export function renderBaseline(doc: BaselineDocument): string {
  const ordered = {
    version: doc.version,
    tool: doc.tool,
    findings: doc.findings.map((e) => ({ fingerprint: e.fingerprint, sha256: e.sha256 })),
  };
  return JSON.stringify(ordered, null, 2) + '\n';
}

function invalid(source: string, why: string): SealguardError {
  return new SealguardError('BASELINE_INVALID', `${source}: not a baseline file (${why})`, { exitCode: 2 });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The accepted findings of a baseline. Besides our own format this reads a JSON report (ours or
 * gitleaks'), an array of findings with `Fingerprint` fields, which is what a gitleaks user passes to
 * `--baseline-path`: our fingerprints match as they are, gitleaks ones (`[commit:]file:rule:line`)
 * match as `.gitleaksignore` entries do.
 */
export function parseBaseline(text: string, source: string): IgnoreList {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw invalid(source, `invalid JSON: ${errorMessage(e).split('\n')[0]}`);
  }
  if (Array.isArray(data)) {
    const prints = data.flatMap((item) => (isRecord(item) && typeof item.Fingerprint === 'string' ? [item.Fingerprint] : []));
    if (prints.length !== data.length) throw invalid(source, 'a report array whose items lack a Fingerprint');
    return { fingerprints: new Set(prints), gitleaks: parseGitleaksIgnore(prints.join('\n')) };
  }
  if (!isRecord(data) || !Array.isArray(data.findings)) throw invalid(source, "expected {version, tool, findings: […]}");
  if (data.version !== BASELINE_VERSION) throw invalid(source, `unsupported version ${JSON.stringify(data.version)}`);
  const fingerprints = new Set<string>();
  for (const entry of data.findings) {
    if (!isRecord(entry) || typeof entry.fingerprint !== 'string') throw invalid(source, 'an entry without a fingerprint');
    fingerprints.add(entry.fingerprint);
  }
  return { fingerprints, gitleaks: [] };
}

/** Read a baseline for `scan --baseline F`. A missing or malformed file is a usage error (exit 2). */
export function loadBaseline(file: string, shownAs: string = file): IgnoreList {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new SealguardError(
      'BASELINE_NOT_FOUND',
      missing ? `${shownAs}: no such baseline file (create one with 'sealguard baseline')` : `${shownAs}: cannot read: ${errorMessage(e)}`,
      { exitCode: 2 },
    );
  }
  return parseBaseline(text, shownAs);
}

import pkg from '../../../package.json' with { type: 'json' };
import type { Finding, RuleSpec, Severity } from '../types.js';
import { shownMatch } from './mask.js';
import { ruleHelp } from './help.js';
import type { ReportOptions, Reporter } from './types.js';

const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const INFORMATION_URI = 'https://www.npmjs.com/package/sealguard';

type SarifLevel = 'error' | 'warning' | 'note';

const LEVEL: Record<Severity, SarifLevel> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};

/** GitHub code scanning ranks security alerts by this 0–10 score (critical is above 9.0). */
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
  info: '1.0',
};

interface RuleInfo {
  readonly id: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly severity: Severity;
}

/** SARIF 2.1.0, as GitHub code scanning ingests it. */
export const sarifReporter: Reporter = {
  write(findings: readonly Finding[], opts: ReportOptions): string {
    const rules = ruleTable(findings, opts.rules ?? []);
    const index = new Map(rules.map((r, i) => [r.id, i]));
    const log = {
      $schema: SARIF_SCHEMA,
      version: '2.1.0',
      runs: [
        {
          tool: {
            driver: {
              name: 'sealguard',
              informationUri: INFORMATION_URI,
              version: opts.toolVersion ?? pkg.version,
              rules: rules.map(sarifRule),
            },
          },
          results: findings.map((f) => sarifResult(f, index.get(f.ruleId) ?? 0, opts.redact)),
        },
      ],
    };
    return JSON.stringify(log, null, 2) + '\n';
  },
};

/** Every rule that ran, then any rule only known from a finding, in a stable order. */
function ruleTable(findings: readonly Finding[], specs: readonly RuleSpec[]): RuleInfo[] {
  const out: RuleInfo[] = [];
  const seen = new Set<string>();
  const add = (r: RuleInfo): void => {
    if (seen.has(r.id)) return;
    seen.add(r.id);
    out.push(r);
  };
  for (const s of specs) add({ id: s.id, description: s.description, tags: s.tags, severity: s.severity });
  for (const f of findings) add({ id: f.ruleId, description: f.description, tags: f.tags, severity: f.severity });
  return out;
}

function sarifRule(r: RuleInfo): object {
  const tags = r.tags.length > 0 ? `; tags: ${r.tags.join(', ')}` : '';
  return {
    id: r.id,
    name: r.id,
    shortDescription: { text: r.description },
    fullDescription: { text: `${r.description} (rule ${r.id}, severity ${r.severity}${tags})` },
    // Code scanning shows `help` on the alert page: what the rule found and what to do about it.
    help: ruleHelp(r.id, r.description),
    defaultConfiguration: { level: LEVEL[r.severity] },
    properties: { tags: ['security', 'secret', ...r.tags], 'security-severity': SECURITY_SEVERITY[r.severity] },
  };
}

function sarifResult(f: Finding, ruleIndex: number, redact: boolean): object {
  return {
    ruleId: f.ruleId,
    ruleIndex,
    level: LEVEL[f.severity],
    message: { text: [`${f.description} (${f.ruleId}) in ${f.file}`, ...(f.notes ?? [])].join('. ') },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: toUri(f.file) },
          region: {
            startLine: f.startLine,
            startColumn: f.startColumn,
            endLine: f.endLine,
            // Our end column is the last character's; SARIF's is the one after it.
            endColumn: f.endColumn + 1,
            ...(f.match.length > 0 ? { snippet: { text: shownMatch(f, redact) } } : {}),
          },
        },
      },
    ],
    // Code scanning matches alerts across commits by these: ours has no line number, so an alert
    // survives edits above the secret and is closed when the secret is removed.
    // A history finding's fingerprint starts with its commit; without it the alert follows the secret.
    partialFingerprints: { 'sealguard/v1': f.commit && f.fingerprint.startsWith(`${f.commit.sha}:`) ? f.fingerprint.slice(f.commit.sha.length + 1) : f.fingerprint },
    ...(f.commit
      ? {
          properties: {
            commitSha: f.commit.sha,
            author: f.commit.author,
            email: f.commit.email,
            date: f.commit.date,
          },
        }
      : {}),
  };
}

/** A relative path as a URI reference: each segment percent-encoded, '/' kept. */
function toUri(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

import { detect } from '../../../src/scan/engine/index.js';
import { compileRules, loadRuleFile } from '../../../src/scan/rules/index.js';
import type { Finding, RuleSpec } from '../../../src/scan/types.js';
import { resolve } from 'node:path';

export const specs: RuleSpec[] = loadRuleFile(resolve(import.meta.dirname, '../../fixtures/rules/sample.yaml'));
const compiled = compileRules(specs);

export const token = 'ghp_' + 'A1b2C3d4'.repeat(4) + 'Zz9Y';
export const keyId = 'AKIA' + 'Q7W2E5R8T1Y4U6I3';

/** Real findings from the engine: one from a working-tree file, one from a commit. */
export function sampleFindings(): Finding[] {
  const fromFile = detect(compiled, { path: 'src/config.ts', text: `// settings\nconst token = "${token}";\n` });
  const fromCommit = detect(compiled, {
    path: 'deploy/my env.sh',
    text: `export AWS_ACCESS_KEY_ID=${keyId}\n`,
    lines: [7],
    commit: { sha: 'a'.repeat(40), author: 'Dev One', email: 'dev@example.org', date: '2024-05-01T10:00:00Z', message: 'add deploy' },
  });
  return [...fromFile, ...fromCommit];
}

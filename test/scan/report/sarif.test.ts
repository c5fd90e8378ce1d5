import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { getReporter } from '../../../src/scan/report/index.js';
import { SealguardError } from '../../../src/shared/errors.js';
import type { ReportFormat } from '../../../src/scan/report/index.js';
import { keyId, sampleFindings, specs, token } from './helpers.js';

interface Shape {
  required?: string[];
  types?: Record<string, string>;
  enums?: Record<string, unknown[]>;
  minimum?: Record<string, number>;
}
const schema = JSON.parse(
  readFileSync(resolve(import.meta.dirname, '../../fixtures/sarif/sarif-2.1.0-subset.json'), 'utf8'),
) as Record<string, Shape>;

type Json = Record<string, unknown>;

/** Check one object against one definition of the schema subset; returns every violation. */
function check(value: unknown, def: string, where: string): string[] {
  const shape = schema[def];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${where}: not an object`];
  const obj = value as Json;
  const problems: string[] = [];
  for (const key of shape.required ?? []) if (!(key in obj)) problems.push(`${where}.${key}: required`);
  for (const [key, type] of Object.entries(shape.types ?? {})) {
    if (!(key in obj)) continue;
    const v = obj[key];
    const ok =
      type === 'array' ? Array.isArray(v)
      : type === 'integer' ? Number.isInteger(v)
      : type === 'object' ? typeof v === 'object' && v !== null && !Array.isArray(v)
      : typeof v === type;
    if (!ok) problems.push(`${where}.${key}: expected ${type}`);
  }
  for (const [key, allowed] of Object.entries(shape.enums ?? {})) {
    if (key in obj && !allowed.includes(obj[key])) problems.push(`${where}.${key}: not one of ${allowed.join(', ')}`);
  }
  for (const [key, min] of Object.entries(shape.minimum ?? {})) {
    if (key in obj && (obj[key] as number) < min) problems.push(`${where}.${key}: below ${min}`);
  }
  return problems;
}

function validateSarif(log: Json): string[] {
  const problems = check(log, 'log', 'log');
  (log.runs as Json[]).forEach((run, r) => {
    const at = `runs[${r}]`;
    problems.push(...check(run, 'run', at));
    const driver = (run.tool as Json).driver as Json;
    problems.push(...check(driver, 'driver', `${at}.tool.driver`));
    const rules = (driver.rules ?? []) as Json[];
    rules.forEach((rule, i) => {
      const w = `${at}.tool.driver.rules[${i}]`;
      problems.push(...check(rule, 'reportingDescriptor', w));
      for (const f of ['shortDescription', 'fullDescription', 'help']) {
        if (f in rule) problems.push(...check(rule[f], 'multiformatMessageString', `${w}.${f}`));
      }
      if ('properties' in rule) problems.push(...check(rule.properties, 'propertyBag', `${w}.properties`));
    });
    ((run.results ?? []) as Json[]).forEach((res, i) => {
      const w = `${at}.results[${i}]`;
      problems.push(...check(res, 'result', w));
      problems.push(...check(res.message, 'message', `${w}.message`));
      if (typeof res.ruleIndex === 'number' && rules[res.ruleIndex]?.id !== res.ruleId) {
        problems.push(`${w}.ruleIndex: does not point at rule ${String(res.ruleId)}`);
      }
      ((res.locations ?? []) as Json[]).forEach((loc, j) => {
        const lw = `${w}.locations[${j}]`;
        problems.push(...check(loc, 'location', lw));
        const phys = loc.physicalLocation as Json;
        problems.push(...check(phys, 'physicalLocation', `${lw}.physicalLocation`));
        problems.push(...check(phys.artifactLocation, 'artifactLocation', `${lw}.physicalLocation.artifactLocation`));
        problems.push(...check(phys.region, 'region', `${lw}.physicalLocation.region`));
      });
      for (const [k, v] of Object.entries((res.partialFingerprints ?? {}) as Json)) {
        if (typeof v !== 'string') problems.push(`${w}.partialFingerprints.${k}: expected string`);
      }
    });
  });
  return problems;
}

const sarif = getReporter('sarif');

describe('sarif report', () => {
  const log = JSON.parse(sarif.write(sampleFindings(), { redact: true, rules: specs, toolVersion: '1.2.3' })) as Json;

  test('validates against the SARIF 2.1.0 schema subset GitHub code scanning reads', () => {
    expect(validateSarif(log)).toEqual([]);
    expect(log.$schema).toBe('https://json.schemastore.org/sarif-2.1.0.json');
    expect(validateSarif(JSON.parse(sarif.write([], { redact: true })) as Json)).toEqual([]);
  });

  test('the checker itself rejects a broken log', () => {
    const broken = structuredClone(log);
    const run = (broken.runs as Json[])[0];
    const result = (run.results as Json[])[0];
    result.level = 'fatal';
    delete (result.message as Json).text;
    expect(validateSarif(broken).sort()).toEqual([
      'runs[0].results[0].level: not one of none, note, warning, error',
      'runs[0].results[0].message.text: required',
    ]);
  });

  test('the tool driver names sealguard and lists every rule that ran, with tags and severity', () => {
    const driver = ((log.runs as Json[])[0].tool as Json).driver as Json;
    expect(driver).toMatchObject({ name: 'sealguard', version: '1.2.3' });
    expect(driver.informationUri).toMatch(/^https:\/\//);
    const rules = driver.rules as Json[];
    expect(rules.map((r) => r.id)).toEqual(specs.map((s) => s.id));
    expect(rules[0]).toMatchObject({
      id: 'github-pat',
      name: 'github-pat',
      shortDescription: { text: 'GitHub personal access token' },
      properties: { tags: ['security', 'secret', 'github', 'token'], 'security-severity': '8.0' },
    });
    expect((rules[0].help as Json).text).toContain('sealguard:allow');
  });

  test('each result points at the secret with 1-based lines and an exclusive end column, masked', () => {
    const [fromFile, fromCommit] = (log.runs as Json[])[0].results as Json[];
    expect(fromFile).toMatchObject({
      ruleId: 'github-pat',
      ruleIndex: 0,
      level: 'error',
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: 'src/config.ts' },
            region: { startLine: 2, startColumn: 16, endLine: 2, endColumn: 16 + token.length, snippet: { text: 'ghp_************' } },
          },
        },
      ],
    });
    expect((fromFile.partialFingerprints as Json)['sealguard/v1']).toMatch(/^src\/config\.ts:github-pat:[0-9a-f]{12}$/);
    expect(fromCommit).toMatchObject({
      ruleId: 'aws-access-key-id',
      ruleIndex: 1,
      properties: { commitSha: 'a'.repeat(40), author: 'Dev One' },
    });
    const loc = (fromCommit.locations as Json[])[0].physicalLocation as Json;
    expect((loc.artifactLocation as Json).uri).toBe('deploy/my%20env.sh');
  });

  test('secrets appear nowhere in the log unless redact is off', () => {
    const masked = sarif.write(sampleFindings(), { redact: true, rules: specs });
    expect(masked).not.toContain(token);
    expect(masked).not.toContain(keyId);
    expect(sarif.write(sampleFindings(), { redact: false })).toContain(token);
  });

  test('without a version given, the package version is reported', () => {
    const own = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../../package.json'), 'utf8')) as { version: string };
    const plain = JSON.parse(sarif.write([], { redact: true })) as Json;
    expect((((plain.runs as Json[])[0].tool as Json).driver as Json).version).toBe(own.version);
  });
});

describe('getReporter', () => {
  test('an unknown format is a usage error', () => {
    expect(() => getReporter('xml' as ReportFormat)).toThrow(SealguardError);
  });
});

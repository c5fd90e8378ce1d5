import { describe, expect, test } from 'vitest';
import { getReporter } from '../../../src/scan/report/index.js';
import { Secret } from '../../../src/shared/secret.js';
import type { Finding } from '../../../src/scan/types.js';
import { keyId, sampleFindings, token } from './helpers.js';
import { readXml } from './xml-reader.js';

const junit = getReporter('junit');

describe('junit report', () => {
  test('one test suite per file, one failing test case per finding, with counts', () => {
    const root = readXml(junit.write(sampleFindings(), { redact: true }));
    expect(root.name).toBe('testsuites');
    expect(root.attrs).toMatchObject({ tests: '2', failures: '2' });
    expect(root.children.map((s) => [s.attrs.name, s.attrs.tests, s.attrs.failures])).toEqual([
      ['src/config.ts', '1', '1'],
      ['deploy/my env.sh', '1', '1'],
    ]);
    const [fileCase] = root.children[0].children;
    expect(fileCase.attrs).toMatchObject({ classname: 'src/config.ts', name: 'github-pat at src/config.ts:2:16', line: '2' });
    const failure = fileCase.children[0];
    expect(failure.name).toBe('failure');
    expect(failure.attrs).toMatchObject({ type: 'github-pat', message: 'GitHub personal access token (github-pat) in src/config.ts, line 2' });
    expect(failure.text).toMatch(/fingerprint: src\/config\.ts:github-pat:[0-9a-f]{12}/);
    expect(failure.text).toContain('fix:');
    expect(root.children[1].children[0].attrs.name).toMatch(/^aws-access-key-id at deploy\/my env\.sh:7:\d+ in commit aaaaaaaaaaaa$/);
  });

  test('two findings in one file share one suite', () => {
    const [f] = sampleFindings();
    const root = readXml(junit.write([f, { ...f, startLine: 9 }], { redact: true }));
    expect(root.children).toHaveLength(1);
    expect(root.children[0].attrs).toMatchObject({ name: 'src/config.ts', tests: '2', failures: '2' });
  });

  test('secrets are masked unless redact is off', () => {
    const masked = junit.write(sampleFindings(), { redact: true });
    expect(masked).not.toContain(token);
    expect(masked).not.toContain(keyId);
    expect(junit.write(sampleFindings(), { redact: false })).toContain(token);
  });

  test('markup, quotes, line breaks and control characters in values still give well-formed XML that reads back', () => {
    const [f] = sampleFindings();
    const nasty = '<a href="x">&amp;</a>\'\t]]>\n\u0001end';
    const tricky: Finding = { ...f, file: 'dir/<&>"\'.xml', description: nasty, match: new Secret(nasty), secret: new Secret('&<') };
    const root = readXml(junit.write([tricky], { redact: false }));
    const suite = root.children[0];
    expect(suite.attrs.name).toBe('dir/<&>"\'.xml');
    const failure = suite.children[0].children[0];
    expect(failure.attrs.message).toBe(`${nasty.replace('\u0001', '\uFFFD')} (github-pat) in dir/<&>"'.xml, line 2`);
    expect(failure.text).toContain(`match:       ${nasty.replace('\u0001', '\uFFFD')}`);
  });

  test('a clean scan is one passing test case', () => {
    const root = readXml(junit.write([], { redact: true }));
    expect(root.attrs).toMatchObject({ tests: '1', failures: '0' });
    expect(root.children[0].children[0].attrs.name).toBe('no leaks found');
    expect(root.children[0].children[0].children).toEqual([]);
  });

  test('the test reader rejects malformed XML (so the checks above can fail)', () => {
    expect(() => readXml('<a><b></a></b>')).toThrow();
    expect(() => readXml('<a>x & y</a>')).toThrow();
    expect(() => readXml('<a b="<"/>')).toThrow();
    expect(() => readXml('<a>\u0001</a>')).toThrow();
  });
});

import { describe, expect, it } from 'vitest';
import { detect } from '../../../src/scan/engine/index.js';
import { compileRules, loadBuiltinRules } from '../../../src/scan/rules/index.js';

const rules = compileRules(loadBuiltinRules());
// Built at run time: 40 base64 characters with '/' and '+', as AWS secret keys have.
// Base32 after the prefix, as AWS key ids are.
const fakeAwsKeyId = (): string => 'AKIA' + 'Q7W2E5R3T6Y4U6I3';
const secretKey = (): string => 'r7Qw' + 'Zp3/Lk9+' + 'Vb2Nx8Ty' + 'Hs4Jd6Fg' + 'Mq1Wc5Ue' + 'Ai0o';
const scan = (text: string) => detect(rules, { path: 'config/credentials', text });

describe('pairing AWS key halves', () => {
  it('raises a secret access key to critical when an access key id is within five lines, and says which', () => {
    const text = ['[default]', `aws_access_key_id = ${fakeAwsKeyId()}`, 'region = eu-west-1', `aws_secret_access_key = ${secretKey()}`, ''].join('\n');
    const found = scan(text);
    const secret = found.find((f) => f.ruleId === 'aws-secret-access-key')!;
    const id = found.find((f) => f.ruleId === 'aws-access-key-id')!;
    expect(secret.severity).toBe('critical');
    expect(secret.notes?.some((n) => /^paired with access key id AKIA\S*\*+ on line 2$/.test(n))).toBe(true);
    expect(secret.notes?.join(' ')).not.toContain(fakeAwsKeyId());
    expect(id.severity).toBe('critical');
    expect(id.notes).toContain('paired with a secret access key on line 4');
  });

  it('pairs positional credentials with no key name', () => {
    const found = scan(`const creds = new Credentials("${fakeAwsKeyId()}", "${secretKey()}");\n`);
    const secret = found.find((f) => f.ruleId === 'aws-secret-access-key-unnamed');
    expect(secret?.severity).toBe('critical');
    expect(secret?.notes?.[0]).toMatch(/^paired with access key id/);
  });

  it('leaves the halves unpaired when they are more than five lines apart', () => {
    const text = [`aws_access_key_id = ${fakeAwsKeyId()}`, ...Array(6).fill('#'), `aws_secret_access_key = ${secretKey()}`].join('\n');
    const secret = scan(text).find((f) => f.ruleId === 'aws-secret-access-key')!;
    expect(secret.severity).toBe('critical');
    expect(secret.notes ?? []).toEqual([]);
    expect(scan(text).find((f) => f.ruleId === 'aws-access-key-id')!.severity).toBe('high');
  });

  it('reports a lone unnamed 40-character value at medium severity, saying nothing pairs it', () => {
    const [f] = scan(`const k = "${secretKey()}";\n`);
    expect(f.ruleId).toBe('aws-secret-access-key-unnamed');
    expect(f.severity).toBe('medium');
    expect(f.notes?.[0]).toMatch(/^no AWS access key id within 5 lines/);
  });
});

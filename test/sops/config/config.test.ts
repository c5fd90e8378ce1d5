import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  findSopsConfig,
  loadSopsConfig,
  lookupSopsConfig,
  matchCreationRule,
  parseSopsConfig,
  type SopsConfig,
} from '../../../src/sops/config/index.js';
import { ExitCode, SealguardError } from '../../../src/shared/errors.js';

const FUNCTIONAL = path.resolve(import.meta.dirname, '../../../../shared/sops-vectors/functional-tests.sops.yaml');
const KEY1 = 'FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4';
const KEY2 = 'D7229043384BCC60326C6FB9D8720D957C3D3074';
const KEY3 = 'B611A2F9F11D0FF82568805119F9B5DAEA91FF86';

let tmp: string;
beforeEach(async () => {
  tmp = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'sg-sopscfg-')));
});
afterEach(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

function parseAt(text: string): SopsConfig {
  return parseSopsConfig(text, path.join(tmp, '.sops.yaml'));
}

function parseError(text: string): SealguardError {
  try {
    parseAt(text);
  } catch (e) {
    expect(e).toBeInstanceOf(SealguardError);
    return e as SealguardError;
  }
  throw new Error('expected the config to be refused');
}

/** Index of the rule chosen for a path relative to the config's folder. */
function ruleFor(config: SopsConfig, rel: string): number | undefined {
  return matchCreationRule(config, path.join(config.dir, rel))?.index;
}

describe('the sops functional-tests .sops.yaml', () => {
  it('parses every creation rule, destination rules accepted, with no warnings', () => {
    const config = loadSopsConfig(FUNCTIONAL);
    expect(config.warnings).toEqual([]);
    expect(config.hasCreationRules).toBe(true);
    expect(config.creationRules).toHaveLength(6);
    const [groups, missing, noGroups, zero, emptyGroup, catchAll] = config.creationRules;
    expect(groups.keyGroups).toEqual([
      { age: [], pgp: [KEY1], kms: [], unsupported: [] },
      { age: [], pgp: [KEY2], kms: [], unsupported: [] },
    ]);
    expect(missing.keyGroups?.map((g) => g.pgp)).toEqual([[KEY1], [KEY3]]);
    expect(noGroups).toMatchObject({ pathRegex: 'test_no_keygroups.yaml', age: [], pgp: [], kms: [] });
    expect(noGroups.keyGroups).toBeUndefined();
    // sops treats an empty key_groups list as absent and uses the flat keys.
    expect(zero.keyGroups).toBeUndefined();
    expect(emptyGroup.keyGroups).toEqual([{ age: [], pgp: [], kms: [], unsupported: [] }]);
    expect(catchAll).toMatchObject({ index: 5, pgp: [KEY1], selector: {} });
    expect(catchAll.pathRegex).toBeUndefined();
    expect(catchAll.line).toBe(20);
  });

  it('picks the first matching rule for sample paths, and the catch-all for the rest', () => {
    const config = loadSopsConfig(FUNCTIONAL);
    expect(ruleFor(config, 'test_roundtrip_keygroups.yaml')).toBe(0);
    expect(ruleFor(config, 'test_roundtrip_keygroups_missing_decryption_key.yaml')).toBe(1);
    expect(ruleFor(config, 'nested/dir/test_no_keygroups.yaml')).toBe(2);
    expect(ruleFor(config, 'test_zero_keygroups.yaml')).toBe(3);
    expect(ruleFor(config, 'test_empty_keygroup.yaml')).toBe(4);
    expect(ruleFor(config, 'secrets/prod.yaml')).toBe(5);
  });
});

describe('matching creation rules', () => {
  it('matches path_regex on the path relative to the config folder, unanchored', async () => {
    const config = parseAt('creation_rules:\n  - path_regex: ^secrets/\n    pgp: A1B2C3D4\n  - path_regex: prod\n    pgp: A1B2C3D5\n');
    expect(matchCreationRule(config, path.join(tmp, 'secrets', 'a.yaml'))).toMatchObject({
      index: 0,
      matchedPath: 'secrets/a.yaml',
    });
    expect(ruleFor(config, 'app/secrets/a.yaml')).toBeUndefined();
    expect(ruleFor(config, 'app/config.prod.yaml')).toBe(1);
  });

  it('resolves a relative file path from the current folder, as sops does', () => {
    const config = parseSopsConfig('creation_rules:\n  - path_regex: \\.enc\\.yaml$\n', path.join(process.cwd(), '.sops.yaml'));
    expect(matchCreationRule(config, 'x/y.enc.yaml')).toMatchObject({ index: 0, matchedPath: 'x/y.enc.yaml' });
  });

  it('matches a file outside the config folder on its absolute path', () => {
    const config = parseSopsConfig('creation_rules:\n  - path_regex: ^/\n', path.join(tmp, 'sub', '.sops.yaml'));
    expect(matchCreationRule(config, path.join(tmp, 'other', 'f.yaml'))?.matchedPath).toBe(path.join(tmp, 'other', 'f.yaml'));
  });

  it('uses Go/RE2 regex syntax such as (?i) flags', () => {
    const config = parseAt('creation_rules:\n  - path_regex: (?i)\\.SECRET\\.yaml$\n');
    expect(ruleFor(config, 'db.secret.yaml')).toBe(0);
  });

  it('returns nothing when no rule matches, and for a config without creation_rules', () => {
    expect(ruleFor(parseAt('creation_rules:\n  - path_regex: only-this\n'), 'other.yaml')).toBeUndefined();
    const noRules = parseAt('stores:\n  yaml:\n    indent: 2\n');
    expect(noRules.hasCreationRules).toBe(false);
    expect(ruleFor(noRules, 'x.yaml')).toBeUndefined();
  });
});

describe('rule contents', () => {
  it('accepts keys as comma-separated strings or lists, and splits kms roles and profiles', () => {
    const config = parseAt(
      [
        'creation_rules:',
        '  - age: "age1aaa, age1bbb,"',
        '    pgp: [A1B2C3D4, "B1B2C3D4,C1C2C3D4"]',
        '    kms: arn:aws:kms:us-east-1:000000000000:key/a+arn:aws:iam::000000000000:role/r, arn:aws:kms:eu-west-1:000000000000:key/b',
        '    aws_profile: dev',
        '    encrypted_regex: ^(data|stringData)$',
        '    mac_only_encrypted: true',
      ].join('\n'),
    );
    const rule = config.creationRules[0];
    expect(rule.age).toEqual(['age1aaa', 'age1bbb']);
    expect(rule.pgp).toEqual(['A1B2C3D4', 'B1B2C3D4', 'C1C2C3D4']);
    expect(rule.kms).toEqual([
      { arn: 'arn:aws:kms:us-east-1:000000000000:key/a', role: 'arn:aws:iam::000000000000:role/r', awsProfile: 'dev' },
      { arn: 'arn:aws:kms:eu-west-1:000000000000:key/b', awsProfile: 'dev' },
    ]);
    expect(rule.selector).toEqual({ encryptedRegex: '^(data|stringData)$', macOnlyEncrypted: true });
  });

  it('reads key groups with kms entries, merge sub-groups and a shamir threshold', () => {
    const config = parseAt(
      [
        'creation_rules:',
        '  - shamir_threshold: 2',
        '    key_groups:',
        '      - kms:',
        '          - arn: arn:aws:kms:us-east-1:000000000000:key/a',
        '            role: arn:aws:iam::000000000000:role/r',
        '            context: {app: web, tier: 1}',
        '            aws_profile: ops',
        '        pgp: [A1B2C3D4]',
        '      - merge:',
        '          - age: [age1aaa]',
        '          - age: [age1bbb, age1aaa]',
        '        gcp_kms:',
        '          - resource_id: projects/p/locations/global/keyRings/r/cryptoKeys/k',
      ].join('\n'),
    );
    const rule = config.creationRules[0];
    expect(rule.shamirThreshold).toBe(2);
    expect(rule.keyGroups).toEqual([
      {
        age: [],
        pgp: ['A1B2C3D4'],
        kms: [
          {
            arn: 'arn:aws:kms:us-east-1:000000000000:key/a',
            role: 'arn:aws:iam::000000000000:role/r',
            context: { app: 'web', tier: '1' },
            awsProfile: 'ops',
          },
        ],
        unsupported: [],
      },
      { age: ['age1aaa', 'age1bbb'], pgp: [], kms: [], unsupported: ['gcp_kms'] },
    ]);
    expect(config.warnings).toEqual([]);
  });

  it('accepts the other sops key kinds without warnings and records them as unsupported', () => {
    const config = parseAt(
      'creation_rules:\n  - gcp_kms: projects/p/locations/global/keyRings/r/cryptoKeys/k\n    azure_keyvault: https://v.vault.azure.net/keys/k/1\n    hc_vault_transit_uri: https://vault:8200/v1/sops/keys/k\n',
    );
    expect(config.warnings).toEqual([]);
    expect(config.creationRules[0].unsupported).toEqual(['gcp_kms', 'azure_keyvault', 'hc_vault_transit_uri']);
  });

  it('follows YAML anchors and merge keys as sops does', () => {
    const config = parseAt(
      'x-keys: &keys\n  pgp: A1B2C3D4\ncreation_rules:\n  - <<: *keys\n    path_regex: a\n',
    );
    expect(config.creationRules[0]).toMatchObject({ pathRegex: 'a', pgp: ['A1B2C3D4'] });
    expect(config.warnings).toEqual([expect.stringMatching(/^top level \(line 1\): unknown key "x-keys" ignored$/)]);
  });
});

describe('warnings for likely mistakes (sops would stay silent)', () => {
  it('warns about a misspelt path key, which would otherwise match every file', () => {
    const config = parseAt('creation_rules:\n  - path: secrets/.*\n    pgp: A1B2C3D4\n  - path_regexp: x\n');
    expect(config.warnings).toEqual([
      'creation_rules[0] (line 2): unknown key "path" ignored; did you mean path_regex? Without path_regex this rule matches every file.',
      'creation_rules[1] (line 4): unknown key "path_regexp" ignored; did you mean path_regex? Without path_regex this rule matches every file.',
    ]);
    expect(ruleFor(config, 'anything.yaml')).toBe(0);
  });

  it('warns about unknown keys at the top level, in key groups and in kms entries', () => {
    const config = parseAt(
      'creation_rule:\n  - pgp: X\ncreation_rules:\n  - key_groups:\n      - pgp: [A1B2C3D4]\n        agee: [age1x]\n        kms:\n          - arn: a\n            rolle: r\n',
    );
    expect(config.warnings).toEqual([
      'top level (line 1): unknown key "creation_rule" ignored; did you mean creation_rules?',
      'creation_rules[0].key_groups[0] (line 6): unknown key "agee" ignored; did you mean age?',
      'creation_rules[0].key_groups[0].kms[0] (line 9): unknown key "rolle" ignored; did you mean role?',
    ]);
  });
});

describe('errors in .sops.yaml', () => {
  it('refuses two selectors in one rule, naming the rule', () => {
    const err = parseError('creation_rules:\n  - pgp: A1B2C3D4\n  - encrypted_regex: ^data$\n    unencrypted_suffix: _plain\n');
    expect(err.code).toBe('SOPS_CONFIG_INVALID');
    expect(err.exitCode).toBe(ExitCode.errorReadingConfig);
    expect(err.message).toBe(
      `${path.join(tmp, '.sops.yaml')}: creation_rules[1] (line 3): cannot use more than one of unencrypted_suffix, encrypted_suffix, unencrypted_regex, encrypted_regex, unencrypted_comment_regex, encrypted_comment_regex in one rule (found unencrypted_suffix, encrypted_regex)`,
    );
  });

  it('refuses an invalid path_regex, naming the rule', () => {
    const err = parseError('creation_rules:\n  - path_regex: "secrets/(.*"\n');
    expect(err.message).toMatch(/creation_rules\[0\] \(line 2\): invalid path_regex: missing \)/);
  });

  it('refuses patterns RE2 (and so sops) cannot run, such as look-behind', () => {
    const err = parseError('creation_rules:\n  - encrypted_regex: (?<=x)y\n');
    expect(err.message).toMatch(/creation_rules\[0\] \(line 2\): invalid encrypted_regex/);
  });

  it('reports every problem at once, with the count in the message', () => {
    const err = parseError('creation_rules:\n  - shamir_threshold: two\n  - pgp: [123]\n');
    expect(err.message).toMatch(/shamir_threshold must be a whole number \(and 1 more\)$/);
    expect(err.details).toEqual([
      'creation_rules[0] (line 2): shamir_threshold must be a whole number',
      'creation_rules[1] (line 3): pgp: expected a string or a list of strings, got a number (quote the value)',
    ]);
  });

  it('refuses YAML that does not parse, with the line', () => {
    const err = parseError('creation_rules:\n  - path_regex: [unclosed\n');
    expect(err.message).toMatch(/YAML error at line \d+/);
  });

  it('refuses a config that is not a map, or rules that are not a list', () => {
    expect(parseError('- a\n- b\n').message).toMatch(/must be a YAML map/);
    expect(parseError('creation_rules: yes\n').message).toMatch(/creation_rules \(line 1\): must be a list of rules/);
  });

  it('says when the config file cannot be read', () => {
    const missing = path.join(tmp, 'missing', '.sops.yaml');
    expect(() => loadSopsConfig(missing)).toThrow(expect.objectContaining({ code: 'SOPS_CONFIG_UNREADABLE' }));
  });
});

describe('finding .sops.yaml', () => {
  it('walks up from the file folder to the nearest config', async () => {
    await fs.mkdir(path.join(tmp, 'a', 'b', 'c'), { recursive: true });
    await fs.writeFile(path.join(tmp, 'a', '.sops.yaml'), 'creation_rules: []\n');
    await fs.writeFile(path.join(tmp, 'a', 'b', '.sops.yaml'), 'creation_rules: []\n');
    expect(findSopsConfig(path.join(tmp, 'a', 'b', 'c'))).toBe(path.join(tmp, 'a', 'b', '.sops.yaml'));
    expect(findSopsConfig(path.join(tmp, 'a', 'b'))).toBe(path.join(tmp, 'a', 'b', '.sops.yaml'));
    await fs.mkdir(path.join(tmp, 'a', 'x'));
    expect(findSopsConfig(path.join(tmp, 'a', 'x'))).toBe(path.join(tmp, 'a', '.sops.yaml'));
  });

  it('matches rules of a nested config relative to that config folder', async () => {
    await fs.mkdir(path.join(tmp, 'app', 'secrets'), { recursive: true });
    await fs.writeFile(path.join(tmp, '.sops.yaml'), 'creation_rules:\n  - path_regex: ^app/\n    pgp: A1B2C3D4\n');
    await fs.writeFile(path.join(tmp, 'app', '.sops.yaml'), 'creation_rules:\n  - path_regex: ^secrets/\n    pgp: B1B2C3D4\n');
    const file = path.join(tmp, 'app', 'secrets', 'db.yaml');
    const config = loadSopsConfig(findSopsConfig(path.dirname(file))!);
    expect(matchCreationRule(config, file)).toMatchObject({ index: 0, matchedPath: 'secrets/db.yaml', rule: { pgp: ['B1B2C3D4'] } });
  });

  it('ignores .sops.yml as sops does, but says so', async () => {
    await fs.mkdir(path.join(tmp, 'p', 'q'), { recursive: true });
    await fs.writeFile(path.join(tmp, 'p', 'q', '.sops.yml'), 'creation_rules: []\n');
    await fs.writeFile(path.join(tmp, 'p', '.sops.yaml'), 'creation_rules: []\n');
    const found = lookupSopsConfig(path.join(tmp, 'p', 'q'));
    expect(found.path).toBe(path.join(tmp, 'p', '.sops.yaml'));
    expect(found.warning).toBe(
      `ignoring ${path.join(tmp, 'p', 'q', '.sops.yml')}: the config file must be called .sops.yaml; using ${path.join(tmp, 'p', '.sops.yaml')}`,
    );
  });

  it('does not take a folder named .sops.yaml for a config', async () => {
    await fs.mkdir(path.join(tmp, 'r', '.sops.yaml'), { recursive: true });
    await fs.writeFile(path.join(tmp, '.sops.yaml'), 'creation_rules: []\n');
    expect(findSopsConfig(path.join(tmp, 'r'))).toBe(path.join(tmp, '.sops.yaml'));
  });
});

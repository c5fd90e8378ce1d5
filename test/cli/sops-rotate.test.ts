import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { spawnSync } from 'node:child_process';
import { cliPath, runCli } from '../helpers/cli.js';
import { tempDirs } from '../helpers/git-repo.js';
import { isolatedEnv, newAgeKey, type AgeKey } from '../helpers/sops-cli-env.js';

const temp = tempDirs();
let a: AgeKey;
let b: AgeKey;
let c: AgeKey;
beforeAll(async () => {
  [a, b, c] = await Promise.all([newAgeKey(), newAgeKey(), newAgeKey()]);
});

const plain = 'db:\n  password: pw-0001\ntoken: t-42\nport: 5432\n';

function setup(recipients: AgeKey[], sopsYaml?: string) {
  const dir = temp.dir('sealguard-rotate-');
  if (sopsYaml !== undefined) writeFileSync(path.join(dir, '.sops.yaml'), sopsYaml);
  writeFileSync(path.join(dir, 's.yaml'), plain);
  const as = (...keys: AgeKey[]) => isolatedEnv(dir, { SOPS_AGE_KEY: keys.map((k) => k.identity).join('\n') });
  const enc = runCli(['encrypt', '-i', '--age', recipients.map((k) => k.recipient).join(','), 's.yaml'], { cwd: dir, env: as(a) });
  expect(enc.code).toBe(0);
  const run = (args: string[], keys: AgeKey[] = [a], input?: string) => runCli(args, { cwd: dir, env: as(...keys), input });
  const read = () => readFileSync(path.join(dir, 's.yaml'), 'utf8');
  const canDecrypt = (...keys: AgeKey[]) => {
    const r = run(['decrypt', 's.yaml'], keys);
    if (r.code === 0) expect(r.stdout).toBe(plain);
    return r.code === 0;
  };
  return { dir, run, read, canDecrypt };
}

const encLines = (text: string) => text.split('\n').filter((l) => l.includes('ENC[') && !l.includes('mac:'));
const recipientsOf = (text: string) =>
  ((parseYaml(text) as { sops: { age?: { recipient: string }[] } }).sops.age ?? []).map((k) => k.recipient);
const ageEntries = (text: string) => (parseYaml(text) as { sops: { age: { recipient: string; enc: string }[] } }).sops.age;

describe('sealguard rotate', () => {
  it('-i re-encrypts every value under a new data key for the same recipients', () => {
    const s = setup([a, b]);
    const before = s.read();
    const r = s.run(['rotate', '-i', 's.yaml']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const after = s.read();
    const old = encLines(before);
    expect(encLines(after).length).toBe(old.length);
    expect(encLines(after).filter((l) => old.includes(l))).toEqual([]);
    expect(recipientsOf(after)).toEqual([a.recipient, b.recipient]);
    expect(s.canDecrypt(a)).toBe(true);
    expect(s.canDecrypt(b)).toBe(true);
  });

  it('without -i prints the rotated file and leaves the original alone', () => {
    const s = setup([a]);
    const before = s.read();
    const r = s.run(['rotate', 's.yaml']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('sops:');
    expect(encLines(r.stdout).some((l) => encLines(before).includes(l))).toBe(false);
    expect(s.read()).toBe(before);
  });

  it('--add-age and --rm-age change who can open the file', () => {
    const s = setup([a, b]);
    const r = s.run(['rotate', '-i', '--add-age', c.recipient, '--rm-age', b.recipient, 's.yaml']);
    expect(r.code).toBe(0);
    expect(recipientsOf(s.read())).toEqual([a.recipient, c.recipient]);
    expect(s.canDecrypt(c)).toBe(true);
    expect(s.canDecrypt(b)).toBe(false);
  });

  it('removing a key that is not there is a warning, not a failure', () => {
    const s = setup([a]);
    const r = s.run(['rotate', '-i', '--rm-age', c.recipient, 's.yaml']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('not a recipient');
  });

  it('removing every recipient is refused and the file is untouched', () => {
    const s = setup([a]);
    const before = s.read();
    const r = s.run(['rotate', '-i', '--rm-age', a.recipient, 's.yaml']);
    expect(r.code).toBe(111);
    expect(s.read()).toBe(before);
  });

  it('an invalid recipient to add is refused before anything is written', () => {
    const s = setup([a]);
    const before = s.read();
    const r = s.run(['rotate', '-i', '--add-age', 'age1notarecipient', 's.yaml']);
    expect(r.code).not.toBe(0);
    expect(s.read()).toBe(before);
  });
});

describe('sealguard updatekeys', () => {
  const rule = (...keys: AgeKey[]) => `creation_rules:\n  - path_regex: \\.yaml$\n    age: ${keys.map((k) => k.recipient).join(',')}\n`;

  it('-y adds the recipients the rule names; kept entries and every value stay byte for byte', () => {
    const s = setup([a], rule(a, b));
    const before = s.read();
    const r = s.run(['updatekeys', '-y', 's.yaml']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`+   ${b.recipient}`);
    const after = s.read();
    expect(encLines(after).filter((l) => !l.includes('-----'))).toEqual(encLines(before).filter((l) => !l.includes('-----')));
    expect(ageEntries(after)[0]).toEqual(ageEntries(before)[0]);
    expect(recipientsOf(after)).toEqual([a.recipient, b.recipient]);
    expect(s.canDecrypt(b)).toBe(true);
  });

  it('removes recipients the rule no longer names', () => {
    const s = setup([a, b], rule(a));
    const r = s.run(['updatekeys', '--yes', 's.yaml']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`-   ${b.recipient}`);
    expect(recipientsOf(s.read())).toEqual([a.recipient]);
    expect(s.canDecrypt(b)).toBe(false);
  });

  it('refuses to change keys without -y when no one can confirm (exit 2), after showing the change', () => {
    const s = setup([a], rule(a, c));
    const before = s.read();
    const r = s.run(['updatekeys', 's.yaml'], [a], 'y\n');
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(`+   ${c.recipient}`);
    expect(r.stderr).toContain('-y');
    expect(s.read()).toBe(before);
  });

  it('on a terminal it asks, and only "y" applies the change', () => {
    const s = setup([a], rule(a, c));
    const before = s.read();
    // `script` gives the CLI a real pseudo-terminal; the answer is typed after the prompt appears.
    const onTty = (answer: string) =>
      spawnSync('sh', ['-c', `(sleep 1.5; printf '${answer}\\n') | script -qec "$0 $1 updatekeys s.yaml" /dev/null`, process.execPath, cliPath], {
        cwd: s.dir,
        env: { ...process.env, ...isolatedEnv(s.dir, { SOPS_AGE_KEY: a.identity }) } as NodeJS.ProcessEnv,
        encoding: 'utf8',
        timeout: 30_000,
      });
    const no = onTty('n');
    expect(no.stdout).toContain('Is this okay? (y/n)');
    expect(no.stdout).toContain('left unchanged');
    expect(s.read()).toBe(before);
    const yes = onTty('y');
    expect(yes.stdout).toContain('synced');
    expect(recipientsOf(s.read())).toEqual([a.recipient, c.recipient]);
  }, 60_000);

  it('says there is nothing to do when the keys already match (exit 0, file untouched)', () => {
    const s = setup([a, b], rule(b, a));
    const before = s.read();
    const r = s.run(['updatekeys', 's.yaml']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('no changes');
    expect(s.read()).toBe(before);
  });

  it('moves a file to the key groups of its rule; any one key of each group is then needed', () => {
    const s = setup(
      [a],
      `creation_rules:\n  - path_regex: \\.yaml$\n    key_groups:\n      - age: [${a.recipient}]\n      - age: [${b.recipient}]\n`,
    );
    const r = s.run(['updatekeys', '-y', 's.yaml']);
    expect(r.stderr).not.toContain('internal');
    expect(r.code).toBe(0);
    const meta = (parseYaml(s.read()) as { sops: { key_groups?: unknown[]; shamir_threshold?: number } }).sops;
    expect(meta.key_groups?.length).toBe(2);
    expect(meta.shamir_threshold).toBe(2);
    expect(s.canDecrypt(a, b)).toBe(true);
    expect(s.canDecrypt(a)).toBe(false);
  });

  it('updates several files, and reports the ones it could not (exit 1)', () => {
    const s = setup([a], rule(a, b));
    writeFileSync(path.join(s.dir, 'plain.yaml'), 'a: 1\n');
    const r = s.run(['updatekeys', '-y', 's.yaml', 'plain.yaml']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('plain.yaml: ');
    expect(r.stderr).toContain('1 of 2 files');
    expect(recipientsOf(s.read())).toEqual([a.recipient, b.recipient]);
  });

  it('without a .sops.yaml there is nothing to update from (exit 61)', () => {
    const s = setup([a]);
    const r = s.run(['updatekeys', '-y', 's.yaml']);
    expect(r.stderr).toContain('no .sops.yaml was found');
    expect(r.code).toBe(61);
  });
});

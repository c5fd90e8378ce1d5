/**
 * SIGKILL at random moments while a command replaces a file: afterwards the file is byte for byte
 * the old one, or a complete new one (which decrypts, MAC verified, to the expected plaintext) —
 * never empty, never a mix. Temp files a killed writer leaves are recognisable and the next
 * successful write removes them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDirs } from '../helpers/git-repo.js';
import { newAgeKey, type AgeKey } from '../helpers/sops-cli-env.js';
import { decryptText, encryptText } from '../../src/sops/file.js';
import { bigYaml, envFor, script, sleep, spawnCli } from './fixture.js';

const temp = tempDirs();
const KILLS = 20;
const VALUES = 1500;
let owner: AgeKey;
let other: AgeKey;
let plain: string;
let encrypted: string;

beforeAll(async () => {
  owner = await newAgeKey();
  other = await newAgeKey();
  plain = bigYaml(VALUES, 'kill-marker');
  encrypted = (await encryptText(plain, 'big.yaml', { keys: { age: [owner.recipient] }, env: {} })).output;
});

type Outcome = 'old' | 'new';

interface Case {
  readonly name: string;
  /** Content before the command. */
  readonly before: () => string;
  readonly args: string[];
  /** Extra set-up in the folder (editor script, .sops.yaml). */
  readonly prepare?: (dir: string) => NodeJS.ProcessEnv;
  /** Throws unless `text` is a complete result of the command. */
  readonly checkNew: (text: string) => Promise<void>;
}

async function decryptsTo(text: string, expected: string, recipients?: readonly string[]): Promise<void> {
  const r = await decryptText(text, 'big.yaml', { env: { SOPS_AGE_KEY: owner.identity } });
  expect(r.output).toBe(expected);
  if (recipients) for (const rcp of recipients) expect(text).toContain(rcp);
}

const edited = (): string => plain.replace('kill-marker-0-', 'edited-0-');

const cases: Case[] = [
  {
    name: 'encrypt -i',
    before: () => plain,
    args: ['encrypt', '-i', '--age', 'OWNER', 'big.yaml'],
    checkNew: (t) => decryptsTo(t, plain),
  },
  {
    name: 'decrypt -i',
    before: () => encrypted,
    args: ['decrypt', '-i', 'big.yaml'],
    checkNew: async (t) => expect(t).toBe(plain),
  },
  {
    name: 'rotate -i',
    before: () => encrypted,
    args: ['rotate', '-i', '--add-age', 'OTHER', 'big.yaml'],
    checkNew: (t) => decryptsTo(t, plain, [other.recipient]),
  },
  {
    name: 'updatekeys -y',
    before: () => encrypted,
    args: ['updatekeys', '-y', 'big.yaml'],
    prepare: (dir) => {
      writeFileSync(path.join(dir, '.sops.yaml'), `creation_rules:\n  - age: ${owner.recipient},${other.recipient}\n`);
      return {};
    },
    checkNew: (t) => decryptsTo(t, plain, [other.recipient]),
  },
  {
    name: 'set',
    before: () => encrypted,
    args: ['set', 'big.yaml', '["key0"]', '"edited-0-value"'],
    checkNew: (t) => decryptsTo(t, plain.replace(/^key0: .*$/m, 'key0: edited-0-value')),
  },
  {
    name: 'edit',
    before: () => encrypted,
    args: ['edit', 'big.yaml'],
    prepare: (dir) => ({ SOPS_EDITOR: script(path.join(dir, 'bin'), 'ed.sh', `sed -i 's/kill-marker-0-/edited-0-/' "$1"`) }),
    checkNew: (t) => decryptsTo(t, edited()),
  },
];

function strayTemps(dir: string): string[] {
  return readdirSync(dir).filter((n) => n !== 'big.yaml' && n !== 'bin' && n !== 'tmp' && n !== '.sops.yaml' && n !== 'xdg');
}

describe('SIGKILL while a command rewrites a file', () => {
  for (const c of cases) {
    it(`${c.name}: after ${KILLS} kills at random moments the file is always the old or a complete new one`, async () => {
      const dir = temp.dir('sealguard-kill-');
      const extra = c.prepare?.(dir) ?? {};
      const env = envFor(dir, { SOPS_AGE_KEY: owner.identity, TMPDIR: path.join(dir, 'bin'), ...extra });
      const args = c.args.map((a) => (a === 'OWNER' ? owner.recipient : a === 'OTHER' ? other.recipient : a));
      const file = path.join(dir, 'big.yaml');
      const old = c.before();

      // One undisturbed run measures how long the command takes here, so kills spread over its whole life.
      writeFileSync(file, old);
      const t0 = Date.now();
      const full = await spawnCli(args, dir, env).done;
      expect(full.stderr).not.toContain('rror');
      expect(full.code).toBe(0);
      const span = Date.now() - t0;
      await c.checkNew(readFileSync(file, 'utf8'));

      const seen: Record<Outcome, number> = { old: 0, new: 0 };
      let leftTemps = 0;
      for (let i = 0; i < KILLS; i++) {
        writeFileSync(file, old);
        const run = spawnCli(args, dir, env);
        await sleep(Math.floor(Math.random() * span * 1.1));
        run.child.kill('SIGKILL');
        await run.done;
        const after = readFileSync(file, 'utf8');
        expect(after.length).toBeGreaterThan(0);
        if (after === old) seen.old++;
        else {
          await c.checkNew(after);
          seen.new++;
        }
        const stray = strayTemps(dir);
        for (const s of stray) expect(s).toMatch(/^\.big\.yaml\.sealguard-\d+-[0-9a-f]{12}\.tmp$/);
        leftTemps += stray.length;
      }
      expect(seen.old + seen.new).toBe(KILLS);

      // Whatever temp files the kills left, the next complete run removes them.
      writeFileSync(file, old);
      const clean = await spawnCli(args, dir, env).done;
      expect(clean.code).toBe(0);
      expect(strayTemps(dir)).toEqual([]);
      console.log(`${c.name}: ${seen.old} old, ${seen.new} new, temp files left by kills: ${leftTemps} (run ${span} ms)`);
    }, 60_000);
  }
});

describe('temp files a killed writer left behind', () => {
  it('are removed by the next write to the same file when their writer is gone; a running writer\'s are kept', async () => {
    const dir = temp.dir('sealguard-stale-');
    const file = path.join(dir, 'big.yaml');
    writeFileSync(file, plain);
    // A pid that surely ended: a child that already exited.
    const dead = spawnSync('true').pid as number;
    const staleName = `.big.yaml.sealguard-${dead}-0123456789ab.tmp`;
    const liveName = `.big.yaml.sealguard-${process.pid}-ba9876543210.tmp`;
    const otherName = `.other.yaml.sealguard-${dead}-0123456789ab.tmp`;
    for (const n of [staleName, liveName, otherName]) writeFileSync(path.join(dir, n), 'kill-marker plaintext left by a kill');
    const env = envFor(dir, { SOPS_AGE_KEY: owner.identity });
    const r = await spawnCli(['encrypt', '-i', '--age', owner.recipient, 'big.yaml'], dir, env).done;
    expect(r.code).toBe(0);
    expect(existsSync(path.join(dir, staleName))).toBe(false);
    expect(existsSync(path.join(dir, liveName))).toBe(true);
    expect(existsSync(path.join(dir, otherName))).toBe(true);
  });
});

/**
 * After `edit` and `exec-file` end — in every way they can end — no file holding a decrypted value
 * is left in the temp folder. TMPDIR points at a test-owned empty folder, which is then searched
 * recursively for the known plaintext.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDirs } from '../helpers/git-repo.js';
import { newAgeKey, type AgeKey } from '../helpers/sops-cli-env.js';
import { encryptText } from '../../src/sops/file.js';
import { envFor, filesContaining, listTree, script, sleep, spawnCli } from './fixture.js';

const temp = tempDirs();
const MARK = 'pt-leakcheck';
const plain = `db:\n  password: ${MARK}-db-0001\ntoken: ${MARK}-token-0002\nport: 5432\n`;
let key: AgeKey;
let encrypted: string;

beforeAll(async () => {
  key = await newAgeKey();
  encrypted = (await encryptText(plain, 'secrets.yaml', { keys: { age: [key.recipient] }, env: {} })).output;
});

function setup() {
  const dir = temp.dir('sealguard-noplain-');
  const tmp = path.join(dir, 'tmp');
  mkdirSync(tmp);
  writeFileSync(path.join(dir, 'secrets.yaml'), encrypted);
  const env = (extra: NodeJS.ProcessEnv = {}) => envFor(dir, { SOPS_AGE_KEY: key.identity, TMPDIR: tmp, ...extra });
  const bin = path.join(dir, 'bin');
  const started = path.join(dir, 'started');
  return {
    dir,
    tmp,
    env,
    started,
    editor: (body: string) => script(bin, `ed-${Math.random().toString(36).slice(2)}.sh`, body),
    /** Nothing at all is left in TMPDIR, so certainly no plaintext. */
    assertClean: () => {
      expect(filesContaining(tmp, [MARK])).toEqual([]);
      expect(listTree(tmp)).toEqual([]);
    },
  };
}

async function waitFor(file: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`${file} never appeared`);
    await sleep(25);
  }
}

describe('edit leaves no plaintext in the temp folder', () => {
  const endings: { name: string; editor: (s: ReturnType<typeof setup>) => string; code: number }[] = [
    { name: 'a saved change', editor: (s) => s.editor(`sed -i 's/-token-0002/-token-0003/' "$1"`), code: 0 },
    { name: 'no change (exit 200)', editor: (s) => s.editor('true'), code: 200 },
    { name: 'an editor that exits non-zero after writing a backup copy beside the file', editor: (s) => s.editor(`cp "$1" "$1.swp"; cp "$1" "$(dirname "$1")/.backup~"; exit 3`), code: 201 },
    { name: 'an editor killed by SIGKILL', editor: (s) => s.editor('kill -9 $$'), code: 201 },
    {
      name: 'invalid content, then the user gives up (editor exits non-zero)',
      editor: (s) => s.editor(`if [ -e "${s.dir}/once" ]; then exit 1; fi; touch "${s.dir}/once"; printf 'x: [\\n' >> "$1"`),
      code: 201,
    },
    { name: 'invalid content saved again unchanged (abort)', editor: (s) => s.editor(`grep -q 'x: \\[' "$1" || printf 'x: [\\n' >> "$1"`), code: 4 },
  ];
  for (const e of endings) {
    it(`after ${e.name}`, async () => {
      const s = setup();
      const r = await spawnCli(['edit', 'secrets.yaml'], s.dir, s.env({ SOPS_EDITOR: e.editor(s) })).done;
      expect(r.stdout).not.toContain(MARK);
      expect(r.stderr).not.toContain(MARK);
      expect(r.code).toBe(e.code);
      s.assertClean();
    });
  }

  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    it(`after ${signal} is sent to sealguard while the editor is open; the encrypted file is unchanged`, async () => {
      const s = setup();
      const ed = s.editor(`cp "$1" "$1.swp"; touch "${s.started}"; exec sleep 30`);
      const run = spawnCli(['edit', 'secrets.yaml'], s.dir, s.env({ SOPS_EDITOR: ed }));
      await waitFor(s.started);
      expect(filesContaining(s.tmp, [MARK]).length).toBe(2);
      run.child.kill(signal);
      const r = await run.done;
      expect(r.signal).toBe(signal);
      s.assertClean();
      expect(readFileSync(path.join(s.dir, 'secrets.yaml'), 'utf8')).toBe(encrypted);
    }, 30_000);
  }
});

describe('exec-file leaves no plaintext in the temp folder', () => {
  for (const mode of [[], ['--no-fifo']] as const) {
    const label = mode.length ? 'a private file (--no-fifo)' : 'a FIFO';
    it(`through ${label}: after the command succeeds and after it fails`, async () => {
      const s = setup();
      const ok = await spawnCli(['exec-file', ...mode, 'secrets.yaml', 'grep -c pt-leakcheck {}'], s.dir, s.env()).done;
      expect(ok.stdout.trim()).toBe('2');
      expect(ok.code).toBe(0);
      s.assertClean();
      const bad = await spawnCli(['exec-file', ...mode, 'secrets.yaml', 'cat {} >/dev/null; exit 7'], s.dir, s.env()).done;
      expect(bad.code).toBe(7);
      s.assertClean();
      const notRead = await spawnCli(['exec-file', ...mode, 'secrets.yaml', 'exit 0'], s.dir, s.env()).done;
      expect(notRead.code).toBe(0);
      s.assertClean();
    }, 30_000);

    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      it(`through ${label}: after ${signal} is sent to sealguard while the command runs`, async () => {
        const s = setup();
        const run = spawnCli(['exec-file', ...mode, 'secrets.yaml', `cat {} > /dev/null; touch ${s.started}; exec sleep 30`], s.dir, s.env());
        await waitFor(s.started);
        run.child.kill(signal);
        const r = await run.done;
        expect(r.signal).toBe(signal);
        s.assertClean();
      }, 30_000);
    }
  }
});

import { describe, expect, test } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { tempDirs } from '../helpers/git-repo.js';
import { canSpool, spoolGitChunks } from '../../src/git/spool.js';

const { repo, dir: tempDir } = tempDirs('sealguard-spool-');

/** A repository whose `log -p` is several times the spool's read size, so it arrives in many reads. */
function busyRepo() {
  const r = repo();
  for (let c = 0; c < 6; c++) {
    const lines = Array.from({ length: 4000 }, (_, i) => `commit ${c} line ${i}: ${'x'.repeat(i % 90)}`);
    r.write(`file-${c}.txt`, lines.join('\n') + '\n');
    r.commitAll(`change ${c}`);
  }
  return r;
}

async function collect(gen: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const b of gen) parts.push(Buffer.from(b));
  return Buffer.concat(parts);
}

describe('spooling git output through a temporary file', () => {
  test('gives exactly the bytes git prints, and leaves no file in the spool folder', async () => {
    const r = busyRepo();
    const dir = tempDir('sealguard-spool-dir-');
    const expected = execFileSync('git', ['log', '-p', '--no-color'], { cwd: r.dir, maxBuffer: 1 << 28 });
    expect(expected.length).toBeGreaterThan(1024 * 1024);
    let seenDuring: string[] = [];
    const parts: Buffer[] = [];
    for await (const b of spoolGitChunks(['log', '-p', '--no-color'], { cwd: r.dir, dir })) {
      if (parts.length === 0) seenDuring = fs.readdirSync(dir);
      parts.push(Buffer.from(b));
    }
    expect(parts.length).toBeGreaterThan(1);
    expect(Buffer.concat(parts).equals(expected)).toBe(true);
    // Unlinked while git still writes to it: nothing to clean up, even after a crash.
    expect(seenDuring).toEqual([]);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test('a failing git call throws GIT_FAILED with git’s reason', async () => {
    const r = busyRepo();
    await expect(collect(spoolGitChunks(['log', 'no-such-branch', '--'], { cwd: r.dir, dir: tempDir('sealguard-spool-dir-') }))).rejects.toMatchObject({
      code: 'GIT_FAILED',
      message: expect.stringContaining('no-such-branch'),
    });
  });

  test('an exit status the caller accepts is not an error', async () => {
    const r = busyRepo();
    const out = await collect(spoolGitChunks(['rev-parse', '--verify', '--quiet', 'nope'], { cwd: r.dir, okExitCodes: [1] }));
    expect(out.length).toBe(0);
  });

  test('stopping after the first chunk returns without waiting for the rest of the log', async () => {
    const r = busyRepo();
    const started = Date.now();
    for await (const b of spoolGitChunks(['log', '-p', '--no-color'], { cwd: r.dir })) {
      expect(b.length).toBeGreaterThan(0);
      break;
    }
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test('a missing folder is PATH_NOT_FOUND, as for piped git calls', async () => {
    await expect(collect(spoolGitChunks(['log'], { cwd: '/nonexistent-sealguard-folder' }))).rejects.toMatchObject({ code: 'PATH_NOT_FOUND' });
  });

  test('spools only where the temp folder has the free space asked for', () => {
    const dir = tempDir('sealguard-spool-dir-');
    expect(canSpool(dir, 0)).toBe(true);
    expect(canSpool(dir, Number.MAX_SAFE_INTEGER)).toBe(false);
    expect(canSpool('/nonexistent-sealguard-folder', 0)).toBe(false);
  });
});

import { describe, expect, test } from 'vitest';
import { tempDirs, type TempRepo } from '../../helpers/git-repo.js';
import { historyFragments } from '../../../src/scan/sources/history.js';
import { parsePrePushInput, prePushSelection, type PushedRef } from '../../../src/scan/sources/pre-push.js';
import { caught } from '../../helpers/errors.js';
import { collect } from './collect.js';

const { repo, dir } = tempDirs('sealguard-prepush-');
const ZERO = '0'.repeat(40);

/** A repository with a bare `origin` that already has `main` (one commit). */
function withRemote(): TempRepo {
  const r = repo();
  const bare = dir('sealguard-prepush-bare-');
  r.git('init', '-q', '--bare', bare);
  r.git('remote', 'add', 'origin', bare);
  r.write('pushed.txt', 'already on the remote\n');
  r.commitAll('pushed');
  r.git('push', '-q', 'origin', 'main');
  return r;
}

const sha = (r: TempRepo, rev: string) => r.git('rev-parse', rev).trim();

async function pushedPaths(r: TempRepo, refs: PushedRef[]): Promise<string[] | undefined> {
  const sel = await prePushSelection(r.dir, refs);
  if (sel === undefined) return undefined;
  return (await collect((ctx) => historyFragments(r.dir, sel, ctx))).fragments.map((f) => f.path);
}

describe('parsePrePushInput', () => {
  test('reads one ref per line, as git writes them to the hook', () => {
    const text = `refs/heads/main ${'a'.repeat(40)} refs/heads/main ${'b'.repeat(40)}\n\nrefs/heads/x ${'c'.repeat(40)} refs/heads/x ${ZERO}\n`;
    expect(parsePrePushInput(text)).toEqual([
      { localRef: 'refs/heads/main', localSha: 'a'.repeat(40), remoteRef: 'refs/heads/main', remoteSha: 'b'.repeat(40) },
      { localRef: 'refs/heads/x', localSha: 'c'.repeat(40), remoteRef: 'refs/heads/x', remoteSha: ZERO },
    ]);
  });

  test('input that is not from git is a usage error pointing at the hook', async () => {
    const e = await caught(() => parsePrePushInput('hello world\n'));
    expect(e.code).toBe('PRE_PUSH_INPUT');
    expect(e.details.join('\n')).toMatch(/install --pre-push/);
  });
});

describe('prePushSelection', () => {
  test('an updated branch sends only the commits after the remote one', async () => {
    const r = withRemote();
    const before = sha(r, 'HEAD');
    r.write('new.txt', 'new\n');
    r.commitAll('new');
    expect(await pushedPaths(r, [{ localRef: 'refs/heads/main', localSha: sha(r, 'HEAD'), remoteRef: 'refs/heads/main', remoteSha: before }])).toEqual(['new.txt']);
  });

  test('a new branch sends only the commits no remote-tracking ref has', async () => {
    const r = withRemote();
    r.git('checkout', '-q', '-b', 'feature');
    r.write('feature.txt', 'feature\n');
    r.commitAll('feature');
    expect(await pushedPaths(r, [{ localRef: 'refs/heads/feature', localSha: sha(r, 'HEAD'), remoteRef: 'refs/heads/feature', remoteSha: ZERO }])).toEqual(['feature.txt']);
  });

  test('a remote commit we never fetched falls back to what no remote-tracking ref has', async () => {
    const r = withRemote();
    r.write('mine.txt', 'mine\n');
    r.commitAll('mine');
    const unknown = 'f'.repeat(40);
    expect(await pushedPaths(r, [{ localRef: 'refs/heads/main', localSha: sha(r, 'HEAD'), remoteRef: 'refs/heads/main', remoteSha: unknown }])).toEqual(['mine.txt']);
  });

  test('deleting a remote branch scans nothing', async () => {
    const r = withRemote();
    expect(await pushedPaths(r, [{ localRef: '(delete)', localSha: ZERO, remoteRef: 'refs/heads/old', remoteSha: sha(r, 'HEAD') }])).toBeUndefined();
  });
});

import { afterEach } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A real git repository in a temp folder, with an identity so commits work on any machine. */
export class TempRepo {
  readonly dir: string;

  constructor(prefix = 'sealguard-test-') {
    this.dir = mkdtempSync(path.join(tmpdir(), prefix));
    this.git('init', '-q', '-b', 'main');
    this.git('config', 'user.name', 'Test User');
    this.git('config', 'user.email', 'test@example.invalid');
    this.git('config', 'commit.gpgsign', 'false');
  }

  git(...args: string[]): string {
    return execFileSync('git', args, { cwd: this.dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** Like git(), but returns the exit status and output instead of throwing (hooks may reject). */
  tryGit(...args: string[]): { code: number; output: string } {
    try {
      const out = execFileSync('git', args, { cwd: this.dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      return { code: 0, output: out };
    } catch (e) {
      const err = e as { status?: number; stdout?: string; stderr?: string };
      return { code: err.status ?? -1, output: `${err.stdout ?? ''}${err.stderr ?? ''}` };
    }
  }

  write(rel: string, content: string | Buffer): string {
    const p = path.join(this.dir, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, content);
    return p;
  }

  commitAll(message = 'commit'): void {
    this.git('add', '-A');
    this.git('commit', '-q', '--no-verify', '-m', message);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Temp repositories and folders for one test file, all removed after each test. Call at module
 * level: it registers the afterEach hook.
 */
export function tempDirs(repoPrefix = 'sealguard-test-'): { repo(): TempRepo; dir(prefix: string): string } {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }, 180_000); // a test may leave 100,000 files to remove on a busy machine
  return {
    repo() {
      const r = new TempRepo(repoPrefix);
      dirs.push(r.dir);
      return r;
    },
    dir(prefix) {
      const d = mkdtempSync(path.join(tmpdir(), prefix));
      dirs.push(d);
      return d;
    },
  };
}

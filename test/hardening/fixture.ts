/**
 * Shared set-up for the hardening tests: a test-owned folder with its own TMPDIR, an age key, and
 * helpers to spawn the real CLI, kill it, and look for known plaintext anywhere on disk.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, lstatSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cliPath } from '../helpers/cli.js';
import { isolatedEnv } from '../helpers/sops-cli-env.js';

/** `n` values whose plaintext carries `marker`, so any copy of it on disk can be found. */
export function bigYaml(n: number, marker: string): string {
  let s = '';
  for (let i = 0; i < n; i++) s += `key${i}: ${marker}-${i}-${'v'.repeat(20)}\n`;
  return s;
}

export function envFor(work: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, ...isolatedEnv(work, extra) };
}

/** Executable shell script in `dir`; returns its path. */
export function script(dir: string, name: string, body: string): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

export interface Spawned {
  readonly child: ChildProcess;
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

export function spawnCli(args: string[], cwd: string, env: NodeJS.ProcessEnv): Spawned {
  const child = spawn(process.execPath, [cliPath, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (c: Buffer) => out.push(c));
  child.stderr?.on('data', (c: Buffer) => err.push(c));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    );
  });
  return { child, done };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Every regular file under `dir` (recursively) whose bytes contain one of `needles`. */
export function filesContaining(dir: string, needles: readonly string[]): string[] {
  const hits: string[] = [];
  const walk = (d: string): void => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = path.join(d, n);
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) {
        const text = readFileSync(p, 'latin1');
        if (needles.some((x) => text.includes(x))) hits.push(p);
      }
    }
  };
  walk(dir);
  return hits;
}

/** Everything under `dir`, as relative paths (folders end with /). */
export function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string): void => {
    for (const n of readdirSync(d)) {
      const p = path.join(d, n);
      if (lstatSync(p).isDirectory()) {
        out.push(`${rel}${n}/`);
        walk(p, `${rel}${n}/`);
      } else out.push(`${rel}${n}`);
    }
  };
  walk(dir, '');
  return out.sort();
}

import { DEFAULT_TIMEOUT_MS, lastStderrLine, runProcess } from './process.js';

/** The gpg program, as sops picks it: SOPS_GPG_EXEC, else `gpg` on PATH. */
export function gpgBinary(env: NodeJS.ProcessEnv): string {
  return env.SOPS_GPG_EXEC || 'gpg';
}

/** Outcome of one gpg call: the bytes it printed, or a one-line reason (never key material). */
export type GpgOutcome = { readonly ok: true; readonly stdout: Buffer } | { readonly ok: false; readonly reason: string };

export interface GpgCallOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly input?: string;
  readonly timeoutMs?: number;
}

/** Runs gpg in batch mode (GNUPGHOME comes from `env`) and explains any failure in one line. */
export async function runGpg(args: readonly string[], options: GpgCallOptions): Promise<GpgOutcome> {
  const bin = gpgBinary(options.env);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const r = await runProcess(bin, ['--batch', '--no-tty', ...args], {
    env: options.env,
    input: options.input,
    timeoutMs,
  });
  if (r.spawnError) {
    const why = r.spawnError.code === 'ENOENT' ? 'not installed' : r.spawnError.code ?? r.spawnError.message;
    return { ok: false, reason: `${bin}: ${why}` };
  }
  if (r.timedOut) {
    const limit = timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`;
    return { ok: false, reason: `${bin} gave no answer within ${limit} (stopped)` };
  }
  if (r.status !== 0) {
    const line = lastStderrLine(r.stderr);
    return { ok: false, reason: line || `${bin} exited with status ${r.status}` };
  }
  return { ok: true, stdout: r.stdout };
}

/** The armored public key(s) gpg has for `fingerprint`, or a reason. */
export async function gpgExportPublicKey(fingerprint: string, env: NodeJS.ProcessEnv): Promise<GpgOutcome> {
  const out = await runGpg(['--export', '--armor', fingerprint], { env });
  if (out.ok && out.stdout.length === 0) return { ok: false, reason: 'not in the GnuPG keyring' };
  return out;
}

/** Decrypts an armored message with gpg (agent, smart cards and pinentry work as with sops). */
export function gpgDecrypt(armored: string, env: NodeJS.ProcessEnv, timeoutMs?: number): Promise<GpgOutcome> {
  return runGpg(['--quiet', '--decrypt'], { env, input: armored, timeoutMs });
}

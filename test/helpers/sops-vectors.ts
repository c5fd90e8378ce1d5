/**
 * Access to the upstream sops sample files in ../shared/sops-vectors and their data keys.
 * The data key is unwrapped with the real gpg binary from the PGP entry of "SOPS Functional Tests
 * Key 1", in a private GNUPGHOME, so tests do not depend on sealguard's own key code.
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';

const run = promisify(execFile);

export const vectorsDir = path.resolve(import.meta.dirname, '../../../shared/sops-vectors');

/** Fingerprint of the functional-tests key every vector lists. */
export const KEY1_FP = 'FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4';

export function vectorPath(file: string): string {
  return path.isAbsolute(file) ? file : path.join(vectorsDir, file);
}

export async function readVector(file: string): Promise<string> {
  return fs.readFile(vectorPath(file), 'utf8');
}

interface PgpEntry {
  fp?: unknown;
  enc?: unknown;
}

function pgpFromNested(meta: Record<string, unknown>): PgpEntry[] {
  const lists: unknown[] = [meta['pgp']];
  if (Array.isArray(meta['key_groups'])) {
    for (const g of meta['key_groups'] as Record<string, unknown>[]) lists.push(g['pgp']);
  }
  return lists.filter(Array.isArray).flat() as PgpEntry[];
}

/** INI (`pgp__list_0__map_enc = …`, possibly `"""…"""`) and dotenv (`sops_pgp__list_0__map_enc=…`). */
function pgpFromFlattened(text: string): PgpEntry[] {
  const entries = new Map<string, PgpEntry>();
  const re = /^(?:sops_)?pgp__list_(\d+)__map_(fp|enc)\s*=\s*("""[\s\S]*?"""|.*)$/gm;
  for (const m of text.matchAll(re)) {
    const index = m[1] as string;
    let value = m[3] as string;
    value = value.startsWith('"""') ? value.slice(3, -3) : value.replaceAll('\\n', '\n');
    const entry = entries.get(index) ?? {};
    entry[m[2] as 'fp' | 'enc'] = value;
    entries.set(index, entry);
  }
  return [...entries.values()];
}

function key1Message(file: string, text: string): string {
  const ext = path.extname(file);
  let entries: PgpEntry[];
  if (ext === '.json' || ext === '.txt') {
    entries = pgpFromNested((JSON.parse(text) as { sops: Record<string, unknown> }).sops);
  } else if (ext === '.yaml' || ext === '.yml') {
    entries = pgpFromNested((parseYaml(text) as { sops: Record<string, unknown> }).sops);
  } else {
    entries = pgpFromFlattened(text);
  }
  const entry = entries.find((e) => e.fp === KEY1_FP);
  if (!entry || typeof entry.enc !== 'string') throw new Error(`${file}: no PGP entry for ${KEY1_FP}`);
  return entry.enc;
}

let gnupgHome: Promise<string> | undefined;

/** A private GNUPGHOME holding the functional-tests secret keys (created once per test process). */
export function vectorGnupgHome(): Promise<string> {
  gnupgHome ??= (async () => {
    const home = await fs.mkdtemp(path.join(os.tmpdir(), 'sg-gpg-'));
    await fs.chmod(home, 0o700);
    await run('gpg', ['--batch', '--quiet', '--import', path.join(vectorsDir, 'sops_functional_tests_key.asc')], {
      env: { ...process.env, GNUPGHOME: home },
    });
    return home;
  })();
  return gnupgHome;
}

function gpgDecrypt(home: string, message: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'gpg',
      ['--batch', '--quiet', '--decrypt'],
      { env: { ...process.env, GNUPGHOME: home }, encoding: 'buffer' },
      (err, stdout) => (err ? reject(err) : resolve(stdout)),
    );
    child.stdin?.end(message);
  });
}

const keyCache = new Map<string, Promise<Buffer>>();

/** The 32-byte data key of a vector file, unwrapped by gpg from Key 1's PGP entry. */
export function vectorDataKey(file: string): Promise<Buffer> {
  const full = vectorPath(file);
  let key = keyCache.get(full);
  if (!key) {
    key = (async () => {
      const message = key1Message(full, await fs.readFile(full, 'utf8'));
      const raw = await gpgDecrypt(await vectorGnupgHome(), message);
      if (raw.length !== 32) throw new Error(`${file}: data key is ${raw.length} bytes, expected 32`);
      return raw;
    })();
    keyCache.set(full, key);
  }
  return key;
}

/** Stop the gpg-agent of the private GNUPGHOME and remove it. Call from afterAll. */
export async function disposeVectorKeys(): Promise<void> {
  if (!gnupgHome) return;
  const home = await gnupgHome;
  gnupgHome = undefined;
  keyCache.clear();
  await run('gpgconf', ['--kill', 'all'], { env: { ...process.env, GNUPGHOME: home } }).catch(() => undefined);
  await fs.rm(home, { recursive: true, force: true });
}

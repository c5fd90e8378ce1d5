// Encrypt/decrypt of a generated 20,000-value, 4-level YAML file with one age recipient and with
// one PGP key, through the CLI as a user runs it (process start-up included).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

function bigYaml() {
  const lines = [];
  let n = 0;
  for (let a = 0; a < 10; a++) {
    lines.push(`region${a}:`);
    for (let b = 0; b < 10; b++) {
      lines.push(`  service${b}:`);
      for (let c = 0; c < 10; c++) {
        lines.push(`    instance${c}:`);
        for (let d = 0; d < 20; d++) {
          const v = [`value-${n}`, String(n), n % 2 === 0 ? 'true' : 'false', `${n}.5`][d % 4];
          lines.push(`      key${d}: ${v}`);
          n++;
        }
      }
    }
  }
  return { text: lines.join('\n') + '\n', values: n };
}

export async function benchSops({ cli, time, noCodeCache }) {
  const { generateX25519Identity, identityToRecipient } = await import('age-encryption');
  const dir = mkdtempSync(path.join(tmpdir(), 'sealguard-bench-sops-'));
  try {
    const { text, values } = bigYaml();
    const plain = path.join(dir, 'big.yaml');
    writeFileSync(plain, text);

    const identity = await generateX25519Identity();
    const recipient = await identityToRecipient(identity);
    const gnupg = path.join(dir, 'gnupg');
    execFileSync('mkdir', ['-p', gnupg]);
    chmodSync(gnupg, 0o700);
    const genv = { ...process.env, GNUPGHOME: gnupg };
    execFileSync('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', 'Bench <bench@example.invalid>', 'default', 'default', 'never'], { env: genv, stdio: 'ignore' });
    const fp = execFileSync('gpg', ['--batch', '--with-colons', '--list-keys'], { env: genv }).toString().split('\n').find((l) => l.startsWith('fpr:')).split(':')[9];

    console.log(`sops: ${values}-value, 4-level YAML (${(text.length / 1e6).toFixed(2)} MB), median of 5, whole CLI process`);
    for (const [label, args, env] of [
      ['age', ['--age', recipient], { ...process.env, SOPS_AGE_KEY: identity }],
      ['pgp', ['--pgp', fp], genv],
    ]) {
      const encPath = path.join(dir, `big.${label}.enc.yaml`);
      execFileSync(process.execPath, [cli, 'encrypt', ...args, '--output', encPath, plain], { env });
      const enc = time(process.execPath, [cli, 'encrypt', ...args, plain], { env }, 5);
      const dec = time(process.execPath, [cli, 'decrypt', encPath], { env }, 5);
      if (enc.status !== 0 || dec.status !== 0) console.log(`  (${label}: exit ${enc.status}/${dec.status}: ${enc.stderr}${dec.stderr})`);
      console.log(`  ${label}: encrypt ${(enc.ms / 1000).toFixed(3)} s   decrypt ${(dec.ms / 1000).toFixed(3)} s   (sops 3.3.0 reference: 0.27 s / 0.36 s)`);
      const encCold = time(process.execPath, [cli, 'encrypt', ...args, plain], { env: noCodeCache(env) }, 5);
      const decCold = time(process.execPath, [cli, 'decrypt', encPath], { env: noCodeCache(env) }, 5);
      console.log(`  ${label} with no code cache (a first run): encrypt ${(encCold.ms / 1000).toFixed(3)} s   decrypt ${(decCold.ms / 1000).toFixed(3)} s`);
      // NODE_EXTRA_CA_CERTS makes every Node process parse a CA bundle at start (measured: about
      // 70 ms here); sops pays nothing like it, so the numbers are also shown without it.
      if (env.NODE_EXTRA_CA_CERTS) {
        const bare = { ...env };
        delete bare.NODE_EXTRA_CA_CERTS;
        const enc2 = time(process.execPath, [cli, 'encrypt', ...args, plain], { env: bare }, 5);
        const dec2 = time(process.execPath, [cli, 'decrypt', encPath], { env: bare }, 5);
        console.log(`  ${label} without NODE_EXTRA_CA_CERTS: encrypt ${(enc2.ms / 1000).toFixed(3)} s   decrypt ${(dec2.ms / 1000).toFixed(3)} s`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

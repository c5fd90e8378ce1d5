// `npm run bench`: the numbers quoted in closing notes. Each section runs real commands side by side
// in one run so they share the machine's state. Not a test: it prints, it never fails on a number.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, readdirSync, statSync, readFileSync, copyFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'bin', 'sealguard.js');
const only = process.argv.slice(2);
const want = (name) => only.length === 0 || only.includes(name);

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median wall time in ms of `runs` executions (after one warm-up). */
function time(cmd, args, opts = {}, runs = 15) {
  const once = () => {
    const t = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { stdio: ['pipe', 'ignore', 'pipe'], ...opts });
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    if (r.error) throw r.error;
    return { ms, status: r.status, stderr: String(r.stderr ?? '') };
  };
  const first = once();
  const times = [];
  for (let i = 0; i < runs; i++) times.push(once().ms);
  return { ms: median(times), status: first.status, stderr: first.stderr };
}

const git = (cwd, ...args) => execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@example.invalid', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/** Realistic source lines (no secrets) for generated files. */
function sourceLines(n, seed) {
  const lines = [];
  for (let i = 0; i < n; i++) {
    const k = (i * 7919 + seed) % 6;
    lines.push(
      [
        `export function handler${i}(req, res) { return res.status(200).json({ ok: true, id: ${i} }); }`,
        `const config${i} = { retries: ${i % 5}, timeoutMs: ${1000 + i}, name: 'service-${seed}-${i}' };`,
        `// The token bucket refills every ${i % 60} seconds; see docs/rate-limits.md for details.`,
        `  password_policy: { min_length: 12, require_symbols: true }  # rule ${i}`,
        `if (user.isAdmin && !session.expired) { logger.info('admin access', { user: user.id }); }`,
        `import { something${i} } from './module-${i % 40}.js';`,
      ][k],
    );
  }
  return lines.join('\n') + '\n';
}

function benchPreCommit() {
  const dir = mkdtempSync(path.join(tmpdir(), 'sealguard-bench-staged-'));
  git(dir, 'init', '-q');
  writeFileSync(path.join(dir, 'README.md'), '# bench\n');
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'init');
  for (let f = 0; f < 10; f++) writeFileSync(path.join(dir, `file${f}.js`), sourceLines(200, f));
  git(dir, 'add', '.');
  const node0 = time(process.execPath, ['-e', '0']);
  const diff = time('git', ['diff', '--cached'], { cwd: dir });
  const scan = time(process.execPath, [cli, 'scan', '--staged'], { cwd: dir });
  if (scan.status !== 0) console.log(`  (scan exited ${scan.status}: ${scan.stderr.trim()})`);
  const ratio = scan.ms / (node0.ms + diff.ms);
  console.log('pre-commit latency (10 files, 2,000 added lines, median of 15)');
  console.log(`  node -e 0              ${node0.ms.toFixed(1)} ms`);
  console.log(`  git diff --cached      ${diff.ms.toFixed(1)} ms`);
  console.log(`  sealguard scan --staged ${scan.ms.toFixed(1)} ms  (${ratio.toFixed(2)}x the sum of the two; targets: <= 100 ms and < 2.5x)`);
  rmSync(dir, { recursive: true, force: true });
}

const TEXT_EXT = /\.(js|mjs|cjs|ts|mts|cts|json|md|d\.ts|map|txt|yml|yaml)$/;

/** Copies text files from installed npm packages until `bytes` are reached: real source text. */
function buildTree(bytes) {
  const dir = path.join(tmpdir(), `sealguard-bench-tree-${bytes}`);
  if (existsSync(path.join(dir, '.complete'))) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  let total = 0;
  let round = 0;
  const sources = ['typescript', 'openpgp', '@aws-sdk', 'yaml', 'vitest', 'vite', 'esbuild', 'fast-check', 'commander', 'simple-git', 'rollup', '@vitest']
    .map((p) => path.join(root, 'node_modules', p))
    .filter(existsSync);
  outer: while (total < bytes) {
    for (const src of sources) {
      const stack = [src];
      while (stack.length) {
        const d = stack.pop();
        for (const ent of readdirSync(d, { withFileTypes: true })) {
          const p = path.join(d, ent.name);
          if (ent.isDirectory()) stack.push(p);
          else if (ent.isFile() && TEXT_EXT.test(ent.name)) {
            const size = statSync(p).size;
            if (size > 8 * 1024 * 1024) continue;
            const rel = path.join(`r${round}`, path.relative(path.join(root, 'node_modules'), p));
            mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
            copyFileSync(p, path.join(dir, rel));
            total += size;
            if (total >= bytes) break outer;
          }
        }
      }
    }
    round++;
  }
  writeFileSync(path.join(dir, '.complete'), String(total));
  return dir;
}

function benchThroughput(mb) {
  const dir = buildTree(mb * 1024 * 1024);
  const bytes = Number(readFileSync(path.join(dir, '.complete'), 'utf8'));
  const scan = time(process.execPath, [cli, 'scan', '.', '--max-target-megabytes', '10', '--report-format', 'json', '--report-path', path.join(tmpdir(), 'sealguard-bench-report.json')], { cwd: dir }, 3);
  console.log(`throughput over ${(bytes / 1e6).toFixed(0)} MB of npm package sources (median of 3)`);
  console.log(`  sealguard scan DIR  ${(scan.ms / 1000).toFixed(2)} s  ${(bytes / 1e6 / (scan.ms / 1000)).toFixed(0)} MB/s`);
  if (has('rg')) {
    const kw = execFileSync(process.execPath, ['-e', `import('${path.join(root, 'dist', 'index.js')}').then(m => { const k = new Set(m.loadBuiltinRules().flatMap(r => r.keywords)); console.log([...k].join('\\n')); })`]).toString();
    const kwFile = path.join(tmpdir(), 'sealguard-bench-keywords.txt');
    writeFileSync(kwFile, kw);
    const rg = time('rg', ['-i', '-F', '-c', '--no-ignore', '-f', kwFile, '.'], { cwd: dir }, 3);
    console.log(`  rg -i -F -f <${kw.trim().split('\n').length} rule keywords>  ${(rg.ms / 1000).toFixed(2)} s  ${(bytes / 1e6 / (rg.ms / 1000)).toFixed(0)} MB/s  (sealguard is ${(scan.ms / rg.ms).toFixed(2)}x rg's time)`);
  } else {
    console.log('  (rg not installed: apt-get install ripgrep for the comparison)');
  }
}

if (want('staged')) benchPreCommit();
if (want('throughput')) benchThroughput(50);
if (want('sops')) {
  const { benchSops } = await import('./sops.mjs');
  await benchSops({ cli, time, median });
}

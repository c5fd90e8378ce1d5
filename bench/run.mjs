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
// The CLI keeps V8's compiled code per kind of command (src/shared/code-cache.ts). The bench gives it
// a folder of its own, so each section's warm-up run fills it as a user's first run would, and a
// user's own cache plays no part; rows marked "no code cache" show a first run.
const codeCache = mkdtempSync(path.join(tmpdir(), 'sealguard-bench-code-cache-'));
process.env.SEALGUARD_CACHE_DIR = codeCache;
process.on('exit', () => rmSync(codeCache, { recursive: true, force: true }));
const noCodeCache = (env = process.env) => ({ ...env, SEALGUARD_NO_CODE_CACHE: '1' });
const want = (name) => only.length === 0 || only.includes(name);

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** One run's wall time in ms, exit status and stderr. */
function timedRun(cmd, args, opts = {}) {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['pipe', 'ignore', 'pipe'], ...opts });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.error) throw r.error;
  return { ms, status: r.status, stderr: String(r.stderr ?? '') };
}

/** Median wall time in ms of `runs` executions (after one warm-up). */
function time(cmd, args, opts = {}, runs = 15) {
  const once = () => timedRun(cmd, args, opts);
  const first = once();
  const times = [];
  for (let i = 0; i < runs; i++) times.push(once().ms);
  return { ms: median(times), status: first.status, stderr: first.stderr };
}

/**
 * Commands run in turn, `rounds` times over (after one warm-up round), so that a slow spell of a
 * shared machine slows all of them alike: the median wall time of each in ms, and the median over
 * rounds of each one's time divided by the first's. Timing each command in a block of its own let
 * the ratio swing by a fifth between runs of the bench here.
 */
function interleaved(cmds, rounds) {
  const once = ({ cmd, args, opts }) => timedRun(cmd, args, opts).ms;
  for (const c of cmds) once(c);
  const times = cmds.map(() => []);
  for (let i = 0; i < rounds; i++) cmds.forEach((c, j) => times[j].push(once(c)));
  return {
    ms: times.map(median),
    ratio: times.map((ts) => median(ts.map((t, i) => t / times[0][i]))),
  };
}

/** The environment without NODE_EXTRA_CA_CERTS (undefined when it is not set): every Node process parses that CA bundle at start. */
function withoutExtraCa() {
  if (!process.env.NODE_EXTRA_CA_CERTS) return undefined;
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
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
  const cold = time(process.execPath, [cli, 'scan', '--staged'], { cwd: dir, env: noCodeCache() });
  const bare = withoutExtraCa();
  const bareNode = bare && time(process.execPath, ['-e', '0'], { env: bare });
  const bareScan = bare && time(process.execPath, [cli, 'scan', '--staged'], { cwd: dir, env: bare });
  if (scan.status !== 0) console.log(`  (scan exited ${scan.status}: ${scan.stderr.trim()})`);
  const ratio = scan.ms / (node0.ms + diff.ms);
  console.log('pre-commit latency (10 files, 2,000 added lines, median of 15)');
  console.log(`  node -e 0              ${node0.ms.toFixed(1)} ms`);
  console.log(`  git diff --cached      ${diff.ms.toFixed(1)} ms`);
  console.log(`  sealguard scan --staged ${scan.ms.toFixed(1)} ms  (${ratio.toFixed(2)}x the sum of the two; targets: <= 100 ms and < 2.5x)`);
  console.log(`  ... no code cache        ${cold.ms.toFixed(1)} ms  (a first run)`);
  if (bare) console.log(`  ... without NODE_EXTRA_CA_CERTS ${bareScan.ms.toFixed(1)} ms  (node -e 0 then takes ${bareNode.ms.toFixed(1)} ms; this machine sets it, most do not)`);
  rmSync(dir, { recursive: true, force: true });
}

const TEXT_EXT = /\.(js|mjs|cjs|ts|mts|cts|json|md|d\.ts|map|txt|yml|yaml)$/;
/** The throughput tree also takes the C/C++ and Python sources some packages ship (re2's vendored RE2, node-gyp). */
const TREE_EXT = /\.(js|mjs|cjs|ts|mts|cts|json|md|map|txt|yml|yaml|c|cc|h|py)$/;

/**
 * Copies the text files of the installed npm packages (every package once, largest sources first,
 * no file repeated) until `bytes` are reached: real source text, cached under the temp folder.
 */
function buildTree(bytes) {
  const dir = path.join(tmpdir(), `sealguard-bench-tree-v2-${bytes}`);
  if (existsSync(path.join(dir, '.complete'))) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const modules = path.join(root, 'node_modules');
  const first = ['typescript', 'openpgp', 're2', 'sops-age', '@aws-sdk', '@smithy', 'zod', '@noble', 'vite', 'vitest', '@vitest', 'yaml', 'fast-check', 'simple-git', 'lodash', 'tar', 'undici', 'node-gyp', '@types', 'commander'];
  const rest = readdirSync(modules).filter((n) => !n.startsWith('.') && !first.includes(n)).sort();
  let total = 0;
  outer: for (const pkg of [...first, ...rest]) {
    const stack = [path.join(modules, pkg)];
    while (stack.length) {
      const d = stack.pop();
      if (!existsSync(d)) continue;
      for (const ent of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? 1 : -1))) {
        const p = path.join(d, ent.name);
        if (ent.isDirectory()) stack.push(p);
        else if (ent.isFile() && TREE_EXT.test(ent.name)) {
          const size = statSync(p).size;
          if (size > 8 * 1024 * 1024) continue;
          const rel = path.relative(modules, p);
          mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
          copyFileSync(p, path.join(dir, rel));
          total += size;
          if (total >= bytes) break outer;
        }
      }
    }
  }
  writeFileSync(path.join(dir, '.complete'), String(total));
  return dir;
}

function benchThroughput(mb) {
  const dir = buildTree(mb * 1024 * 1024);
  const bytes = Number(readFileSync(path.join(dir, '.complete'), 'utf8'));
  const args = [cli, 'scan', '.', '--max-target-megabytes', '10', '--report-format', 'json', '--report-path', path.join(tmpdir(), 'sealguard-bench-report.json')];
  const mbs = (ms) => (bytes / 1e6 / (ms / 1000)).toFixed(0);
  const cmds = [
    { cmd: process.execPath, args, opts: { cwd: dir } },
    { cmd: process.execPath, args: [...args, '--threads', '1'], opts: { cwd: dir } },
  ];
  let rgArgs;
  let kwCount = 0;
  if (has('rg')) {
    const kw = execFileSync(process.execPath, ['-e', `import('${path.join(root, 'dist', 'index.js')}').then(m => { const k = new Set(m.loadBuiltinRules().flatMap(r => r.keywords)); console.log([...k].join('\\n')); })`]).toString();
    const kwFile = path.join(tmpdir(), 'sealguard-bench-keywords.txt');
    writeFileSync(kwFile, kw);
    kwCount = kw.trim().split('\n').length;
    rgArgs = ['-i', '-F', '-c', '--no-ignore', '-f', kwFile, '.'];
    cmds.unshift({ cmd: 'rg', args: rgArgs, opts: { cwd: dir } });
  }
  const rounds = 5;
  const { ms, ratio } = interleaved(cmds, rounds);
  const [scanMs, scan1Ms] = rgArgs ? ms.slice(1) : ms;
  console.log(`throughput over ${(bytes / 1e6).toFixed(0)} MB of npm package sources (median of ${rounds} rounds, the commands taking turns)`);
  console.log(`  sealguard scan DIR  ${(scanMs / 1000).toFixed(2)} s  ${mbs(scanMs)} MB/s`);
  console.log(`  ... --threads 1     ${(scan1Ms / 1000).toFixed(2)} s  ${mbs(scan1Ms)} MB/s`);
  if (rgArgs) {
    console.log(`  rg -i -F -f <${kwCount} rule keywords>  ${(ms[0] / 1000).toFixed(2)} s  ${mbs(ms[0])} MB/s  (sealguard is ${ratio[1].toFixed(2)}x rg's time; target <= 2x)`);
    // Wall times swing with whatever else the machine runs; CPU time (user+sys) is the steadier comparison.
    const u = { scan: usage(process.execPath, args, dir), rg: usage('rg', rgArgs, dir) };
    if (u.scan && u.rg) {
      console.log(`  one run each (GNU time): sealguard ${u.scan.cpu.toFixed(2)} s CPU, ${u.scan.rssMb.toFixed(0)} MB peak RSS; rg ${u.rg.cpu.toFixed(2)} s CPU (${(u.scan.cpu / u.rg.cpu).toFixed(2)}x)`);
    }
  } else {
    console.log('  (rg not installed: apt-get install ripgrep for the comparison)');
  }
}

/** Deterministic pseudo-random numbers, so the generated history is the same on every machine. */
function prng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

/**
 * A repository of 1,200 commits built with `git fast-import` from real source text (installed npm
 * packages): each commit adds two files and rewrites a stretch of lines in two others, some delete
 * one, so `git log -p` shows additions, modifications and deletions like a real project's history.
 * Cached under the temp folder: building it once takes a while on a busy machine.
 */
function buildHistoryRepo(commits) {
  const dir = path.join(tmpdir(), `sealguard-bench-history-${commits}-v1`);
  if (existsSync(path.join(dir, '.complete'))) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  const pool = [];
  for (const pkg of ['typescript/lib', 'yaml/dist', 'commander', 'vitest', 'vite/dist', 'fast-check/lib', 'simple-git/dist', 'openpgp/dist', '@aws-sdk', 'esbuild', 'rollup/dist']) {
    const stack = [path.join(root, 'node_modules', pkg)];
    while (stack.length) {
      const d = stack.pop();
      if (!existsSync(d)) continue;
      for (const ent of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const p = path.join(d, ent.name);
        if (ent.isDirectory()) stack.push(p);
        else if (ent.isFile() && TEXT_EXT.test(ent.name) && !ent.name.endsWith('.map')) {
          const size = statSync(p).size;
          if (size > 500 && size < 120 * 1024) pool.push(p);
        }
      }
    }
  }
  const rand = prng(42);
  const tracked = new Map();
  const chunks = [];
  let next = 0;
  const take = () => {
    const src = pool[next++ % pool.length];
    const rel = `src/${next % 37}/${path.relative(path.join(root, 'node_modules'), src)}`.replace(/\\/g, '/');
    return { rel, text: readFileSync(src, 'utf8') };
  };
  const data = (text) => `data ${Buffer.byteLength(text)}\n${text}\n`;
  for (let i = 1; i <= commits; i++) {
    const changes = [];
    for (let k = 0; k < 2; k++) {
      const { rel, text } = take();
      tracked.set(rel, text);
      changes.push(`M 100644 inline ${rel}\n${data(text)}`);
    }
    const names = [...tracked.keys()];
    for (let k = 0; k < 2 && names.length > 4; k++) {
      const rel = names[Math.floor(rand() * names.length)];
      const lines = tracked.get(rel).split('\n');
      const donor = take().text.split('\n');
      const at = Math.floor(rand() * lines.length);
      const n = 1 + Math.floor(rand() * 40);
      const from = Math.floor(rand() * Math.max(1, donor.length - n));
      lines.splice(at, Math.floor(rand() * n), ...donor.slice(from, from + n));
      const text = lines.join('\n');
      tracked.set(rel, text);
      changes.push(`M 100644 inline ${rel}\n${data(text)}`);
    }
    if (i % 25 === 0 && names.length > 10) {
      const rel = names[Math.floor(rand() * names.length)];
      tracked.delete(rel);
      changes.push(`D ${rel}\n`);
    }
    const when = 1_600_000_000 + i * 3600;
    const msg = `Change ${i}: update ${changes.length} files\n`;
    chunks.push(
      `commit refs/heads/main\nmark :${i}\nauthor Bench <bench@example.invalid> ${when} +0000\ncommitter Bench <bench@example.invalid> ${when} +0000\n${data(msg)}` +
        (i > 1 ? `from :${i - 1}\n` : '') +
        changes.join(''),
    );
  }
  execFileSync('git', ['fast-import', '--quiet'], { cwd: dir, input: chunks.join(''), maxBuffer: 1 << 30 });
  git(dir, 'checkout', '-q', '-f', 'main');
  writeFileSync(path.join(dir, '.complete'), String(commits));
  return dir;
}

/** Wall seconds, CPU seconds (user+sys, children included) and peak RSS in MB of one run, from GNU time; undefined without it. */
function usage(cmd, args, cwd) {
  if (!existsSync('/usr/bin/time')) return undefined;
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', cmd, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  const [wall, user, sys, kb] = String(r.stderr).trim().split('\n').pop().split(' ').map(Number);
  return [wall, user, sys, kb].every(Number.isFinite) ? { wall, cpu: user + sys, rssMb: kb / 1024 } : undefined;
}

function benchHistory(commits) {
  const dir = buildHistoryRepo(commits);
  const report = path.join(tmpdir(), 'sealguard-bench-history-report.json');
  const logBytes = execFileSync('git', ['log', '-p', '-U0', '--all'], { cwd: dir, maxBuffer: 1 << 30 }).length;
  const log = time('git', ['log', '-p', '-U0', '--all'], { cwd: dir }, 3);
  const args = [cli, 'scan', '--all-history', '--report-format', 'json', '--report-path', report];
  const bare = withoutExtraCa();
  const cmds = [
    { cmd: 'git', args: ['log', '-p', '--all'], opts: { cwd: dir } },
    { cmd: process.execPath, args, opts: { cwd: dir } },
    { cmd: process.execPath, args: [...args, '--threads', '1'], opts: { cwd: dir } },
    ...(bare ? [{ cmd: process.execPath, args, opts: { cwd: dir, env: bare } }] : []),
  ];
  const rounds = 7;
  const { ms, ratio } = interleaved(cmds, rounds);
  const check = spawnSync(process.execPath, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  if (check.status !== 0 && check.status !== 1) console.log(`  (scan exited ${check.status}: ${String(check.stderr).trim()})`);
  console.log(`history: ${commits} commits, git log -p -U0 = ${(logBytes / 1e6).toFixed(0)} MB (median of ${rounds} rounds, the commands taking turns)`);
  console.log(`  git log -p --all              ${(ms[0] / 1000).toFixed(2)} s`);
  console.log(`  git log -p -U0 --all          ${(log.ms / 1000).toFixed(2)} s  (median of 3)`);
  console.log(`  sealguard scan --all-history  ${(ms[1] / 1000).toFixed(2)} s  (${ratio[1].toFixed(2)}x git log -p; target <= 1.5x)`);
  console.log(`  ... --threads 1               ${(ms[2] / 1000).toFixed(2)} s  (${ratio[2].toFixed(2)}x)`);
  if (bare) console.log(`  ... without NODE_EXTRA_CA_CERTS ${(ms[3] / 1000).toFixed(2)} s  (${ratio[3].toFixed(2)}x; this machine sets it, most do not)`);
  // CPU time does not depend on what else the machine runs: the fair comparison on a shared box.
  const u = { log: usage('git', ['log', '-p', '--all'], dir), scan: usage(process.execPath, args, dir), scan1: usage(process.execPath, [...args, '--threads', '1'], dir) };
  if (u.log && u.scan && u.scan1) {
    console.log(`  one run each (GNU time): git log -p ${u.log.cpu.toFixed(2)} s CPU; scan ${u.scan.cpu.toFixed(2)} s CPU, ${u.scan.rssMb.toFixed(0)} MB peak RSS; --threads 1 ${u.scan1.cpu.toFixed(2)} s CPU, ${u.scan1.rssMb.toFixed(0)} MB (RSS target < 300 MB)`);
  }
}

if (want('staged')) benchPreCommit();
if (want('throughput')) benchThroughput(100);
if (want('history')) benchHistory(1200);
if (want('sops')) {
  const { benchSops } = await import('./sops.mjs');
  await benchSops({ cli, time, median, noCodeCache });
}

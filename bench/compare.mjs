// `node bench/compare.mjs OLD_CHECKOUT [DIR] [-- scan args]`: runs another build of sealguard (e.g. a
// `git archive` of an earlier commit, built with scripts/build.mjs) and this one on the same folder
// with `-f json`, and fails unless the reports are byte for byte the same. Prints each side's CPU
// time (user+sys, GNU time), the fair comparison on a shared machine. Speed work must not change
// what is found.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const [oldRoot, dir = path.join(tmpdir(), `sealguard-bench-tree-v2-${100 * 1024 * 1024}`)] = dash < 0 ? argv : argv.slice(0, dash);
const extra = dash < 0 ? ['.', '--max-target-megabytes', '10'] : argv.slice(dash + 1);
if (!oldRoot || !existsSync(path.join(oldRoot, 'bin', 'sealguard.js'))) {
  console.error('usage: node bench/compare.mjs OLD_CHECKOUT [DIR] [-- scan args]  (OLD_CHECKOUT/bin/sealguard.js must exist)');
  process.exit(2);
}

function run(label, checkout) {
  const report = path.join(tmpdir(), `sealguard-compare-${label}-${process.pid}.json`);
  const args = [path.join(checkout, 'bin', 'sealguard.js'), 'scan', ...extra, '-f', 'json', '-r', report];
  const timed = existsSync('/usr/bin/time');
  const r = timed
    ? spawnSync('/usr/bin/time', ['-f', '%U %S %e %M', process.execPath, ...args], { cwd: dir, encoding: 'utf8' })
    : spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0 && r.status !== 1) {
    console.error(`${label}: exit ${r.status}\n${r.stderr}`);
    process.exit(2);
  }
  if (timed) {
    const [user, sys, wall, kb] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
    console.log(`${label.padEnd(4)} ${(user + sys).toFixed(2)} s CPU  ${wall.toFixed(2)} s wall  ${(kb / 1024).toFixed(0)} MB peak RSS`);
  }
  return readFileSync(report);
}

const before = run('old', path.resolve(oldRoot));
const after = run('new', root);
const count = JSON.parse(after.toString('utf8')).length;
if (Buffer.compare(before, after) !== 0) {
  console.log(`DIFFERENT reports (old ${before.length} bytes, new ${after.length} bytes)`);
  process.exit(1);
}
console.log(`same report, byte for byte (${count} findings, ${after.length} bytes)`);

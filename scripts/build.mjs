// Bundles the CLI and the library into dist/ with esbuild (fast start-up matters for the
// pre-commit hook: one file to load instead of hundreds of modules). Type checking is `npm run typecheck`.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, renameSync, rmSync } from 'node:fs';

// Build into a staging folder and swap it in at the end, so a test or a hook running the CLI
// meanwhile never finds dist/ half-written or missing (and stale chunks never linger).
const outdir = `dist.build-${process.pid}`;
rmSync(outdir, { recursive: true, force: true });
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
  define: { __SEALGUARD_VERSION__: JSON.stringify(version) },
};

// The CLI bundles its pure-JS dependencies too (measured: resolving and loading ~40 small CommonJS
// files cost more than the scan itself in the pre-commit hook). Native and heavy packages stay
// external: re2 is a compiled addon, and the crypto/KMS libraries load only for sops commands.
const external = ['re2', 'openpgp', '@aws-sdk/*', 'sops-age', 'sops-decoder', 'gpt-tokenizer'];
// The CLI is one CommonJS file, which dist/boot.cjs compiles through V8's code cache (see
// src/shared/code-cache.ts; Node 20 caches code for scripts only, not for ES modules). Its modules
// still start lazily: esbuild runs a module's top level when the first import() of it does.
// Whitespace and comments are dropped so the file is smaller and plain ASCII (checked below).
const cliBuild = await build({
  ...common,
  packages: undefined,
  external,
  metafile: true,
  format: 'cjs',
  charset: 'ascii',
  minifyWhitespace: true,
  entryPoints: ['src/cli/main.ts'],
  outfile: `${outdir}/cli.cjs`,
  define: { ...common.define, 'import.meta.url': '__sgImportMetaUrl' },
  banner: { js: 'var __sgImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
});
// A script compiled with vm.Script has no import() (see src/shared/require.ts).
const dynamic = Object.values(cliBuild.metafile.outputs).flatMap((o) => o.imports).filter((i) => i.kind === 'dynamic-import' && i.external);
if (dynamic.length > 0) throw new Error(`build: the CLI bundle would import() ${dynamic.map((i) => i.path).join(', ')}; load it with requirePackage (src/shared/require.ts)`);
const cli = readFileSync(`${outdir}/cli.cjs`);
const nonAscii = cli.findIndex((b) => b > 0x7f);
if (nonAscii !== -1) {
  // The loader reads the bundle as latin1 (several times faster than UTF-8), which is exact only for ASCII.
  const near = cli.subarray(Math.max(0, nonAscii - 60), nonAscii + 20).toString('utf8');
  throw new Error(`build: dist/cli.cjs has a non-ASCII byte at ${nonAscii} (write it as an escape in the source): …${near}…`);
}
await build({
  ...common,
  format: 'cjs',
  entryPoints: ['src/cli/boot.ts'],
  outfile: `${outdir}/boot.cjs`,
  define: {
    ...common.define,
    __SEALGUARD_CLI_SHA256__: JSON.stringify(createHash('sha256').update(cli).digest('hex')),
    __SEALGUARD_CLI_BYTES__: String(cli.length),
  },
});
// The scan worker is an ES module of its own (a worker thread loads it once per scan that uses threads).
await build({
  ...common,
  packages: undefined,
  external,
  entryPoints: { 'scan-worker': 'src/scan/parallel/worker.ts' },
  outdir,
  // Bundled CommonJS packages call require() for node built-ins.
  banner: { js: "import { createRequire as __sgCreateRequire } from 'node:module'; const require = __sgCreateRequire(import.meta.url);" },
});
await build({ ...common, entryPoints: { index: 'src/index.ts' }, outdir });
// The bin script's head start for history scans (src/cli/prestart.ts): CommonJS and one file, so it
// runs before the ES module loader starts (measured: ~20 ms sooner than as an ES module with chunks).
await build({ ...common, format: 'cjs', entryPoints: ['src/cli/prestart.ts'], outfile: `${outdir}/prestart.cjs` });

// Check the shipped rules and store them as dist/rules.json: start-up then reads one JSON file instead
// of parsing every rules/*.yaml (measured: YAML parsing alone cost ~30 ms for 7 files). A rule problem
// fails the build with the same messages the loader prints.
{
  const { unlink } = await import('node:fs/promises');
  const outfile = `${outdir}/.precompile-rules.mjs`;
  await build({ ...common, sourcemap: false, entryPoints: ['src/scan/rules/precompile.ts'], outfile });
  try {
    const { writePrecompiledRules, writeCl100kTable, writeKeywordTable } = await import(new URL(`../${outfile}`, import.meta.url).href);
    const { path } = writePrecompiledRules(process.cwd());
    copyFileSync(path, `${outdir}/rules.json`);
    // The shipped rules' keyword automaton, so a scan loads it instead of building it (see src/scan/rules/prebuilt-keywords.ts).
    writeKeywordTable(process.cwd(), `${outdir}/keywords.bin`);
    // The token-efficiency filter's vocabulary as a ready hash table (see src/scan/engine/bpe.ts).
    writeCl100kTable(`${outdir}/cl100k.bin`);
  } catch (e) {
    console.error(`build: ${e.message}`);
    for (const line of e.details ?? []) console.error(`  ${line}`);
    process.exitCode = 1;
  } finally {
    await unlink(outfile);
  }
}

if (process.exitCode) {
  rmSync(outdir, { recursive: true, force: true });
} else {
  const old = `dist.old-${process.pid}`;
  if (existsSync('dist')) renameSync('dist', old);
  renameSync(outdir, 'dist');
  rmSync(old, { recursive: true, force: true });
}

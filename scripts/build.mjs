// Bundles the CLI and the library into dist/ with esbuild (fast start-up matters for the
// pre-commit hook: one file to load instead of hundreds of modules). Type checking is `npm run typecheck`.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

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

await build({ ...common, entryPoints: { cli: 'src/cli/main.ts', index: 'src/index.ts' }, outdir: 'dist', splitting: true, chunkNames: 'chunks/[name]-[hash]' });

// Check the shipped rules and store them as dist/rules.json: start-up then reads one JSON file instead
// of parsing every rules/*.yaml (measured: YAML parsing alone cost ~30 ms for 7 files). A rule problem
// fails the build with the same messages the loader prints.
{
  const { unlink } = await import('node:fs/promises');
  const outfile = 'dist/.precompile-rules.mjs';
  await build({ ...common, sourcemap: false, entryPoints: ['src/scan/rules/precompile.ts'], outfile });
  try {
    const { writePrecompiledRules } = await import(new URL(`../${outfile}`, import.meta.url).href);
    writePrecompiledRules(process.cwd());
  } catch (e) {
    console.error(`build: ${e.message}`);
    for (const line of e.details ?? []) console.error(`  ${line}`);
    process.exitCode = 1;
  } finally {
    await unlink(outfile);
  }
}

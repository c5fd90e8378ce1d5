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

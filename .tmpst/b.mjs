import { build } from 'esbuild';
await build({
  bundle: true, platform: 'node', format: 'cjs', target: 'node20', sourcemap: false, logLevel: 'error',
  define: { __SEALGUARD_VERSION__: '"x"', 'import.meta.url': '__sgUrl' },
  banner: { js: "const __sgUrl = require('url').pathToFileURL(__filename).href;" },
  external: ['re2', 'openpgp', '@aws-sdk/*', 'sops-age', 'sops-decoder', 'gpt-tokenizer'],
  entryPoints: { cli: 'src/cli/main.ts' }, outdir: 'dist/cjs',
});

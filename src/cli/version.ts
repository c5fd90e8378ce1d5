// Replaced at build time by esbuild's `define`; the fallback serves tests running from source.
declare const __SEALGUARD_VERSION__: string | undefined;
export const VERSION: string = typeof __SEALGUARD_VERSION__ === 'string' ? __SEALGUARD_VERSION__ : '0.0.0-dev';

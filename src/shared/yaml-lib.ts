import { createRequire } from 'node:module';

/**
 * The yaml library, loaded when a YAML file is first parsed rather than at start-up: a pre-commit
 * scan of a repository without `.sealguard.yaml` or `.sops.yaml` never needs it, and loading it is
 * about 12 ms of the hook's time (measured on the CLI bundle). Commands that know they will parse
 * YAML await `preloadYaml()` first, which in the bundle fetches the library's own chunk; anything
 * else gets it synchronously from the package.
 */
export type YamlLib = typeof import('yaml');

let lib: YamlLib | undefined;

export async function preloadYaml(): Promise<void> {
  // A CommonJS package: the bundle's chunk exports it as `default` only; Node's own import adds named exports too.
  const m = (await import('yaml')) as YamlLib & { default?: YamlLib };
  lib ??= m.default ?? m;
}

export function yamlLib(): YamlLib {
  return (lib ??= createRequire(import.meta.url)('yaml') as YamlLib);
}

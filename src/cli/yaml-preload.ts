import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_CONFIG_NAMES } from '../scan/rules/config.js';
import { preloadYaml } from '../shared/yaml-lib.js';
import { SOPS_CONFIG_NAME } from '../sops/config/find.js';

/**
 * Load the yaml library before a scan rooted at `root` when it will read YAML: an explicit config,
 * `.sealguard.yaml`, or the `.sops.yaml` the sops check reads. (A `.sops.yaml` only in a subfolder
 * still works: the library then loads synchronously, more slowly, when that file is read.)
 */
export async function preloadYamlForScan(root: string, explicitConfig?: string): Promise<void> {
  const candidates = [
    ...(explicitConfig !== undefined ? [resolve(root, explicitConfig)] : DEFAULT_CONFIG_NAMES.map((n) => join(root, n))),
    join(root, SOPS_CONFIG_NAME),
  ];
  if (candidates.some((p) => /\.ya?ml$/i.test(p) && existsSync(p))) await preloadYaml();
}

import { statSync } from 'node:fs';
import path from 'node:path';

export const SOPS_CONFIG_NAME = '.sops.yaml';
/** sops does not read this name, but warns when it sees it: so do we. */
const ALTERNATE_NAME = '.sops.yml';
/** sops' search depth. */
const MAX_DEPTH = 100;

export interface ConfigLookup {
  /** Absolute path of the nearest `.sops.yaml`, if any. */
  readonly path?: string;
  /** Set when a `.sops.yml` was seen on the way (it is ignored, as sops ignores it). */
  readonly warning?: string;
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Walks up from `startDir` to the filesystem root looking for `.sops.yaml`, noting an ignored `.sops.yml`. */
export function lookupSopsConfig(startDir: string): ConfigLookup {
  let dir = path.resolve(startDir);
  let alternate: string | undefined;
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const candidate = path.join(dir, SOPS_CONFIG_NAME);
    if (isFile(candidate)) {
      return alternate
        ? { path: candidate, warning: `ignoring ${alternate}: the config file must be called ${SOPS_CONFIG_NAME}; using ${candidate}` }
        : { path: candidate };
    }
    const alt = path.join(dir, ALTERNATE_NAME);
    if (alternate === undefined && isFile(alt)) alternate = alt;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return alternate ? { warning: `ignoring ${alternate}: the config file must be called ${SOPS_CONFIG_NAME}` } : {};
}

/**
 * The nearest `.sops.yaml` in `startDir` or a parent folder (give the folder of the file being
 * encrypted), or undefined.
 */
export function findSopsConfig(startDir: string): string | undefined {
  return lookupSopsConfig(startDir).path;
}

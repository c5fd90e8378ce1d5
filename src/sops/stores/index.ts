import path from 'node:path';
import type { Store, StoreFormat } from './types.js';
import { binaryStore } from './binary.js';
import { dotenvStore } from './dotenv.js';
import { iniStore } from './ini.js';
import { jsonStore } from './json.js';
import { yamlStore } from './yaml.js';

/** The format sops would pick from the file name. */
export function formatFromPath(file: string): StoreFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  if (ext === '.json') return 'json';
  if (ext === '.env') return 'dotenv';
  if (ext === '.ini') return 'ini';
  return 'binary';
}

export function storeFor(format: StoreFormat): Store {
  switch (format) {
    case 'yaml':
      return yamlStore;
    case 'json':
      return jsonStore;
    case 'dotenv':
      return dotenvStore;
    case 'ini':
      return iniStore;
    case 'binary':
      return binaryStore;
  }
}

import { readFileSync } from 'node:fs';
import { SealguardError, errorMessage } from '../../shared/errors.js';
import { yamlLib } from '../../shared/yaml-lib.js';

export type YamlRead = { ok: true; value: unknown } | { ok: false; problems: string[] };

/**
 * Parse YAML text, turning every syntax error into `<source>: line N: <reason>`. The yaml library's
 * pretty errors quote the source around the error; only the first line is kept so a value near the
 * error never reaches a message.
 */
export function parseYaml(text: string, source: string): YamlRead {
  const doc = yamlLib().parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => {
        const reason = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
        const where = e.linePos ? `line ${e.linePos[0].line}: ` : '';
        return `${source}: ${where}${reason}`;
      }),
    };
  }
  return { ok: true, value: doc.toJS({ maxAliasCount: 100 }) as unknown };
}

/** Read a file for the loaders; a missing or unreadable file is a usage error naming the file. */
export function readTextFile(path: string, code: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new SealguardError(code, missing ? `${path}: no such file` : `${path}: cannot read: ${errorMessage(e)}`, {
      exitCode: 2,
    });
  }
}

import path from 'node:path';
import pc from 'picocolors';
import { ExitCode } from '../../shared/errors.js';
import { formatFromPath, storeFor } from '../../sops/file.js';
import { explainFile, type ExplainedKeys, type Explanation } from '../../sops/explain.js';
import type { Store, StoreFormat } from '../../sops/stores/types.js';
import { useColor, type Io } from '../io.js';
import { readTextIfExists } from '../../shared/read-if-exists.js';

export interface ExplainCommandOptions {
  inputType?: StoreFormat;
  config?: string;
  json?: boolean;
}


function keyLines(group: ExplainedKeys, indent: string): string[] {
  const lines = [
    ...group.age.map((r) => `${indent}age  ${r}`),
    ...group.pgp.map((fp) => `${indent}pgp  ${fp}`),
    ...group.kms.map((arn) => `${indent}kms  ${arn}`),
    ...group.unsupported.map((k) => `${indent}${k} (not supported in this build)`),
  ];
  return lines.length > 0 ? lines : [`${indent}(none)`];
}

function list(paths: readonly string[], indent: string, limit = 200): string[] {
  if (paths.length === 0) return [`${indent}(none)`];
  const shown = paths.slice(0, limit).map((p) => `${indent}${p}`);
  if (paths.length > limit) shown.push(`${indent}… and ${paths.length - limit} more`);
  return shown;
}

export function renderExplanation(x: Explanation, color: boolean): string {
  const bold = color ? pc.bold : (s: string) => s;
  const yellow = color ? pc.yellow : (s: string) => s;
  const out: string[] = [];
  for (const w of x.criticalWarnings) out.push(yellow(bold(`WARNING: ${w}`)));
  if (x.criticalWarnings.length > 0) {
    out.push(yellow('  sops ignores unknown keys silently: a rule whose path_regex is misspelt matches every file.'), '');
  }
  out.push(`${bold('file:')}   ${x.file} (${x.fileState})`);
  out.push(`${bold('config:')} ${x.configPath ?? '(none found)'}`);
  if (x.matchedPath !== undefined) out.push(`${bold('path matched against rules:')} ${x.matchedPath}`);
  if (x.rules.length > 0) {
    out.push(bold('creation rules:'));
    for (const r of x.rules) {
      const mark = r.index === x.ruleIndex ? '=>' : r.matches ? ' ~' : '  ';
      const where = r.line !== undefined ? ` (line ${r.line})` : '';
      const regex = r.pathRegex !== undefined ? `path_regex /${r.pathRegex}/` : 'no path_regex (matches every file)';
      const state = r.index === x.ruleIndex ? 'used' : r.matches ? 'matches, but an earlier rule wins' : 'does not match';
      out.push(`  ${mark} [${r.index}]${where} ${regex}: ${state}`);
    }
  }
  out.push(`${bold('why:')} ${x.why}`);
  if (x.ruleIndex !== undefined) {
    out.push(bold(x.usesKeyGroups ? `keys (key_groups, shamir_threshold ${x.shamirThreshold ?? x.keyGroups.length}):` : 'keys:'));
    x.keyGroups.forEach((g, i) => {
      if (x.usesKeyGroups) out.push(`  group ${i + 1}:`);
      out.push(...keyLines(g, x.usesKeyGroups ? '    ' : '  '));
    });
  }
  if (x.fileKeyGroups) {
    out.push(bold('keys in the encrypted file:'));
    x.fileKeyGroups.forEach((g, i) => {
      if (x.fileKeyGroups && x.fileKeyGroups.length > 1) out.push(`  group ${i + 1}:`);
      out.push(...keyLines(g, x.fileKeyGroups && x.fileKeyGroups.length > 1 ? '    ' : '  '));
    });
  }
  const sel = Object.entries(x.selector).map(([k, v]) => `${k}: ${String(v)}`);
  const source = x.selectorSource === 'file' ? " (from the file's metadata)" : x.selectorSource === 'rule' ? ' (from the rule)' : '';
  out.push(`${bold('selector:')} ${sel.length > 0 ? sel.join(', ') : 'default (keys ending in _unencrypted stay plaintext)'}${source}`);
  if (x.fileState === 'plaintext' || x.fileState === 'encrypted') {
    const verb = x.fileState === 'encrypted' ? 'are' : 'will be';
    out.push(bold(`values that ${verb} encrypted:`), ...list(x.encryptedPaths, '  '));
    out.push(bold(`values that ${verb} left in plaintext:`), ...list(x.plainPaths, '  '));
  } else if (x.fileState === 'unparsable') {
    out.push('(the file could not be parsed, so its values are not listed)');
  }
  const other = x.warnings.filter((w) => !x.criticalWarnings.includes(w));
  for (const w of other) out.push(yellow(`warning: ${w}`));
  return `${out.join('\n')}\n`;
}

function storeOrUndefined(format: StoreFormat): Store | undefined {
  try {
    return storeFor(format);
  } catch {
    return undefined;
  }
}

/** `explain F`: which rule applies to F and why, its keys and which values get encrypted. Never prints values. */
export async function runExplain(file: string, opts: ExplainCommandOptions, io: Io): Promise<number> {
  const abs = path.resolve(io.cwd, file);
  const text = await readTextIfExists(abs, 'FILE_UNREADABLE', ExitCode.notEncrypted);
  const format = opts.inputType ?? formatFromPath(abs);
  const explanation = explainFile({
    file: abs,
    text,
    store: storeOrUndefined(format),
    configPath: opts.config ? path.resolve(io.cwd, opts.config) : undefined,
  });
  if (opts.json) io.stdout.write(`${JSON.stringify(explanation, null, 2)}\n`);
  else io.stdout.write(renderExplanation(explanation, useColor(io.stdout, io.env)));
  return 0;
}

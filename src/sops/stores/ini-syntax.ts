/**
 * The line syntax of INI as go-ini (gopkg.in/ini.v1, the library sops uses) reads and writes it with
 * sops' options: `=` or `:` between key and value; `#`/`;` comments, also inline after an unquoted
 * value; values in `"…"`/`'…'` lose their quotes; `` `…` `` and `"""…"""` values are verbatim and
 * `"""` may span lines; a trailing `\` continues a value on the next line. Each reader also returns
 * the raw pieces of the line so the store can write the user's layout back.
 */

/** How a value was written. `continued` is the backslash line-continuation form. */
export type IniQuote = 'none' | '"' | "'" | '`' | '"""' | 'continued';

export class IniSyntaxError extends Error {}

/** One line with its terminator ("\n", "\r\n" or none on the last line). */
export function splitLines(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    if (nl === -1) break;
    lines.push(text.slice(start, nl + 1));
    start = nl + 1;
  }
  if (start < text.length) lines.push(text.slice(start));
  return lines;
}

export function indexOfAny(s: string, chars: string, from = 0): number {
  for (let i = from; i < s.length; i++) if (chars.includes(s[i] as string)) return i;
  return -1;
}

/** Text up to the first `#` or `;` is dropped (go-ini's cleanComment); undefined when there is none. */
export function inlineComment(s: string): { gap: string; comment: string; rest: string } | undefined {
  const i = indexOfAny(s, '#;');
  if (i === -1) return undefined;
  const tail = s.slice(i);
  const comment = tail.trimEnd();
  return { gap: s.slice(0, i), comment, rest: tail.slice(comment.length) };
}

export interface KeyName {
  readonly name: string;
  /** Index in the left-trimmed line just past the `=`/`:` delimiter. */
  readonly offset: number;
}

const DELIMITERS = '=:';

/** go-ini's readKeyName on a left-trimmed line. */
export function readKeyName(line: string): KeyName {
  let quote = '';
  if (line.startsWith('"')) quote = line.length > 6 && line.startsWith('"""') ? '"""' : '"';
  else if (line.startsWith('`')) quote = '`';
  if (quote) {
    const close = line.indexOf(quote, quote.length);
    if (close === -1) throw new IniSyntaxError('missing closing quote of a key name');
    const d = indexOfAny(line, DELIMITERS, close + quote.length);
    if (d === -1) throw new IniSyntaxError('expected key = value, a [section] or a comment');
    return { name: line.slice(quote.length, close).trim(), offset: d + 1 };
  }
  const d = indexOfAny(line, DELIMITERS);
  if (d === -1) throw new IniSyntaxError('expected key = value, a [section] or a comment');
  if (d === 0) throw new IniSyntaxError('empty key name');
  return { name: line.slice(0, d).trim(), offset: d + 1 };
}

export interface ValueRead {
  readonly value: string;
  readonly quote: IniQuote;
  /** Horizontal space between the delimiter and the value. */
  readonly lead: string;
  /** The value as written, quotes included (several lines for `"""` and continuations). */
  readonly raw: string;
  /** Space between the value and an inline comment. */
  readonly gap: string;
  /** Inline comment from its `#`/`;`, if any. */
  readonly comment?: string;
  /** Whatever ends the last line (spaces and the line break). */
  readonly tail: string;
  /** Index of the first line after the value. */
  readonly next: number;
}

function surroundedBy(s: string, q: string): boolean {
  return s.length >= 2 && s[0] === q && s[s.length - 1] === q && s.split(q).length - 1 === 2;
}

function readQuoted(body: string, quote: '`' | '"""', lines: readonly string[], next: number): Omit<ValueRead, 'lead'> {
  const start = quote.length;
  const close = body.slice(start).lastIndexOf(quote);
  if (close !== -1) {
    const end = start + close + quote.length;
    // go-ini ignores whatever follows the closing quote on the same line; keep only the line break.
    const rest = body.slice(end);
    const eol = rest.endsWith('\r\n') ? '\r\n' : rest.endsWith('\n') ? '\n' : '';
    return { value: body.slice(start, start + close), quote, raw: body.slice(0, end), gap: '', tail: eol, next };
  }
  let value = body.slice(start);
  let raw = body;
  for (let j = next; j < lines.length; j++) {
    const line = lines[j] as string;
    const at = line.lastIndexOf(quote);
    if (at !== -1) {
      value += line.slice(0, at);
      raw += line.slice(0, at + quote.length);
      const after = line.slice(at + quote.length);
      const c = inlineComment(after);
      // Text between the closing quote and a comment is dropped by go-ini; keep no more than a space of it.
      if (c) return { value, quote, raw, gap: c.gap.trim() === '' ? c.gap : ' ', comment: c.comment, tail: c.rest, next: j + 1 };
      return { value, quote, raw, gap: '', tail: after, next: j + 1 };
    }
    value += line;
    raw += line;
  }
  throw new IniSyntaxError(`missing closing ${quote} of a value`);
}

function readContinued(body: string, lines: readonly string[], next: number): Omit<ValueRead, 'lead'> {
  let value = body.trim().slice(0, -1);
  let raw = body;
  let j = next;
  while (j < lines.length) {
    const line = lines[j] as string;
    j++;
    raw += line;
    const part = line.trim();
    if (part === '') break;
    value += part;
    if (!value.endsWith('\\')) break;
    value = value.slice(0, -1);
  }
  // The last line break is the line's end, not part of the value: a rewritten value keeps it.
  const eol = raw.endsWith('\r\n') ? '\r\n' : raw.endsWith('\n') ? '\n' : '';
  return { value, quote: 'continued', raw: raw.slice(0, raw.length - eol.length), gap: '', tail: eol, next: j };
}

/**
 * go-ini's readValue on what follows the delimiter of line `index` (`rest` includes the line
 * break); multi-line values read on from `lines[index + 1]`.
 */
export function readValue(rest: string, lines: readonly string[], index: number): ValueRead {
  const lead = /^[^\S\r\n]*/.exec(rest)?.[0] ?? '';
  const body = rest.slice(lead.length);
  const next = index + 1;
  if (body.trim() === '') return { value: '', quote: 'none', lead, raw: '', gap: '', tail: body, next };
  if (body.length > 3 && body.startsWith('"""')) return { lead, ...readQuoted(body, '"""', lines, next) };
  if (body.startsWith('`')) return { lead, ...readQuoted(body, '`', lines, next) };

  const trimmed = body.trimEnd();
  if (trimmed.endsWith('\\')) return { lead, ...readContinued(body, lines, next) };
  const tailSpace = body.slice(trimmed.length);
  let raw = trimmed;
  let gap = '';
  let comment: string | undefined;
  const c = inlineComment(trimmed);
  if (c) {
    raw = c.gap.trimEnd();
    gap = c.gap.slice(raw.length);
    comment = c.comment;
  }
  for (const q of ['"', "'"] as const) {
    if (surroundedBy(raw, q)) return { value: raw.slice(1, -1), quote: q, lead, raw, gap, comment, tail: tailSpace, next };
  }
  return { value: raw, quote: 'none', lead, raw, gap, comment, tail: tailSpace, next };
}

function wrap(value: string, quote: IniQuote): string | undefined {
  switch (quote) {
    case 'none':
      return value;
    case '"':
    case "'":
    case '`':
    case '"""':
      return quote + value + quote;
    case 'continued':
      return undefined;
  }
}

/** The quoting go-ini's writer picks for a value. */
export function goIniQuote(value: string): IniQuote {
  if (/[\n`]/.test(value)) return '"""';
  if (/[#;]/.test(value)) return '`';
  if (value.trim() !== value) return '"';
  return 'none';
}

/** Whether go-ini reads `written` (after `key = `) back as exactly `value`, with nothing else. */
function readsBack(written: string, value: string): boolean {
  const lines = splitLines(written + '\n');
  try {
    const r = readValue(lines[0] as string, lines, 0);
    return r.value === value && r.comment === undefined && r.next === lines.length && r.lead === '';
  } catch {
    return false;
  }
}

/**
 * `value` quoted so go-ini reads it back unchanged: in the `preferred` style when that works,
 * else as go-ini's writer would, else in any style that works. Undefined when none can hold it.
 */
export function quoteValue(value: string, preferred?: IniQuote): string | undefined {
  const styles: IniQuote[] = [...(preferred ? [preferred] : []), goIniQuote(value), '"""', '`', '"', "'"];
  for (const style of styles) {
    const written = wrap(value, style);
    if (written !== undefined && readsBack(written, value)) return written;
  }
  return undefined;
}

/** go-ini's stripping of a comment's marker, as sops applies it (`; text` → `text`). */
export function stripCommentMarker(comment: string): string {
  if (comment.startsWith(';')) return comment.replace(/^[; ]+/, '');
  if (comment.startsWith('#')) return comment.replace(/^[# ]+/, '');
  return comment;
}

/**
 * Values that look like a secret to a regex but are placeholders, template variables or code. Each
 * test is written to be very unlikely to hit a random credential: substrings are long real words,
 * and character runs use characters that base64/hex secrets do not repeat by chance.
 */

/** The whole value (lower-cased, quotes trimmed) is one of these words. */
const PLACEHOLDER_WORDS = new Set([
  'password', 'passwd', 'pass', 'pwd', 'secret', 'secrets', 'token', 'key', 'apikey', 'api_key', 'api-key',
  'changeme', 'change_me', 'changeit', 'null', 'nil', 'none', 'undefined', 'true', 'false', 'empty',
  'todo', 'tbd', 'fixme', 'redacted', 'hidden', 'default', 'test', 'dummy', 'sample', 'example',
  'placeholder', 'n/a', 'na', 'unset', 'required', 'optional', 'string', 'value', 'foo', 'bar', 'foobar',
]);

/** Substrings that only a placeholder or an example value contains. */
const PLACEHOLDER_SUBSTRINGS = [
  'example', 'changeme', 'change_me', 'change-me', 'changeit', 'placeholder', 'redacted',
  'your_', 'your-', 'yourapi', 'yourkey', 'yoursecret', 'yourtoken', 'yourpass',
  'insert_', 'insert-', '_here', '-here', 'dummy', 'notreal', 'not_real', 'not-real', 'not-a-real',
  'fakekey', 'fake_key', 'fake-key', 'fakesecret', 'fake_secret', 'fake-secret', 'faketoken', 'fake_token',
  'process.env', 'os.environ', 'getenv', 'env[', 'env(', 'env.get', 'system.getenv', 'settings.',
  '12345678', 'abcdefgh', 'qwertyui',
];

/** Template and variable syntax of shells, CI systems, and template engines. */
const TEMPLATE_SUBSTRINGS = ['${', '{{', '}}', '#{', '<%', '%>', '$('];

const ANGLE_PLACEHOLDER = /^<[^<>]+>$/;
const BRACKET_PLACEHOLDER = /^\[[A-Za-z_ -]+\]$/;
const BRACE_PLACEHOLDER = /^\{[A-Za-z_][\w-]*\}$/;
const WINDOWS_VAR = /^%[A-Za-z_]\w*%$/;
const SHELL_VAR = /^\$[A-Za-z_]\w*$/;
/** Masking characters repeated: `xxxxx`, `*****`, `#####`, `•••`. */
// The bullet as an escape: the CLI bundle must be plain ASCII (scripts/build.mjs).
const MASK_RUN = /x{5,}|\*{4,}|#{5,}|\u2022{3,}/i;

/** True when `secret` is a placeholder, a template variable, a masked value or a code reference. */
export function isPlaceholder(secret: string): boolean {
  const value = trimQuotes(secret.trim());
  if (value.length === 0) return true;
  const lower = value.toLowerCase();
  if (PLACEHOLDER_WORDS.has(lower)) return true;
  for (const s of PLACEHOLDER_SUBSTRINGS) if (lower.includes(s)) return true;
  for (const s of TEMPLATE_SUBSTRINGS) if (value.includes(s)) return true;
  if (ANGLE_PLACEHOLDER.test(value) || BRACKET_PLACEHOLDER.test(value) || BRACE_PLACEHOLDER.test(value)) return true;
  if (WINDOWS_VAR.test(value)) return true;
  if (SHELL_VAR.test(value) && looksLikeVariableName(value.slice(1))) return true;
  if (MASK_RUN.test(value)) return true;
  return isAllSameCharacter(value);
}

/**
 * For generic rules only (`password = …`, `token: …`): the captured value is code, not a literal —
 * a call like `getPassword()` or a member path like `config.db.password`.
 */
export function isCodeReference(secret: string): boolean {
  const value = secret.trim();
  if (/^[\w$.]+\(.*\)$/.test(value)) return true;
  const parts = value.split('.');
  if (parts.length > 1 && parts.every((p) => /^[A-Za-z_$][A-Za-z_$]{0,23}$/.test(p))) return true;
  return isStatementEnd(value);
}

/**
 * An unquoted value that ends a statement or an argument (`x = parser.nextToken();`, `key: randomSecretKey,`):
 * a call, a member path, or a name without digits, then `;` or `,`. A password typed into a config file
 * does not end that way; one with digits is left for the token-efficiency filter to judge.
 */
function isStatementEnd(value: string): boolean {
  const last = value.charCodeAt(value.length - 1);
  const body = last === 59 /* ; */ || last === 44 /* , */ ? value.slice(0, -1) : value;
  if (body !== value || /\($/.test(body)) {
    if (/^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*(?:\(.*\)?)?$/.test(body) && /[.(]/.test(body)) return true;
    if (body !== value && /^[A-Za-z_$][A-Za-z_$]*$/.test(body)) return true;
  }
  return false;
}

/** `$DB_PASSWORD`, `$password`, `$dbPassword` are variables; `$ecr3tPa55` is more likely a value. */
function looksLikeVariableName(name: string): boolean {
  if (!/\d/.test(name)) return true;
  return name === name.toUpperCase() || name === name.toLowerCase();
}

function trimQuotes(s: string): string {
  let v = s;
  while (v.length >= 2 && /^["'`]/.test(v) && v[0] === v[v.length - 1]) v = v.slice(1, -1);
  return v;
}

/** `aaaaaaaa`, `0000-0000-0000`, `XXXX_XXXX`: one character once separators are ignored. */
function isAllSameCharacter(value: string): boolean {
  const core = value.replace(/[\s\-_.:/]/g, '').toLowerCase();
  if (core.length === 0) return true;
  const first = core.charCodeAt(0);
  for (let i = 1; i < core.length; i++) if (core.charCodeAt(i) !== first) return false;
  return true;
}

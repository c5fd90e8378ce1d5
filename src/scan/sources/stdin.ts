import type { Fragment } from '../types.js';
import type { SourceContext } from './context.js';
import { decodeText } from './decode.js';

/**
 * All of stdin as one fragment named `name`. Input with NUL bytes is still scanned (as UTF-8):
 * whoever pipes data into the scanner wants it scanned.
 */
export async function* stdinFragments(
  input: NodeJS.ReadableStream,
  name = 'stdin',
  // Part of every source's signature; stdin has no size limit to apply and nothing to skip.
  _ctx?: SourceContext,
): AsyncGenerator<Fragment, void, undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk));
  const buf = Buffer.concat(chunks);
  yield { path: name, text: decodeText(buf) ?? buf.toString('utf8') };
}

/**
 * Map an async sequence with at most `limit` calls in flight, yielding results in input order (so
 * reports are stable) and dropping `undefined`. `fn` must not reject.
 */
export async function* mapBounded<T, R>(
  source: AsyncIterable<T> | Iterable<T>,
  limit: number,
  fn: (item: T) => Promise<R | undefined>,
): AsyncGenerator<R, void, undefined> {
  const queue: Array<Promise<R | undefined>> = [];
  for await (const item of source) {
    queue.push(fn(item));
    if (queue.length >= limit) {
      const r = await queue.shift()!;
      if (r !== undefined) yield r;
    }
  }
  while (queue.length > 0) {
    const r = await queue.shift()!;
    if (r !== undefined) yield r;
  }
}

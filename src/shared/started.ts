/**
 * `gen` with its body already running up to its first wait (for a git source: git spawned), and
 * its first value then handed out as usual. A failure surfaces when the values are read.
 */
export function started<T>(gen: AsyncGenerator<T, void, undefined>): AsyncGenerator<T, void, undefined> {
  const first = gen.next();
  first.catch(() => undefined);
  return (async function* () {
    const head = await first;
    if (head.done) return;
    yield head.value;
    yield* gen;
  })();
}

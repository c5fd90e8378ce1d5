/** Shannon entropy of `s` in bits per character (UTF-16 code units). 0 for the empty string. */
export function shannonEntropy(s: string): number {
  const n = s.length;
  if (n === 0) return 0;
  const ascii = new Uint32Array(128);
  let wide: Map<number, number> | undefined;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 128) ascii[c]++;
    else {
      wide ??= new Map();
      wide.set(c, (wide.get(c) ?? 0) + 1);
    }
  }
  let bits = 0;
  const add = (count: number): void => {
    if (count === 0) return;
    const p = count / n;
    bits -= p * Math.log2(p);
  };
  for (let c = 0; c < 128; c++) add(ascii[c]);
  if (wide) for (const count of wide.values()) add(count);
  return bits;
}

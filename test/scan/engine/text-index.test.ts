import { describe, expect, test } from 'vitest';
import { Utf8Text } from '../../../src/scan/engine/text-index.js';

/** Deterministic mixes of 1-, 2-, 3- and 4-byte characters, lone surrogates and newlines. */
function mixedTexts(): string[] {
  const parts = ['a', 'é', '€', '😀', '\ud800', '\udc00', 'b', '\n'];
  const texts: string[] = [];
  let seed = 7;
  for (let n = 0; n < 120; n++) {
    let s = '';
    const length = n * 3;
    for (let i = 0; i < length; i++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      s += parts[seed % parts.length];
    }
    texts.push(s);
  }
  return texts;
}

describe('Utf8Text: string offsets to UTF-8 byte offsets for keyword windows', () => {
  test('every string offset maps to the byte length of the text before it', () => {
    for (const text of mixedTexts()) {
      const utf8 = new Utf8Text({ text });
      for (let c = 0; c <= text.length; c++) {
        const splitsPair = c > 0 && c < text.length && /[\udc00-\udfff]/.test(text[c]) && /[\ud800-\udbff]/.test(text[c - 1]);
        expect(utf8.byteOffset(c, true)).toBe(Buffer.byteLength(text.slice(0, splitsPair ? c - 1 : c)));
        expect(utf8.byteOffset(c, false)).toBe(Buffer.byteLength(text.slice(0, splitsPair ? c + 1 : c)));
      }
    }
  });

  test('an offset inside an emoji moves to its start for a window start and past it for a window end', () => {
    const utf8 = new Utf8Text({ text: 'ab😀cd' });
    expect(utf8.byteOffset(3, true)).toBe(2);
    expect(utf8.byteOffset(3, false)).toBe(6);
  });
});

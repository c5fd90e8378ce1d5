/**
 * A strict reader for the XML subset our JUnit report uses (declaration, elements, attributes, text,
 * the five named entities and numeric references). It throws on anything malformed — unbalanced
 * tags, raw '<' or '&' in text, unquoted attributes, characters XML 1.0 forbids — so tests can
 * check the report is well-formed and read values back. No XML parser is installed in this project.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = /[A-Za-z_][\w.-]*/y;
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

function decode(raw: string, where: number): string {
  if (/[<]/.test(raw)) throw new Error(`raw '<' at ${where}`);
  return raw.replace(/&([^;]*);|&/g, (m, ref: string | undefined) => {
    if (ref === undefined) throw new Error(`bare '&' at ${where}`);
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (ref in named) return named[ref];
    const num = /^#(?:x([0-9a-fA-F]+)|([0-9]+))$/.exec(ref);
    if (!num) throw new Error(`unknown entity &${ref}; at ${where}`);
    return String.fromCodePoint(num[1] ? parseInt(num[1], 16) : parseInt(num[2], 10));
  });
}

export function readXml(xml: string): XmlElement {
  if (FORBIDDEN.test(xml)) throw new Error('character not allowed in XML 1.0');
  let i = 0;
  const decl = /^<\?xml [^?]*\?>\s*/.exec(xml);
  if (decl) i = decl[0].length;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  while (i < xml.length) {
    if (xml.startsWith('</', i)) {
      NAME.lastIndex = i + 2;
      const m = NAME.exec(xml);
      const top = stack.pop();
      if (!m || !top || top.name !== m[0]) throw new Error(`unbalanced </${m?.[0]}> at ${i}`);
      i = NAME.lastIndex;
      if (xml[i] !== '>') throw new Error(`bad end tag at ${i}`);
      i++;
      if (stack.length === 0) root = top;
    } else if (xml[i] === '<') {
      NAME.lastIndex = i + 1;
      const m = NAME.exec(xml);
      if (!m) throw new Error(`bad tag at ${i}`);
      const el: XmlElement = { name: m[0], attrs: {}, children: [], text: '' };
      i = NAME.lastIndex;
      for (;;) {
        const ws = /\s*/y;
        ws.lastIndex = i;
        ws.exec(xml);
        i = ws.lastIndex;
        if (xml.startsWith('/>', i) || xml[i] === '>') break;
        NAME.lastIndex = i;
        const a = NAME.exec(xml);
        if (!a || xml[NAME.lastIndex] !== '=' || xml[NAME.lastIndex + 1] !== '"') throw new Error(`bad attribute at ${i}`);
        const end = xml.indexOf('"', NAME.lastIndex + 2);
        if (end < 0) throw new Error('unterminated attribute');
        if (a[0] in el.attrs) throw new Error(`duplicate attribute ${a[0]}`);
        el.attrs[a[0]] = decode(xml.slice(NAME.lastIndex + 2, end), i);
        i = end + 1;
      }
      if (stack.length > 0) stack[stack.length - 1].children.push(el);
      else if (root !== undefined) throw new Error('two root elements');
      if (xml.startsWith('/>', i)) {
        i += 2;
        if (stack.length === 0) root = el;
      } else {
        i++;
        stack.push(el);
      }
    } else {
      const next = xml.indexOf('<', i);
      const raw = xml.slice(i, next < 0 ? xml.length : next);
      if (raw.includes('>') && /]]>/.test(raw)) throw new Error(`']]>' in text at ${i}`);
      if (stack.length === 0) {
        if (raw.trim() !== '') throw new Error(`text outside the root at ${i}`);
      } else stack[stack.length - 1].text += decode(raw, i);
      i = next < 0 ? xml.length : next;
    }
  }
  if (stack.length > 0 || !root) throw new Error('unclosed element');
  return root;
}

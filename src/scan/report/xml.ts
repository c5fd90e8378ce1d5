/**
 * Characters XML 1.0 cannot carry at all (C0 controls other than tab/newline/CR, lone surrogates,
 * U+FFFE/U+FFFF). A file can contain them, and a report must stay parseable, so they become U+FFFD.
 */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text content: the three markup characters escaped. */
export function xmlText(value: string): string {
  return value.replace(NOT_XML, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * A double-quoted attribute value. Tab and line breaks are written as character references:
 * a parser normalises literal ones in attributes to spaces, which would change multi-line matches.
 */
export function xmlAttr(value: string): string {
  return xmlText(value).replace(/"/g, '&quot;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
}

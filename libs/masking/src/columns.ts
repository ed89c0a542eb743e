/**
 * Column headers as context: in a table written as text (CSV, TSV, a `|`-separated dump), the
 * words that say what a value is stand in the header line, often far above the value and never
 * in its sentence. A header line is a line of at least two delimited fields that all start with
 * a letter ("email,phone,dob,ssn"); a value's column is read by counting the delimiters before it
 * on its own line, which must have as many fields as the header.
 */
export interface TableHeader {
  /** Where the header line starts and ends (before its line break). */
  readonly start: number;
  readonly end: number;
  readonly delimiter: number;
  /** The header's field names, lower-cased and trimmed of blanks and quotes. */
  readonly fields: readonly string[];
}

const DELIMITERS = [44, 9, 59, 124]; // , tab ; |
/** Wider lines are not read as headers: a table's header names its columns in a few words each. */
const HEADER_MAX = 2048;
/** Longer rows are not read for their column. */
const ROW_MAX = 4096;
const FIELD_NAME_RE = /^[A-Za-z][\w .#/()-]{0,63}$/;

/** The header lines of a text, in order: one pass over its lines, run once per text when needed. */
export function tableHeaders(text: string): TableHeader[] {
  const headers: TableHeader[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const lineEnd = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    if (lineEnd - start <= HEADER_MAX) {
      const header = readHeader(text, start, lineEnd);
      if (header !== undefined) headers.push(header);
    }
    start = end + 1;
  }
  return headers;
}

function readHeader(text: string, start: number, end: number): TableHeader | undefined {
  let delimiter = 0;
  let most = 0;
  for (const d of DELIMITERS) {
    const n = countOutsideQuotes(text, start, end, d);
    if (n > most) {
      most = n;
      delimiter = d;
    }
  }
  if (most === 0) return undefined;
  const fields: string[] = [];
  for (const raw of text.slice(start, end).split(String.fromCharCode(delimiter))) {
    const name = raw
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .trim();
    if (!FIELD_NAME_RE.test(name)) return undefined;
    fields.push(name.toLowerCase());
  }
  return { start, end, delimiter, fields };
}

/** Delimiters in text[from, to) outside double quotes. */
function countOutsideQuotes(text: string, from: number, to: number, delimiter: number): number {
  let n = 0;
  let quoted = false;
  for (let k = from; k < to; k++) {
    const c = text.charCodeAt(k);
    if (c === 34) quoted = !quoted;
    else if (c === delimiter && !quoted) n++;
  }
  return n;
}

/**
 * The header field naming the column the value at `at` stands in, or undefined: the nearest
 * header line above it whose field count its own line has.
 */
export function columnName(
  text: string,
  headers: readonly TableHeader[],
  at: number,
): string | undefined {
  // The last header ending before the value's line starts.
  let lo = 0;
  let hi = headers.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (headers[mid].end < at) lo = mid + 1;
    else hi = mid;
  }
  const header = headers[lo - 1];
  if (header === undefined) return undefined;
  // Each value reads its line, so only lines up to ROW_MAX: a long line of many values must not
  // be read once per value.
  let lineStart = at;
  while (lineStart > 0 && text.charCodeAt(lineStart - 1) !== 10) {
    if (at - lineStart >= ROW_MAX) return undefined;
    lineStart--;
  }
  if (lineStart <= header.start) return undefined;
  let lineEnd = at;
  while (lineEnd < text.length && text.charCodeAt(lineEnd) !== 10) {
    if (lineEnd - lineStart >= ROW_MAX) return undefined;
    lineEnd++;
  }
  const d = header.delimiter;
  const column = countOutsideQuotes(text, lineStart, at, d);
  const fields = countOutsideQuotes(text, lineStart, lineEnd, d) + 1;
  return fields === header.fields.length ? header.fields[column] : undefined;
}

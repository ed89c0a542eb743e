/**
 * Column headers as context: in a table written as text (CSV, TSV, a `|`-separated dump), the
 * words that say what a value is stand in the header line, often far above the value and never
 * in its sentence. A header line is a line of at least two delimited fields that all start with
 * a letter ("email,phone,dob,ssn"), followed by rows of as many fields; a value's column is read
 * by counting the delimiters before it on its row.
 */
export interface TableHeader {
  /** Where the header line starts and ends (before its line break). */
  readonly start: number;
  readonly end: number;
  /** Where its last row ends: the rows right below it with as many fields. */
  readonly rowsEnd: number;
  readonly delimiter: number;
  /** The header's field names, lower-cased and trimmed of blanks and quotes. */
  readonly fields: readonly string[];
}

/** Wider lines are not read as headers: a table's header names its columns in a few words each. */
const HEADER_MAX = 2048;
/** Longer rows are not read for their column. */
const ROW_MAX = 4096;
const FIELD_NAME_RE = /^[A-Za-z][\w .#/()-]{0,31}$/;
// A header line's first field and the delimiter after it (, tab ; |), read at each line start:
// most lines fail here, within their first 32 characters.
const FIRST_FIELD_RE = /[ \t]*"?[A-Za-z][\w .#/()-]{0,31}"?[ \t]*([,\t;|])/y;

// Where a line may be a header, a delimiter must stand: only those lines are read.
const DELIMITER_RE = /[,\t;|]/g;

/**
 * The header lines of a text, in order: the lines holding a delimiter, each read once, and only
 * when a value needs it. A header is followed by a row of as many fields: one line of words and
 * commas is prose.
 */
export function tableHeaders(text: string): TableHeader[] {
  const headers: TableHeader[] = [];
  DELIMITER_RE.lastIndex = 0;
  while (DELIMITER_RE.exec(text) !== null) {
    const at = DELIMITER_RE.lastIndex - 1;
    const start = text.lastIndexOf('\n', at) + 1;
    let end = text.indexOf('\n', at);
    if (end === -1) end = text.length;
    DELIMITER_RE.lastIndex = end + 1;
    const lineEnd = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    if (lineEnd - start > HEADER_MAX) continue;
    FIRST_FIELD_RE.lastIndex = start;
    const first = FIRST_FIELD_RE.exec(text);
    if (first === null || FIRST_FIELD_RE.lastIndex > lineEnd) continue;
    const delimiter = first[1].charCodeAt(0);
    const fields = readFields(text, start, lineEnd, delimiter);
    if (fields === undefined) continue;
    // The table goes on while its rows have as many fields; they are not read for headers.
    let rowsEnd = end;
    for (let next; (next = rowEnd(text, rowsEnd + 1, delimiter, fields.length)) !== -1;)
      rowsEnd = next;
    if (rowsEnd === end) continue;
    headers.push({ start, end: lineEnd, rowsEnd, delimiter, fields });
    DELIMITER_RE.lastIndex = rowsEnd + 1;
  }
  return headers;
}

function readFields(
  text: string,
  start: number,
  end: number,
  delimiter: number,
): string[] | undefined {
  const fields: string[] = [];
  for (const raw of text.slice(start, end).split(String.fromCharCode(delimiter))) {
    const name = raw
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .trim();
    if (!FIELD_NAME_RE.test(name)) return undefined;
    fields.push(name.toLowerCase());
  }
  return fields;
}

/** Where the line starting at `start` ends, if it is a row of `fields` fields; -1 otherwise. */
function rowEnd(text: string, start: number, delimiter: number, fields: number): number {
  let end = start;
  while (end < text.length && text.charCodeAt(end) !== 10) {
    if (end - start >= ROW_MAX) return -1;
    end++;
  }
  return end > start && countOutsideQuotes(text, start, end, delimiter) + 1 === fields ? end : -1;
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
 * The header field naming the column the value at `at` stands in, or undefined: the header of
 * the table whose rows hold it.
 */
export function columnName(
  text: string,
  headers: readonly TableHeader[],
  at: number,
): string | undefined {
  // The last header starting before the value.
  let lo = 0;
  let hi = headers.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (headers[mid].start < at) lo = mid + 1;
    else hi = mid;
  }
  const header = headers[lo - 1];
  if (header === undefined || at <= header.end || at > header.rowsEnd) return undefined;
  let lineStart = at;
  while (lineStart > 0 && text.charCodeAt(lineStart - 1) !== 10) lineStart--;
  return header.fields[countOutsideQuotes(text, lineStart, at, header.delimiter)];
}

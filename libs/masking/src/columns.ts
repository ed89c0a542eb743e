import type { ScanInput } from './recognizers/types';

/**
 * Column headers as context: in a table written as text (CSV, TSV, a `|`-separated dump, an SQL
 * INSERT), the words that say what a value is stand in the header, often far above the value and
 * never in its sentence. A header line is a line of at least two delimited fields that all start
 * with a letter ("email,phone,dob,ssn"), followed by rows of as many fields; a value's column is
 * read by counting the delimiters before it on its row. An INSERT's header is its column list,
 * and its rows are the tuples after VALUES. A Markdown table ("| Name | SSN |", its "|---|---|"
 * line and rows with pipes at both ends) is a `|`-separated table whose line-leading pipe opens
 * an empty first field; quotes mean nothing in it, and `\|` is a pipe inside a cell.
 */
export interface TableHeader {
  /** Where the header line starts and ends (before its line break). */
  readonly start: number;
  readonly end: number;
  /** Where its last row ends: the rows right below it with as many fields. */
  readonly rowsEnd: number;
  readonly delimiter: number;
  /**
   * The header's field names, lower-cased and trimmed of blanks and quotes; a Markdown table's
   * has an empty field before its leading pipe (and after its trailing one), so a value's
   * column is the count of pipes before it on its row, as in any other table.
   */
  readonly fields: readonly string[];
  /**
   * Quotes are text and a backslash escapes the character after it: a Markdown table (`\|` is
   * a pipe inside a cell) and a PostgreSQL COPY block (`\t` is a tab inside a value).
   */
  readonly unquoted?: boolean;
  /** An INSERT's rows: where each tuple's '(' stands, in order. Undefined for a text table. */
  readonly tuples?: readonly number[];
}

/** Wider lines are not read as headers: a table's header names its columns in a few words each. */
const HEADER_MAX = 2048;
/** Longer rows are not read for their column. */
const ROW_MAX = 4096;
const FIELD_NAME_RE = /^[A-Za-z][\w .#/()-]{0,31}$/;
// A header line's first field and the delimiter after it (, tab ; |), read at each line start,
// after a Markdown table's leading pipe: most lines fail here, within their first 32 characters.
const FIRST_FIELD_RE = /[ \t]*(\|[ \t]*)?"?[A-Za-z][\w .#/()-]{0,31}"?[ \t]*([,\t;|])/y;

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
    const delimiter = first[2].charCodeAt(0);
    const markdown = first[1] !== undefined;
    if (markdown && delimiter !== PIPE) continue;
    const fields = readFields(text, start, lineEnd, delimiter, markdown);
    if (fields === undefined) continue;
    // The table goes on while its rows have as many fields; they are not read for headers.
    let rowsEnd = end;
    for (let next; (next = rowEnd(text, rowsEnd + 1, delimiter, fields.length, markdown)) !== -1;)
      rowsEnd = next;
    if (rowsEnd === end) continue;
    headers.push({ start, end: lineEnd, rowsEnd, delimiter, fields, unquoted: markdown });
    DELIMITER_RE.lastIndex = rowsEnd + 1;
  }
  const inserts = sqlInserts(text);
  const copies = copyBlocks(text);
  if (copies.length > 0) inserts.push(...copies);
  if (inserts.length === 0) return headers;
  if (copies.length > 0 && inserts.length > copies.length)
    inserts.sort((a, b) => a.start - b.start);
  // An INSERT's or a COPY's lines are its own: a line of it is no text table's header. Both
  // lists run in order of start, and statements do not overlap, so one pass pairs them.
  let j = 0;
  const outside = headers.filter((h) => {
    while (j < inserts.length && inserts[j].rowsEnd < h.start) j++;
    return j === inserts.length || inserts[j].start > h.rowsEnd;
  });
  return [...outside, ...inserts].sort((a, b) => a.start - b.start);
}

// The statement up to its first tuple: table, column list (no parentheses inside) and VALUES.
const INSERT_RE =
  /\binsert\s+(?:ignore\s+)?into\s+[\w.`"[\]]{1,128}\s*\(([^()]{1,2048})\)\s*values\s*\(/gi;
const SQL_COLUMN_RE = /^[a-z_][\w $]{0,63}$/i;

/**
 * An SQL column list's names, lower-cased and unquoted (`name`, "name", [name]); undefined
 * unless it names at least two columns and every one is a plain name.
 */
function sqlColumns(list: string): string[] | undefined {
  const fields: string[] = [];
  for (const raw of list.split(',')) {
    const name = raw.trim().replace(/^([`"[])(.*)[`"\]]$/, '$2');
    if (!SQL_COLUMN_RE.test(name)) return undefined;
    fields.push(name.toLowerCase());
  }
  return fields.length >= 2 ? fields : undefined;
}

/** The INSERT statements of a text with their column lists and the tuples of their rows. */
function sqlInserts(text: string): TableHeader[] {
  const inserts: TableHeader[] = [];
  INSERT_RE.lastIndex = 0;
  for (let m; (m = INSERT_RE.exec(text)) !== null;) {
    const fields = sqlColumns(m[1]);
    const first = INSERT_RE.lastIndex - 1;
    if (fields === undefined) continue;
    const tuples: number[] = [];
    let end = first;
    for (let open = first; ;) {
      tuples.push(open);
      const close = tupleEnd(text, open);
      if (close === -1) {
        end = text.length;
        break;
      }
      end = close;
      let k = skipBlanks(text, close);
      if (text.charCodeAt(k) !== 44) break;
      k = skipBlanks(text, k + 1);
      if (text.charCodeAt(k) !== 40) break;
      open = k;
    }
    inserts.push({
      start: m.index,
      end: first - 1,
      rowsEnd: end,
      delimiter: 44,
      fields,
      tuples,
    });
    INSERT_RE.lastIndex = end;
  }
  return inserts;
}

// pg_dump's data: `COPY table (columns) FROM stdin;`, then one tab-separated row a line, up to
// a line holding only `\.`.
const COPY_RE = /\bcopy\s+[\w."]{1,128}\s*\(([^()]{1,2048})\)\s+from\s+stdin\b[^\n]{0,256}\n/gi;

/** The COPY … FROM stdin blocks of a text, their column lists read as a tab-separated header. */
function copyBlocks(text: string): TableHeader[] {
  const blocks: TableHeader[] = [];
  COPY_RE.lastIndex = 0;
  for (let m; (m = COPY_RE.exec(text)) !== null;) {
    const fields = sqlColumns(m[1]);
    if (fields === undefined) continue;
    const end = COPY_RE.lastIndex - 1;
    let rowsEnd = end;
    for (let next; (next = rowEnd(text, rowsEnd + 1, TAB, fields.length, true)) !== -1;)
      rowsEnd = next;
    if (rowsEnd === end) continue;
    blocks.push({ start: m.index, end, rowsEnd, delimiter: TAB, fields, unquoted: true });
    COPY_RE.lastIndex = rowsEnd;
  }
  return blocks;
}

/** Past the blanks and comments at `k`: a comment ends within ROW_MAX, or the text is not read on. */
function skipBlanks(text: string, k: number): number {
  while (k < text.length) {
    const past = commentEnd(text, k, Math.min(text.length, k + ROW_MAX));
    if (past > k) k = past;
    else if (/\s/.test(text[k])) k++;
    else break;
  }
  return k;
}

/**
 * Where the SQL comment at `k` ("-- …" to the line's end, or "/* … *\/") ends, read up to
 * `until`; `k` when none starts there. An apostrophe in a comment opens no string.
 */
function commentEnd(text: string, k: number, until: number): number {
  const c = text.charCodeAt(k);
  const next = text.charCodeAt(k + 1);
  let e = k + 2;
  if (c === 45 && next === 45) {
    while (e < until && text.charCodeAt(e) !== 10) e++;
    return Math.min(e, until);
  }
  if (c === 47 && next === 42) {
    while (e + 1 < until && !(text.charCodeAt(e) === 42 && text.charCodeAt(e + 1) === 47)) e++;
    return Math.min(e + 2, until);
  }
  return k;
}

/**
 * Reads SQL values from `from` (inside a tuple, at depth 1) and calls `field` with each value's
 * bounds until the tuple closes; returns the index past its ')' or -1 when the text (or text
 * before `until`) ends first.
 * Quoted strings ('…' or "…", backslash escapes, '' doubled), comments and nested parentheses
 * (NOW(), CAST(… AS …)) stay inside one value.
 */
function readTuple(
  text: string,
  from: number,
  field?: (index: number, s: number, e: number) => boolean,
  until = text.length,
): number {
  let depth = 1;
  let quote = 0;
  let index = 0;
  let start = from;
  for (let k = from; k < until; k++) {
    const c = text.charCodeAt(k);
    if (quote !== 0) {
      if (c === 92) k++;
      else if (c === quote) quote = 0;
    } else if (c === 39 || c === 34) quote = c;
    else if (c === 45 || c === 47) k = Math.max(k, commentEnd(text, k, until) - 1);
    else if (c === 40) depth++;
    else if (c === 41 || (c === 44 && depth === 1)) {
      if (c === 41 && --depth > 0) continue;
      if (field !== undefined && !field(index, start, k)) return k + 1;
      if (c === 41) return k + 1;
      index++;
      start = k + 1;
    }
  }
  return -1;
}

/** The index past the ')' closing the tuple whose '(' stands at `open`, or -1. */
function tupleEnd(text: string, open: number): number {
  return readTuple(text, open + 1);
}

const PIPE = 124;
const TAB = 9;

function readFields(
  text: string,
  start: number,
  end: number,
  delimiter: number,
  markdown: boolean,
): string[] | undefined {
  const fields: string[] = [];
  const raws = text.slice(start, end).split(String.fromCharCode(delimiter));
  for (let k = 0; k < raws.length; k++) {
    const name = raws[k]
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .trim();
    // A Markdown table's line-leading pipe, and its trailing one, stand beside nothing.
    const edge = markdown && (k === 0 || k === raws.length - 1) && name === '';
    if (!edge && !FIELD_NAME_RE.test(name)) return undefined;
    fields.push(name.toLowerCase());
  }
  return fields;
}

/** Where the line starting at `start` ends, if it is a row of `fields` fields; -1 otherwise. */
function rowEnd(
  text: string,
  start: number,
  delimiter: number,
  fields: number,
  unquoted: boolean,
): number {
  let end = start;
  while (end < text.length && text.charCodeAt(end) !== 10) {
    if (end - start >= ROW_MAX) return -1;
    end++;
  }
  return end > start && countDelimiters(text, start, end, delimiter, unquoted) + 1 === fields
    ? end
    : -1;
}

/**
 * Delimiters in text[from, to) that separate fields, as readRow splits them: outside double
 * quotes, or in an unquoted table (Markdown, COPY) not escaped by a backslash.
 */
function countDelimiters(
  text: string,
  from: number,
  to: number,
  delimiter: number,
  unquoted = false,
): number {
  let fields = 0;
  readRow(text, from, to, delimiter, unquoted, () => {
    fields++;
    return true;
  });
  return fields - 1;
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
  if (header.tuples !== undefined) return sqlColumn(text, header, at);
  let lineStart = at;
  while (lineStart > 0 && text.charCodeAt(lineStart - 1) !== 10) lineStart--;
  return header.fields[countDelimiters(text, lineStart, at, header.delimiter, header.unquoted)];
}

/**
 * The column of the INSERT `header` whose value holds `at`: the value's place in its tuple, for
 * a value within ROW_MAX characters of its tuple's start (as a text table's rows are).
 */
function sqlColumn(text: string, header: TableHeader, at: number): string | undefined {
  const tuples = header.tuples!;
  let lo = 0;
  let hi = tuples.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tuples[mid] < at) lo = mid + 1;
    else hi = mid;
  }
  if (lo === 0 || at - tuples[lo - 1] > ROW_MAX) return undefined;
  // The values that end before `at`, and whether the tuple closes before it.
  let index = 0;
  let closed = false;
  const before = (k: number, _: number, e: number): boolean => {
    index = k + 1;
    closed = text.charCodeAt(e) === 41;
    return true;
  };
  readTuple(text, tuples[lo - 1] + 1, before, at);
  return closed ? undefined : header.fields[index];
}

/**
 * PERSON from a table's name column: the cells under "first_name", "surname", "customer name"
 * and the like, and under a bare "name" when another column of the table is a person's (an
 * e-mail, a phone number, a date of birth…), so a products table's "name" is left alone. Only
 * cells shaped like a name are reported: up to four capitalized words, or "Last, First". A row
 * whose name cell holds prose ends the table's names: a line of prose with as many commas reads
 * as one more row.
 */
const NAME_FIELDS = new Set(
  (
    'fullname firstname lastname givenname familyname surname middlename forename ' +
    'customername patientname employeename contactname cardholdername cardholder nameoncard ' +
    'accountholder accountholdername holdername personname membername clientname studentname ' +
    'guestname recipientname sendername beneficiaryname payeename applicantname ' +
    'managername ownername authorname legalname preferredname maidenname ' +
    'parentname guardianname spousename physicianname doctorname referrername insuredname ' +
    'policyholder policyholdername billingname shippingname emergencycontactname ' +
    // German, French, Spanish, Italian, Dutch, Polish.
    'vorname nachname familienname prenom nomdefamille apellido apellidos cognome ' +
    'voornaam achternaam nazwisko'
  ).split(' '),
);
/**
 * "Name" itself in those languages, and a display name (apps and products have one too): a
 * name column only in a table of people.
 */
const BARE_NAME_FIELDS = new Set(['name', 'nom', 'nombre', 'nome', 'naam', 'imie', 'displayname']);
const PERSONAL_FIELD_RE =
  /mail|phone|mobile|tel|birth|dob|ssn|addr|adres|passport|patient|employee|geburt|naissance|nacimiento|nascita|geboorte|urodzenia|fodelse|fodsel/;
// A backslash escapes an apostrophe in an SQL string: 'O\\'Brien'. A surname may open with a
// lower-case particle ("de la Cruz", "van der Berg"): that cell ending the table's names left
// every row after it in clear.
const PARTICLE = '(?:d[aeiou]|de[ls]|della|dos|das|van|von|der|den|ter|ten|la|le|bin|ibn|al|el|y) ';
const CELL_NAME_RE = new RegExp(
  `^(?:${PARTICLE})*\\p{Lu}[\\p{L}'’.\\\\-]+(?:,? (?:${PARTICLE})*\\p{Lu}[\\p{L}'’.\\\\-]*){0,3}$`,
  'u',
);
const CELL_NAME_MAX = 64;
/** Two words in lower case (particles aside) in a name cell: a sentence, not a name. */
const PROSE_RE = new RegExp(
  `(?:^|\\s)(?!${PARTICLE})\\p{Ll}\\S*\\s+(?:\\S+\\s+)*?(?!${PARTICLE})\\p{Ll}`,
  'u',
);
/** Placeholders a name column holds where nobody is named. */
const NOT_NAMES = new Set(
  'null none nil tbd tba unknown anonymous redacted test sample example default admin system'.split(
    ' ',
  ),
);
const NAME_SCORE = 0.75;

function folded(field: string): string {
  return field.replace(/[\s_.-]/g, '');
}

/** Which of a header's fields are name columns. */
function nameColumns(fields: readonly string[]): boolean[] {
  const people = fields.some((f) => PERSONAL_FIELD_RE.test(folded(f)));
  return fields.map((f) => {
    const name = folded(f);
    return NAME_FIELDS.has(name) || (people && BARE_NAME_FIELDS.has(name));
  });
}

// A field ending in one of these words, then a delimiter, a line end or an INSERT's ')': only a
// text holding one is searched for tables before any value needs a column.
const NAME_FIELD_END_RE =
  /(?:name|holder|nom|naam|apellidos?|cognome|nazwisko|imie)["'`\] ]*(?:[\t\n\r),;|]|$)/gi;
const FIELD_EDGE = new Set([9, 10, 13, 40, 41, 44, 59, 124]);
/** What a field name holds before such a word: word characters, blanks, quotes, '['. */
function fieldNameCode(c: number): boolean {
  return (
    (c >= 97 && c <= 122) ||
    (c >= 65 && c <= 90) ||
    (c >= 48 && c <= 57) ||
    c === 95 ||
    c === 32 ||
    c === 34 ||
    c === 39 ||
    c === 96 ||
    c === 91
  );
}

/** The text may hold a table with a name column: a field ending in one of those words. */
export function mayHaveNameColumn(text: string): boolean {
  NAME_FIELD_END_RE.lastIndex = 0;
  for (let m; (m = NAME_FIELD_END_RE.exec(text)) !== null;) {
    let k = m.index - 1;
    while (k >= 0 && m.index - k <= 24 && fieldNameCode(text.charCodeAt(k))) k--;
    if (k < 0 || FIELD_EDGE.has(text.charCodeAt(k))) return true;
  }
  return false;
}

/** Reports the name-shaped cells of every name column of `headers`' tables as PERSON. */
export function scanNameColumns(input: ScanInput, headers: readonly TableHeader[]): void {
  const text = input.text;
  // The names of the row being read, as start, end pairs; null once a name cell holds prose (a
  // sentence the row count let in): the table's rows end there. Another value ("N/A", "\N",
  // "Jane Doe 2") is only not reported: ending there left every later row's names in clear.
  let names: number[] | null = [];
  const field = (columns: readonly boolean[], index: number, s: number, e: number): boolean => {
    if (!columns[index] || names === null) return true;
    while (s < e && /[\s"']/.test(text[s])) s++;
    while (e > s && /[\s"']/.test(text[e - 1])) e--;
    const value = text.slice(s, e);
    if (s === e || NOT_NAMES.has(value.toLowerCase())) return true;
    if (e - s <= CELL_NAME_MAX && CELL_NAME_RE.test(value)) names.push(s, e);
    else if (e - s > CELL_NAME_MAX || PROSE_RE.test(value)) names = null;
    return true;
  };
  /** Reports the row's names; false when the table ends at this row. */
  const row = (): boolean => {
    if (names === null) return false;
    for (let k = 0; k < names.length; k += 2)
      input.emit('PERSON', names[k], names[k + 1], NAME_SCORE, 'column-name');
    names = [];
    return true;
  };
  for (const h of headers) {
    const columns = nameColumns(h.fields);
    if (!columns.includes(true)) continue;
    const cell = (index: number, s: number, e: number): boolean => field(columns, index, s, e);
    names = [];
    if (h.tuples !== undefined) {
      for (const t of h.tuples) {
        readTuple(text, t + 1, cell);
        if (!row()) break;
      }
      continue;
    }
    for (let line = h.end + 1; line < h.rowsEnd;) {
      let end = text.indexOf('\n', line);
      if (end === -1 || end > h.rowsEnd) end = h.rowsEnd;
      readRow(text, line, end, h.delimiter, h.unquoted === true, cell);
      if (!row()) break;
      line = end + 1;
    }
  }
}

/**
 * Calls `field` with the bounds of each delimited field of text[from, to), quotes respected (or,
 * in an unquoted table, backslash escapes): the one place a row is split.
 */
function readRow(
  text: string,
  from: number,
  to: number,
  delimiter: number,
  unquoted: boolean,
  field: (index: number, s: number, e: number) => boolean,
): void {
  let quoted = false;
  let index = 0;
  let start = from;
  for (let k = from; k < to; k++) {
    const c = text.charCodeAt(k);
    if (unquoted ? c === 92 : c === 34) {
      if (unquoted) k++;
      else quoted = !quoted;
    } else if (c === delimiter && !quoted) {
      field(index++, start, k);
      start = k + 1;
    }
  }
  field(index, start, to);
}

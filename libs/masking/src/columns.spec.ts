import { columnName, tableHeaders } from './columns';
import { detect } from './detect';
import { growthOverLinear, masked, maskedOnly } from './testing';

describe('column headers as context', () => {
  it('masks every row of a CSV export, not only the one next to its header', () => {
    const csv = [
      'email,phone,dob,ssn',
      'jmiller@outlook.com,4155552671,1984-02-29,078051120',
      'anna.k@wp.pl,2125550147,1985-03-12,536904821',
      'bob@example.org,3125550199,"1990-07-04",219099999',
    ].join('\n');
    expect(masked(csv)).toBe(
      [
        'email,phone,dob,ssn',
        '<EMAIL_ADDRESS>,<PHONE_NUMBER>,<DATE_OF_BIRTH>,<US_SSN>',
        '<EMAIL_ADDRESS>,<PHONE_NUMBER>,<DATE_OF_BIRTH>,<US_SSN>',
        '<EMAIL_ADDRESS>,<PHONE_NUMBER>,"<DATE_OF_BIRTH>",<US_SSN>',
      ].join('\n'),
    );
  });

  it('reads tab- and semicolon-separated tables, quoted fields and CRLF lines', () => {
    const tsv =
      'id\tname\tdate_of_birth\tphone_number\r\n1\tA\t1984-02-29\t4155552671\r\n2\tB\t1985-03-12\t2125550147\r\n';
    expect(masked(tsv)).toBe(
      'id\tname\tdate_of_birth\tphone_number\r\n1\tA\t<DATE_OF_BIRTH>\t<PHONE_NUMBER>\r\n2\tB\t<DATE_OF_BIRTH>\t<PHONE_NUMBER>\r\n',
    );
    const semicolons =
      '"Name";"Geburtsdatum"\n"Müller, Anna";"12.03.1985"\n"Meier, Jan";"01.07.1990"';
    expect(masked(semicolons)).toBe(
      '"Name";"Geburtsdatum"\n"<PERSON>";"<DATE_OF_BIRTH>"\n"<PERSON>";"<DATE_OF_BIRTH>"',
    );
  });

  it('gives no context to a line whose fields do not match the header, or to other columns', () => {
    const rows = 'id,dob\n1,1984-02-29\n2,1985-03-12\n3,1986-04-13\n4,1987-05-14\n';
    const text = `${rows}note: we paid the invoice on 1985-03-12, thanks\n2024-05-01,7`;
    expect(masked(text)).toBe(
      'id,dob\n1,<DATE_OF_BIRTH>\n2,<DATE_OF_BIRTH>\n3,<DATE_OF_BIRTH>\n4,<DATE_OF_BIRTH>\n' +
        'note: we paid the invoice on 1985-03-12, thanks\n2024-05-01,7',
    );
  });

  it('reads a Markdown table: pipes at both ends, its delimiter line, names under its name column', () => {
    const table = [
      '| Name | SSN | Phone | Date of birth |',
      '| :--- | --- | ---: | :---: |',
      '| Jane Doe | 078051120 | 4155552671 | 1985-03-12 |',
      '| John Roe | 536904821 | 2125550147 | 1990-07-04 |',
    ].join('\n');
    const row = '| <PERSON> | <US_SSN> | <PHONE_NUMBER> | <DATE_OF_BIRTH> |';
    expect(masked(table)).toBe([...table.split('\n').slice(0, 2), row, row].join('\n'));
    // Indented, with no delimiter line: still a table of as many pipes on every row.
    expect(masked('  | id | dob |\n  | 7 | 1984-02-29 |')).toBe(
      '  | id | dob |\n  | 7 | <DATE_OF_BIRTH> |',
    );
  });

  it('counts a Markdown cell by its pipes: quotes are text in it, and \\| is a pipe inside a cell', () => {
    const text = [
      '| note | dob |',
      '|---|---|',
      '| said "hi | 1984-02-29 |',
      '| a \\| b | 1985-03-12 |',
    ].join('\n');
    const headers = tableHeaders(text);
    expect(headers.map((h) => h.fields)).toEqual([['', 'note', 'dob', '']]);
    expect(columnName(text, headers, text.indexOf('1984'))).toBe('dob');
    expect(columnName(text, headers, text.indexOf('1985'))).toBe('dob');
    expect(masked(text)).toBe(
      text.replace('1984-02-29', '<DATE_OF_BIRTH>').replace('1985-03-12', '<DATE_OF_BIRTH>'),
    );
    // A products table's bare "name" column stays a product's, in Markdown too.
    const products = '| name | price |\n|---|---|\n| Widget Pro | 19.99 |';
    expect(masked(products)).toBe(products);
  });

  it('names the column a value stands in, quoted fields and all', () => {
    const text = 'sku,"Date of Birth",qty\n"A-1, blue",1984-02-29,2\n';
    const headers = tableHeaders(text);
    expect(headers.map((h) => h.fields)).toEqual([['sku', 'date of birth', 'qty']]);
    expect(columnName(text, headers, text.indexOf('1984'))).toBe('date of birth');
    expect(columnName(text, headers, text.lastIndexOf('2'))).toBe('qty');
  });

  it('reads an SQL INSERT: its column list names the values of every row', () => {
    const sql = [
      'INSERT INTO patients (name, email, dob, ssn) VALUES',
      "('Jane Doe', 'jane@example.com', '1985-03-12', '078051120'),",
      "('Bob Roe', 'bob@example.org', '1990-07-04', '536904821');",
    ].join('\n');
    expect(masked(sql)).toBe(
      [
        'INSERT INTO patients (name, email, dob, ssn) VALUES',
        "('<PERSON>', '<EMAIL_ADDRESS>', '<DATE_OF_BIRTH>', '<US_SSN>'),",
        "('<PERSON>', '<EMAIL_ADDRESS>', '<DATE_OF_BIRTH>', '<US_SSN>');",
      ].join('\n'),
    );
    const mysql =
      'INSERT INTO `users` (`id`, `first_name`, `last_name`, `birth_date`, `created_at`) VALUES ' +
      "(1, 'Anna', 'Müller', '1984-02-29', NOW()), " +
      "(2, 'O\\'Brien', 'Seán', '1990-07-04', CAST('2024-01-02' AS date));";
    expect(masked(mysql)).toBe(
      'INSERT INTO `users` (`id`, `first_name`, `last_name`, `birth_date`, `created_at`) VALUES ' +
        "(1, '<PERSON>', '<PERSON>', '<DATE_OF_BIRTH>', NOW()), " +
        "(2, '<PERSON>', '<PERSON>', '<DATE_OF_BIRTH>', CAST('2024-01-02' AS date));",
    );
  });

  it("reads pg_dump's COPY blocks: its column list names every tab-separated row", () => {
    const dump = [
      '--',
      '-- Data for Name: customers; Type: TABLE DATA',
      '--',
      'COPY public.customers (id, full_name, email, dob, ssn) FROM stdin;',
      '1\tJane Doe\tjane@example.com\t1985-03-12\t078051120',
      '2\tJuan de la Cruz\t\\N\t1990-07-04\t536904821',
      '3\tSaid "Sam" Ali\tsam@example.org\t1979-11-30\t219099999',
      '\\.',
      '',
      "SELECT pg_catalog.setval('public.customers_id_seq', 3, true);",
    ].join('\n');
    const rows = [
      '1\t<PERSON>\t<EMAIL_ADDRESS>\t<DATE_OF_BIRTH>\t<US_SSN>',
      '2\t<PERSON>\t\\N\t<DATE_OF_BIRTH>\t<US_SSN>',
      '3\tSaid "Sam" Ali\t<EMAIL_ADDRESS>\t<DATE_OF_BIRTH>\t<US_SSN>',
    ];
    const lines = dump.split('\n');
    expect(masked(dump)).toBe([...lines.slice(0, 4), ...rows, ...lines.slice(7)].join('\n'));
    const headers = tableHeaders(dump);
    expect(columnName(dump, headers, dump.indexOf('1979'))).toBe('dob');
    expect(columnName(dump, headers, dump.indexOf('setval'))).toBeUndefined();
  });

  it('counts an SQL value by its place in its tuple, strings and nested calls kept whole', () => {
    const sql = "insert into t (note, dob, qty) values ('a, (b', '1984-02-29', 3), ('x', NOW(), 4)";
    const headers = tableHeaders(sql);
    expect(headers.map((h) => h.fields)).toEqual([['note', 'dob', 'qty']]);
    expect(columnName(sql, headers, sql.indexOf('1984'))).toBe('dob');
    expect(columnName(sql, headers, sql.indexOf('3)'))).toBe('qty');
    expect(columnName(sql, headers, sql.indexOf('NOW'))).toBe('dob');
    expect(columnName(sql, headers, sql.indexOf('4)'))).toBe('qty');
    expect(columnName(sql, headers, sql.indexOf('values'))).toBeUndefined();
  });

  it("reads past an INSERT's comments, an apostrophe in one opening no string", () => {
    const sql = [
      'INSERT INTO users (id, note, first_name, dob) VALUES',
      "(1, /* don't */ 'x', 'Anna', '1984-02-29'), -- the first's row",
      "(2, 'y', 'Bob', '1990-07-04');",
    ].join('\n');
    expect(masked(sql)).toBe(
      [
        'INSERT INTO users (id, note, first_name, dob) VALUES',
        "(1, /* don't */ 'x', '<PERSON>', '<DATE_OF_BIRTH>'), -- the first's row",
        "(2, 'y', '<PERSON>', '<DATE_OF_BIRTH>');",
      ].join('\n'),
    );
    const headers = tableHeaders(sql);
    expect(columnName(sql, headers, sql.indexOf('1990'))).toBe('dob');
  });

  it('masks the names in a table of people, in other languages too', () => {
    expect(masked('first_name,last_name,city\nAnna,Müller,Berlin\nJean-Luc,Picard,Lyon')).toBe(
      'first_name,last_name,city\n<PERSON>,<PERSON>,Berlin\n<PERSON>,<PERSON>,Lyon',
    );
    expect(
      maskedOnly(
        'ticket,manager_name,display_name,email\n7,Ada Lovelace,Grace Hopper,gh@example.com',
        'PERSON',
      ),
    ).toBe('ticket,manager_name,display_name,email\n7,<PERSON>,<PERSON>,gh@example.com');
    // An app's display name is no person's: read only beside a person's column.
    const apps = 'id,display_name,scopes\n1,Slack Bot,chat:write';
    expect(masked(apps)).toBe(apps);
    expect(masked('nom;prénom;téléphone\nDupont;Marie;01 23 45 67 89')).toBe(
      'nom;prénom;téléphone\n<PERSON>;<PERSON>;<PHONE_NUMBER>',
    );
  });

  it('masks names with a lower-case particle, and the rows after them', () => {
    const csv = [
      'id,first_name,last_name,email',
      '1,Juan,de la Cruz,jc@example.com',
      '2,Pieter,van der Berg,pv@example.com',
      "3,Anne-Marie,O'Neil,ao@example.com",
    ].join('\n');
    expect(maskedOnly(csv, 'PERSON')).toBe(
      [
        'id,first_name,last_name,email',
        '1,<PERSON>,<PERSON>,jc@example.com',
        '2,<PERSON>,<PERSON>,pv@example.com',
        '3,<PERSON>,<PERSON>,ao@example.com',
      ].join('\n'),
    );
  });

  it('leaves a bare name column alone unless the table is one of people, and cells that are not names', () => {
    const products = 'name,price,sku\nWidget Pro,19.99,SKU-1\nGadget Max,5.00,SKU-2';
    expect(masked(products)).toBe(products);
    const hosts = 'hostname,filename,ip\nWeb One,a.txt,x\nWeb Two,b.txt,y';
    expect(masked(hosts)).toBe(hosts);
    const people = 'name,email\nn/a,-\nTBD,-\nmary,-';
    expect(masked(people)).toBe(people);
  });

  it('reads on past a name cell holding a placeholder or an odd value', () => {
    for (const odd of ['N/A', '-', '\\N', '#N/A', 'Jane Doe 2'])
      expect(
        maskedOnly(`first_name,last_name,email\n${odd},Roe,b@x\nBob,Smith,c@x`, 'PERSON'),
      ).toBe(`first_name,last_name,email\n${odd},<PERSON>,b@x\n<PERSON>,<PERSON>,c@x`);
  });

  it("ends a table's names at a row whose name cell is prose", () => {
    const text = [
      'name,email,plan',
      'Rashad Sipes,rs@example.com,pro',
      'Try to index the interface, maybe it will calculate, we need the matrix!',
      'name,price,sku',
      'Soft Plastic Gloves,640.70,SKU-51458',
    ].join('\n');
    expect(masked(text)).toBe(
      text.replace('Rashad Sipes,rs@example.com', '<PERSON>,<EMAIL_ADDRESS>'),
    );
  });

  it('reads a long table and a long line in linear time', () => {
    const row = 'a@example.org,4155552671,1984-02-29,078051120\n';
    const small = 'email,phone,dob,ssn\n' + row.repeat(2_000);
    const large = 'email,phone,dob,ssn\n' + row.repeat(20_000);
    const time = (text: string): number => {
      let best = Infinity;
      for (let i = 0; i < 2; i++) {
        const t = performance.now();
        detect(text);
        best = Math.min(best, performance.now() - t);
      }
      return best;
    };
    expect(growthOverLinear((t) => detect(t), small, large)).toBeLessThan(3);
    // One tuple as long as the text, full of values that read their column.
    const tuple = (n: number): string =>
      "INSERT INTO t (note, ssn) VALUES ('a', '" + '078051120 '.repeat(n) + "')";
    expect(growthOverLinear((t) => detect(t), tuple(10_000), tuple(100_000))).toBeLessThan(3);
    const people = (n: number): string =>
      'INSERT INTO t (name, email) VALUES ' + "('Jane Doe', 'x'), ".repeat(n) + "('A', 'b')";
    expect(growthOverLinear((t) => detect(t), people(5_000), people(50_000))).toBeLessThan(3);
    const mixed = (n: number): string =>
      "name,email\nJo Do,x\nINSERT INTO t (name, email) VALUES ('Al Bo', 'y');\n".repeat(n);
    expect(growthOverLinear((t) => detect(t), mixed(2_000), mixed(20_000))).toBeLessThan(3);
    // Each INSERT followed by a comment that never closes.
    const unclosed = (n: number): string =>
      "INSERT INTO t (name, email) VALUES ('Al Bo', 'y') /* ".repeat(n);
    expect(growthOverLinear((t) => detect(t), unclosed(2_000), unclosed(20_000))).toBeLessThan(3);
    const wide = 'a,b\n' + '1984-02-29,'.repeat(100_000);
    expect(time(wide)).toBeLessThan(10_000);
  });
});

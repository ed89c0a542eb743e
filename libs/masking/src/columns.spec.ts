import { columnName, tableHeaders } from './columns';
import { detect } from './detect';
import { growthOverLinear, masked } from './testing';

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
      '"Name";"Geburtsdatum"\n"Müller, Anna";"<DATE_OF_BIRTH>"\n"Meier, Jan";"<DATE_OF_BIRTH>"',
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

  it('names the column a value stands in, quoted fields and all', () => {
    const text = 'sku,"Date of Birth",qty\n"A-1, blue",1984-02-29,2\n';
    const headers = tableHeaders(text);
    expect(headers.map((h) => h.fields)).toEqual([['sku', 'date of birth', 'qty']]);
    expect(columnName(text, headers, text.indexOf('1984'))).toBe('date of birth');
    expect(columnName(text, headers, text.lastIndexOf('2'))).toBe('qty');
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
    const wide = 'a,b\n' + '1984-02-29,'.repeat(100_000);
    expect(time(wide)).toBeLessThan(10_000);
  });
});

import { detect } from '../detect';
import { growthOverLinear, masked, maskedOnly } from '../testing';

/**
 * Each unit repeated to 100 KB and to 1 MB: ten times the text takes about ten times as long,
 * not a hundred (growthOverLinear times the two back to back).
 */
function expectLinear(units: readonly string[]): void {
  const gen = (s: string, n: number) => s.repeat(Math.ceil(n / s.length)).slice(0, n);
  for (const unit of units) {
    const small = gen(unit, 100_000);
    const large = gen(unit, 1_000_000);
    expect(growthOverLinear((t) => detect(t), small, large)).toBeLessThan(3);
  }
}

describe('credentials in URLs of any scheme and host', () => {
  it.each([
    [
      'DATABASE_URL=postgres://admin:S3cr3tP4ss@db-primary:5432/app',
      'DATABASE_URL=<URL>',
      'DATABASE_URL=postgres://admin:<PASSWORD>@db-primary:5432/app',
    ],
    [
      'git clone https://deploy:Zx9Qw7Er5Ty3@git.corp.internal/repo.git',
      'git clone <URL>',
      'git clone https://deploy:<PASSWORD>@git.corp.internal/repo.git',
    ],
    [
      'mongodb://root:pw@mongo-0.mongo:27017',
      '<URL>',
      'mongodb://root:<PASSWORD>@mongo-0.mongo:27017',
    ],
    ['postgresql://app:pw@10.0.0.5/db', '<URL>', 'postgresql://app:<PASSWORD>@<IP_ADDRESS>/db'],
    [
      'MONGO_URI="mongodb+srv://app:Zx9Qw7Er5Ty3@cluster0.ab1cd.mongodb.net/prod?retryWrites=true"',
      'MONGO_URI="<URL>"',
      'MONGO_URI="mongodb+srv://app:<PASSWORD>@cluster0.ab1cd.mongodb.net/prod?retryWrites=true"',
    ],
    [
      'REDIS_URL=redis://:s3cretPw@redis:6379/0',
      'REDIS_URL=<URL>',
      'REDIS_URL=redis://:<PASSWORD>@redis:6379/0',
    ],
    [
      'broker amqps://guest:guestPw1@rabbit.internal:5671/vhost.',
      'broker <URL>.',
      'broker amqps://guest:<PASSWORD>@rabbit.internal:5671/vhost.',
    ],
  ])('%s', (text, allTypes, passwordOnly) => {
    expect(masked(text)).toBe(allTypes);
    expect(maskedOnly(text, 'PASSWORD', 'IP_ADDRESS')).toBe(passwordOnly);
  });

  it.each([
    [
      'postgres://admin:p@ss/w0rd@db.internal:5432/app',
      'postgres://admin:<PASSWORD>@db.internal:5432/app',
    ],
    [
      'db postgres://admin:s3cr3t?x#y@db.internal/app.',
      'db postgres://admin:<PASSWORD>@db.internal/app.',
    ],
    ['amqp://guest:gu#est@localhost/vhost', 'amqp://guest:<PASSWORD>@localhost/vhost'],
    ['redis://:a/b?c@cache:6379', 'redis://:<PASSWORD>@cache:6379'],
  ])('finds a password holding "/", "?", "#" or "@" unencoded: %s', (text, passwordOnly) => {
    expect(maskedOnly(text, 'PASSWORD')).toBe(passwordOnly);
    expect(masked(text)).not.toMatch(/w0rd|x#y|est@|b\?c/);
  });

  it('does not take a port, a handle in a path or an address in a path for a password', () => {
    for (const text of [
      'https://host.example.com:8443/users/john@example.org',
      'https://example.com:8080/u/@alice',
      'http://[::1]:8080/a@b.com',
    ])
      expect(maskedOnly(text, 'PASSWORD')).toBe(text);
    expect(maskedOnly('https://user:pw@host.com/path/@alice ok', 'PASSWORD')).toBe(
      'https://user:<PASSWORD>@host.com/path/@alice ok',
    );
  });

  it('reports the URL with the credentials validator, and the password inside it', () => {
    const text = 'DATABASE_URL=postgres://admin:S3cr3tP4ss@db-primary:5432/app';
    expect(detect(text, { entities: ['URL'] })).toEqual([
      { type: 'URL', start: 13, end: text.length, score: 0.95, validator: 'url+credentials' },
    ]);
    expect(detect(text, { entities: ['PASSWORD'] })).toEqual([
      { type: 'PASSWORD', start: 30, end: 40, score: 0.9, validator: 'url-credentials' },
    ]);
  });

  it('keeps the URL span it had for public http URLs', () => {
    expect(masked('db at https://admin:s3cret@db.example.com:5432/app.')).toBe('db at <URL>.');
    expect(masked('(see https://u:p4ss@example.com/a_(b)) ok')).toBe('(see <URL>) ok');
  });

  it('leaves URLs without a password and placeholders alone', () => {
    const sshUrl = 'clone ssh://git@git.corp.internal:22/repo.git';
    expect(maskedOnly(sshUrl, 'PASSWORD', 'URL')).toBe(sshUrl);
    const placeholder = 'postgres://app:${DB_PASSWORD}@db:5432/app';
    expect(maskedOnly(placeholder, 'PASSWORD')).toBe(placeholder);
    const internal = 'see http://wiki.corp.internal/page for details';
    expect(masked(internal)).toBe(internal);
  });

  it('reads many "://" in linear time', () => {
    expectLinear(['a://u:p@', '://', 'x+y.z-w://user:pass@', 'a://u:p/', 'a://u:p/@h.io/@']);
  });
});

describe('git remotes and other logins are not e-mail addresses', () => {
  const emails = (text: string): string[] =>
    detect(text, { entities: ['EMAIL_ADDRESS'] }).map((f) => text.slice(f.start, f.end));

  it.each([
    'git clone git@github.com:acme/api.git',
    'remote: git@bitbucket.org:team/repo.git (fetch)',
    'origin\tgit@gitlab.com:group/sub/repo.git',
    'rsync -a deploy@build.example.com:/srv/app ./app',
    'scp notes.txt alice@corp.com:~/notes.txt',
    'scp alice@corp.com:.ssh/config .',
    'url = "git@github.com:acme/api.git"',
  ])('scp-like remote: %s', (text) => {
    expect(emails(text)).toEqual([]);
    expect(masked(text)).toBe(text);
  });

  it.each([
    'clone ssh://git@gitlab.example.com:2222/group/repo.git',
    'git+ssh://git@github.com/acme/api.git',
    'ssh://deploy@bastion.example.com',
    'sftp://bob@files.example.com/pub/report.csv',
    'https://alice@github.com/acme/api.git',
    'see http://a@b@example.com/x',
  ])('userinfo of a URL: %s', (text) => {
    expect(emails(text)).toEqual([]);
  });

  it('leaves ssh and git URLs without a password alone, and masks http(s) URLs whole', () => {
    const ssh = 'clone ssh://git@gitlab.example.com:2222/group/repo.git now';
    expect(masked(ssh)).toBe(ssh);
    expect(masked('clone https://alice@github.com/acme/api.git now')).toBe('clone <URL> now');
  });

  it('still finds a password in the userinfo, but no address in it', () => {
    const text = 'ssh://deploy:Zx9Qw7Er5Ty3@host.example.com/srv and https://u:p4ss@example.com/x';
    expect(emails(text)).toEqual([]);
    expect(maskedOnly(text, 'PASSWORD')).toBe(
      'ssh://deploy:<PASSWORD>@host.example.com/srv and https://u:<PASSWORD>@example.com/x',
    );
    expect(masked(text)).toBe('<URL> and <URL>');
  });

  it.each<[string, string[]]>([
    ['Contact: alice@example.com: she owns it', ['alice@example.com']],
    ['Owner alice@example.com:', ['alice@example.com']],
    [
      'Owner alice@example.com:\nBackup bob@example.org:\r\n',
      ['alice@example.com', 'bob@example.org'],
    ],
    ['(alice@example.com:) and "bob@example.org:"', ['alice@example.com', 'bob@example.org']],
    [
      'write to alice@example.com:, bob@example.org:; or carol@example.net:!',
      ['alice@example.com', 'bob@example.org', 'carol@example.net'],
    ],
    ['mailto:alice@example.com', ['alice@example.com']],
    [
      'https://example.com/users/john@example.org?cc=jane@example.net',
      ['john@example.org', 'jane@example.net'],
    ],
    ['ssh://git@gitlab.example.com/x alice@example.com', ['alice@example.com']],
    ['git@github.com:acme/api.git by alice@example.com: thanks', ['alice@example.com']],
  ])('still an address: %s', (text, expected) => {
    expect(emails(text)).toEqual(expected);
  });

  it('reads many "@" and "://" in linear time', () => {
    expectLinear(['a@b.io:x', 'a://b@c.io/', 'a://b:c@d@e.io@', 'x@example.com ://']);
  });
});

describe('URL-encoded addresses', () => {
  const emails = (text: string): string[] =>
    detect(text, { entities: ['EMAIL_ADDRESS'] }).map((f) => text.slice(f.start, f.end));

  it.each<[string, string[]]>([
    ['GET /signup?email=jane.doe%40example.com&plan=pro', ['jane.doe%40example.com']],
    ['user=jane%40example.co.uk', ['jane%40example.co.uk']],
    [
      'to=first%2Blast%40example.org&cc=bob@example.net',
      ['first%2Blast%40example.org', 'bob@example.net'],
    ],
    ['a@example.com then b%40example.com', ['a@example.com', 'b%40example.com']],
  ])('%s', (text, expected) => {
    expect(emails(text)).toEqual(expected);
  });

  it('masks them in a log line that has no scheme', () => {
    expect(masked('10.0.0.7 "GET /reset?email=jane.doe%40example.com HTTP/1.1" 200')).toBe(
      '<IP_ADDRESS> "GET /reset?email=<EMAIL_ADDRESS> HTTP/1.1" 200',
    );
  });

  it.each([
    'progress 100%40 done',
    'ratio=25%40x',
    'discount%40off',
    'https://user%40example.com:Zx9Qw7Er5Ty3@db.example.com/x',
  ])('is not an address: %s', (text) => {
    expect(emails(text)).toEqual([]);
  });

  it('reads many "%40" in linear time', () => {
    expectLinear(['a%40b.io ', 'a%40%40%40', '%40example.com@x.io ']);
  });
});

describe('e-mail addresses with a local part in another script', () => {
  it('are masked whole, not from the first letter that looks Latin', () => {
    expect(maskedOnly('mail иван.петров@example.com', 'EMAIL_ADDRESS')).toBe(
      'mail <EMAIL_ADDRESS>',
    );
    expect(maskedOnly('γράψε στο ελένη@example.gr', 'EMAIL_ADDRESS')).toBe(
      'γράψε στο <EMAIL_ADDRESS>',
    );
  });

  it('do not take the words before them in a script written without blanks', () => {
    expect(maskedOnly('请联系joe@example.com', 'EMAIL_ADDRESS')).toBe('请联系<EMAIL_ADDRESS>');
  });
});

describe('URLs in a script written without blanks', () => {
  it('end at the CJK punctuation after them, not at the next blank', () => {
    expect(maskedOnly('访问 https://example.com/a。然后我们去吃饭 ok', 'URL')).toBe(
      '访问 <URL>。然后我们去吃饭 ok',
    );
    expect(maskedOnly('見て https://example.com/docs、次に進む', 'URL')).toBe(
      '見て <URL>、次に進む',
    );
    // The host was read up to the next blank, so the URL was not found at all.
    expect(maskedOnly('访问https://example.com。然后', 'URL')).toBe('访问<URL>。然后');
    // Fullwidth ， and ？ are ',' and '?' once normalized.
    expect(maskedOnly('访问 https://example.com/a，然后我们去吃饭？好 ok', 'URL')).toBe(
      '访问 <URL>，然后我们去吃饭？好 ok',
    );
    expect(maskedOnly('see https://example.com/search?q=北京 ok', 'URL')).toBe('see <URL> ok');
    // A path in another script is still part of the URL.
    expect(maskedOnly('see https://zh.wikipedia.org/wiki/北京 ok', 'URL')).toBe('see <URL> ok');
  });
});

describe('the display name before an address', () => {
  it.each<[string, string]>([
    ['From: Jane Doe <jane.doe@example.com>', 'From: <PERSON> <<EMAIL_ADDRESS>>'],
    [
      'Author: Mary Q. Watson <mwatson@example.org>\nDate: Mon Nov 23 14:02:11 2026',
      'Author: <PERSON> <<EMAIL_ADDRESS>>\nDate: Mon Nov 23 14:02:11 2026',
    ],
    [
      'Co-authored-by: "Li Wei" <wei.li@example.com>',
      'Co-authored-by: "<PERSON>" <<EMAIL_ADDRESS>>',
    ],
    [
      'To: Ana Ruiz <ana_ruiz1990@example.es>, Tom Lee<t.lee@example.com>',
      'To: <PERSON> <<EMAIL_ADDRESS>>, <PERSON><<EMAIL_ADDRESS>>',
    ],
    ["Reported by Seán O'Neil <soneil@example.ie>", 'Reported by <PERSON> <<EMAIL_ADDRESS>>'],
    ['Hello Jane Doe <jane.doe@example.com>', 'Hello <PERSON> <<EMAIL_ADDRESS>>'],
  ])('is masked when the address spells it: %s', (text, expected) => {
    expect(masked(text)).toBe(expected);
  });

  it('is masked even when the policy leaves the address alone', () => {
    expect(maskedOnly('From: Jane Doe <jane.doe@example.com>', 'PERSON')).toBe(
      'From: <PERSON> <jane.doe@example.com>',
    );
  });

  it.each([
    // Services and groups send under names their addresses do not spell.
    'From: GitHub <noreply@github.com>',
    'From: Google Calendar <calendar-notification@google.com>',
    'Reply-To: Acme Billing <billing@acme.com>',
    'To: Support Team <support.team@example.com>',
    // One word of the name in the address is not enough: "jane@" could be anyone's.
    'From: Jane Doe <jane@example.com>',
    'Build Bot <build.bot@example.com>',
    // Not before the address: a URL-encoded one, or words after it.
    'cc=Jane+Doe%3Cjane.doe%40example.com',
    '<jane.doe@example.com> Jane Doe',
  ])('is not a name: %s', (text) => {
    expect(detect(text, { entities: ['PERSON'] })).toEqual([]);
  });

  it('is looked for in linear time, however many addresses follow capitalised words', () => {
    expectLinear([
      'Jane Doe <jane.doe@example.com> ',
      `${'Aaaaaaaaaaaaaaaaaaaaaaaaaaaa '.repeat(4)}<aaaa.aaaa@x.io>`,
    ]);
  });
});

describe('addresses and URLs written with ideographic full stops', () => {
  it.each<[string, string]>([
    ['mail jane.doe@example。com now', 'mail <EMAIL_ADDRESS> now'],
    ['mail jane。doe@example.com now', 'mail <EMAIL_ADDRESS> now'],
    ['mail jane\uff61doe@example\uff61com now', 'mail <EMAIL_ADDRESS> now'],
    ['see https://evil。example。com/x now', 'see <URL> now'],
  ])('are masked whole, as IDNA reads the dots: %s', (text, expected) => {
    expect(masked(text)).toBe(expected);
  });

  it('still end a sentence in Chinese and Japanese', () => {
    expect(masked('请联系我。jane@example.com')).toBe('请联系我。<EMAIL_ADDRESS>');
    expect(masked('详见https://example.com/path。次の文です')).toBe('详见<URL>。次の文です');
    expect(masked('数量为5。10月1日发货。')).toBe('数量为5。10月1日发货。');
  });
});

import { detect } from '../detect';
import { growthOverLinear, masked, maskedOnly } from '../testing';

const AWS_SESSION = 'FwoGZXIvYXdzEBYaDHqa0AP1/oWvk1C3xSKsAZ9yP5y3rT0uQ2wLq9dM4nV8sK1';
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
const PEM_BODY = [
  'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun',
  'VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK',
  'AB==',
];

describe('secrets right after an escape sequence', () => {
  it('reads \\n and \\t in a JSON string as boundaries', () => {
    expect(
      masked('{"log":"export KEYS\\nAKIAIOSFODNN7EXAMPLE\\tsk_live_4eC39HqLyjWDarjtT1zdp7dc"}'),
    ).toBe('{"log":"export KEYS\\n<AWS_ACCESS_KEY>\\t<STRIPE_KEY>"}');
    expect(masked('"AKIAIOSFODNN7EXAMPLE\\r\\nghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"')).toBe(
      '"<AWS_ACCESS_KEY>\\r\\n<GITHUB_TOKEN>"',
    );
  });

  it('reads %XX in a URL as a boundary', () => {
    expect(masked(`GET /cb?next=%2Fhome%3Fid_token%3D${JWT}%26state%3D1 HTTP/1.1`)).toBe(
      'GET /cb?next=%2Fhome%3Fid_token%3D<JWT>%26state%3D1 HTTP/1.1',
    );
  });

  it('still skips a prefix glued to a word', () => {
    expect(masked('xAKIAIOSFODNN7EXAMPLE')).toBe('xAKIAIOSFODNN7EXAMPLE');
    // An escaped backslash followed by "n" is not a line break.
    expect(masked('C:\\\\nAKIAIOSFODNN7EXAMPLE')).toBe('C:\\\\nAKIAIOSFODNN7EXAMPLE');
  });
});

describe('private keys cut by chunking or escaped in JSON', () => {
  it('finds a chunk that holds the body and the footer but no header', () => {
    const chunk = `${PEM_BODY.join('\n')}\n-----END RSA PRIVATE KEY-----\n`;
    expect(masked(chunk)).toBe('<PRIVATE_KEY>\n');
    // The text before the body stays.
    expect(masked(`the key is\n${chunk}bye`)).toBe('the key is\n<PRIVATE_KEY>\nbye');
    // A chunk that starts in the middle of a line.
    expect(masked(`Ab3\n${chunk}`)).toBe('<PRIVATE_KEY>\n');
    // Lines joined with blanks, as when a key is pasted into one line.
    expect(masked(`key: ${PEM_BODY.join(' ')} -----END PRIVATE KEY-----`)).toBe(
      'key: <PRIVATE_KEY>',
    );
  });

  it('finds a JSON-escaped chunk without a header', () => {
    const body = PEM_BODY.join('\\n');
    expect(masked(`{"chunk":"${body}\\n-----END RSA PRIVATE KEY-----\\n"}`)).toBe(
      '{"chunk":"<PRIVATE_KEY>\\n"}',
    );
  });

  it('covers the whole body of a JSON-escaped key without a footer', () => {
    const text = `{"key": "-----BEGIN RSA PRIVATE KEY-----\\n${PEM_BODY.slice(0, 2).join('\\n')}\\n", "n": 1}`;
    expect(masked(text)).toBe('{"key": "<PRIVATE_KEY>\\n", "n": 1}');
  });

  it('does not take prose that names the footer for a key', () => {
    const text = 'A PEM file ends with -----END PRIVATE KEY----- and nothing else';
    expect(masked(text)).toBe(text);
  });
});

describe('Slack tokens', () => {
  it('finds app-level tokens', () => {
    const token = `xapp-1-A0123456789-1234567890123-${'abcdef0123456789'.repeat(4)}`;
    expect(masked(`SLACK_APP_TOKEN=${token}`)).toBe('SLACK_APP_TOKEN=<SLACK_TOKEN>');
    expect(maskedOnly(`socket mode with ${token} ok`, 'SLACK_TOKEN')).toBe(
      'socket mode with <SLACK_TOKEN> ok',
    );
  });

  it('covers the xoxe. prefix of rotating tokens and xoxe- refresh tokens', () => {
    const body =
      'Mi0yLTM0MTQwNDE0MDE3Ni0zNjU5NDY0Njg4MTctNTE4MjA3NTQ5NjA4MC01NDEyOTYyODY5NzUxLThhMTBj';
    expect(masked(`access xoxe.xoxp-1-${body} ok`)).toBe('access <SLACK_TOKEN> ok');
    expect(masked(`bot xoxe.xoxb-1-${body}`)).toBe('bot <SLACK_TOKEN>');
    expect(masked(`refresh xoxe-1-${body}`)).toBe('refresh <SLACK_TOKEN>');
    expect(detect(`xoxe.xoxp-1-${body}`)).toEqual([
      {
        type: 'SLACK_TOKEN',
        start: 0,
        end: 12 + body.length,
        score: 0.95,
        validator: 'slack-token-format',
      },
    ]);
  });
});

describe('credential keys in camelCase and ALL-CAPS names', () => {
  it.each([
    ['{"accessToken": "q8Zk3Lp0Xw9Vb2Nm7Rt5"}', '{"accessToken": "<SECRET>"}'],
    ['{"refreshToken": "q8Zk3Lp0Xw9Vb2Nm7Rt5"}', '{"refreshToken": "<SECRET>"}'],
    ['{"clientSecret": "q8Zk3Lp0Xw9Vb2Nm7Rt5"}', '{"clientSecret": "<SECRET>"}'],
    ['{"userPassword": "Tr0ub4dor&3"}', '{"userPassword": "<PASSWORD>"}'],
    ['adminPassword: Tr0ub4dor&3', 'adminPassword: <PASSWORD>'],
    ['POST /account newPassword=Tr0ub4dor&3', 'POST /account newPassword=<PASSWORD>'],
    [`SessionToken: ${AWS_SESSION}`, 'SessionToken: <SECRET>'],
    ['PGPASSWORD=Tr0ub4dor3 psql -h db -U app', 'PGPASSWORD=<PASSWORD> psql -h db -U app'],
    ['JWTToken: q8Zk3Lp0Xw9Vb2Nm7Rt5', 'JWTToken: <SECRET>'],
    // Lower-case compounds and name endings keep working.
    ['authtoken=q8Zk3Lp0Xw9Vb2Nm7Rt5', 'authtoken=<SECRET>'],
    ['secretkey=q8Zk3Lp0Xw9Vb2Nm7Rt5', 'secretkey=<SECRET>'],
    ['passwords: x7Yq2Lm9', 'passwords: <PASSWORD>'],
  ])('%s', (text, out) => {
    expect(masked(text)).toBe(out);
  });

  it.each([
    'compass: north',
    'COMPASS: NORTH',
    'bypass: enabled',
    'BYPASS: enabled',
    'passenger: John',
    'passThrough: enabled',
    'tests passed: 120',
    'SECRETARY: Jane Smith',
    'AUTHOR: jonathan',
    'PWD=/home/user OLDPWD=/tmp',
  ])('leaves the word in %s alone', (text) => {
    expect(masked(text)).toBe(text);
  });
});

describe('password values with quotes', () => {
  it.each([
    [`{"password": "it's-S3cret!"}`, '{"password": "<PASSWORD>"}'],
    ['{"password": "Xy7\\"kL9#mQ2"}', '{"password": "<PASSWORD>"}'],
    ['{"log":"{\\"password\\":\\"hunter2x\\"}"}', '{"log":"{\\"password\\":\\"<PASSWORD>\\"}"}'],
    // A quote left open (text cut short) is read as a bare value.
    ['{"password": "Xy7kL9#mQ2', '{"password": "<PASSWORD>'],
  ])('%s', (text, out) => {
    expect(masked(text)).toBe(out);
  });

  it('masks a pass phrase to the end of its line or string', () => {
    expect(masked('password: correct horse battery staple')).toBe('password: <PASSWORD>');
    expect(masked('password: correct horse battery staple.\nnext line')).toBe(
      'password: <PASSWORD>.\nnext line',
    );
    expect(masked('{"note": "password: correct horse battery staple", "n": 1}')).toBe(
      '{"note": "password: <PASSWORD>", "n": 1}',
    );
    // Followed by more text on its line: only the value itself.
    expect(masked('password: hunter2 for the staging db, rotate it')).toBe(
      'password: <PASSWORD> for the staging db, rotate it',
    );
    expect(masked('user=bob password=hunter2 host=db')).toBe(
      'user=bob password=<PASSWORD> host=db',
    );
  });

  it('keeps prose about a password', () => {
    expect(masked('password is incorrect')).toBe('password is incorrect');
    expect(masked('The password is required and must be strong.')).toBe(
      'The password is required and must be strong.',
    );
  });
});

describe('values that are not secrets', () => {
  it.each([
    'tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased")',
    'auth_token = os.environ.get("HF_TOKEN_VALUE_1")',
    'author: github.com/jonathan-smithers',
    'auth_method: client_credentials',
    'password: <your-password>',
    'password=${DB_PASSWORD}',
    'password = os.environ["DB_PASSWORD"]',
    'password = getpass.getpass("Password: ")',
    'token_count: 4000, tokens: 12',
  ])('%s', (text) => {
    expect(masked(text)).toBe(text);
  });
});

describe('weak secrets made of words', () => {
  it.each([
    ["clientSecret: 'indexer-secret'", "clientSecret: '<SECRET>'"],
    ['AUDIT_API_TOKEN: dev-only-audit-api-token-change-me', 'AUDIT_API_TOKEN: <SECRET>'],
    ['API_KEY=acme-prod-2024-key', 'API_KEY=<SECRET>'],
    ['password: john.smith', 'password: <PASSWORD>'],
  ])('masks %s: under a credential name a guessable value is still the secret', (text, out) => {
    expect(masked(text)).toBe(out);
  });
});

describe('AWS secret access keys', () => {
  const ID = 'AKIAIOSFODNN7EXAMPLE';
  const KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
  const AWS = ['AWS_ACCESS_KEY', 'AWS_SECRET_KEY'] as const;

  it.each([
    // The credentials file the console offers for download, and the pair as people paste it.
    [`${ID},${KEY}`, '<AWS_ACCESS_KEY>,<AWS_SECRET_KEY>'],
    [`${ID}:${KEY}`, '<AWS_ACCESS_KEY>:<AWS_SECRET_KEY>'],
    [`${ID} ${KEY}`, '<AWS_ACCESS_KEY> <AWS_SECRET_KEY>'],
    [`key ${ID} secret ${KEY}`, 'key <AWS_ACCESS_KEY> secret <AWS_SECRET_KEY>'],
    [
      `Access key ID,Secret access key\n${ID},${KEY}\n`,
      'Access key ID,Secret access key\n<AWS_ACCESS_KEY>,<AWS_SECRET_KEY>\n',
    ],
    [
      `User name,Password,Access key ID,Secret access key\nci-bot,,${ID},${KEY}`,
      'User name,Password,Access key ID,Secret access key\nci-bot,,<AWS_ACCESS_KEY>,<AWS_SECRET_KEY>',
    ],
    [`"${ID}\\n${KEY}"`, '"<AWS_ACCESS_KEY>\\n<AWS_SECRET_KEY>"'],
    [
      `AWS Access Key ID [None]: ${ID}\nAWS Secret Access Key [None]: ${KEY}`,
      'AWS Access Key ID [None]: <AWS_ACCESS_KEY>\nAWS Secret Access Key [None]: <AWS_SECRET_KEY>',
    ],
    // aws sts get-session-token and aws iam create-access-key print JSON.
    [
      `{"AccessKeyId":"ASIAY34FZKBOKMUTVV7A","SecretAccessKey":"${KEY}"}`,
      '{"AccessKeyId":"<AWS_ACCESS_KEY>","SecretAccessKey":"<AWS_SECRET_KEY>"}',
    ],
    // camelCase keys name the AWS secret without the id next to it.
    [`{"SecretAccessKey": "${KEY}"}`, '{"SecretAccessKey": "<AWS_SECRET_KEY>"}'],
    [`secretAccessKey: ${KEY}`, 'secretAccessKey: <AWS_SECRET_KEY>'],
    [`aws_secret_access_key = ${KEY}`, 'aws_secret_access_key = <AWS_SECRET_KEY>'],
    [`AWS_SECRET_ACCESS_KEY=${KEY}`, 'AWS_SECRET_ACCESS_KEY=<AWS_SECRET_KEY>'],
  ])('%s', (text, out) => {
    expect(maskedOnly(text, ...AWS)).toBe(out);
    expect(masked(text)).toBe(out);
  });

  it('masks the secret of a pair for a policy that lists only SECRET', () => {
    expect(maskedOnly(`${ID},${KEY}`, 'SECRET')).toBe(`${ID},<SECRET>`);
  });

  it('masks every credential of aws sts get-session-token output', () => {
    const text = `{"Credentials": {"AccessKeyId": "ASIAY34FZKBOKMUTVV7A", "SecretAccessKey": "${KEY}", "SessionToken": "${AWS_SESSION}", "Expiration": "2026-11-24T01:00:00Z"}}`;
    expect(masked(text)).toBe(
      '{"Credentials": {"AccessKeyId": "<AWS_ACCESS_KEY>", "SecretAccessKey": "<AWS_SECRET_KEY>", "SessionToken": "<SECRET>", "Expiration": "2026-11-24T01:00:00Z"}}',
    );
  });

  it('masks a whole STS session token, however long', () => {
    // Session tokens run to several hundred characters, past where other values are cut.
    const part = 'IQoJb3JpZ2luX2VjEHQaCXVzLWVhc3QtMSJHMEUCIQD6Fz7k+9aB/Lq1xW2pR0sT';
    const token = `${part}${[...part].reverse().join('')}`.repeat(4);
    expect(masked(`{"SessionToken": "${token}", "Expiration": "soon"}`)).toBe(
      '{"SessionToken": "<SECRET>", "Expiration": "soon"}',
    );
    expect(masked(`aws_session_token = ${token}\nregion = us-east-1`)).toBe(
      'aws_session_token = <SECRET>\nregion = us-east-1',
    );
  });

  it.each([
    // A git SHA-1 is 40 hex digits.
    `${ID},0123456789abcdef0123456789abcdef01234567`,
    `${ID} commit 0123456789ABCDEF0123456789ABCDEF01234567`,
    // Longer or shorter runs, and runs glued to other tokens, are something else.
    `${ID},${KEY}x`,
    `${ID},${KEY}==`,
    `${ID},${KEY.slice(1)}`,
    `${ID} sk_${KEY.replace(/[/+]/g, 'A')}`,
    `${ID} ${KEY.replace(/[/+]/g, 'A')}.${KEY.replace(/[/+]/g, 'A')}`,
    // Letters only: a word run, not a key.
    `${ID} ${'AbCdEfGhIj'.repeat(4)}`,
    // Too far from the id.
    `${ID} ${'word '.repeat(13)}${KEY}`,
  ])('leaves the value in %s alone', (text) => {
    const out = maskedOnly(text, ...AWS);
    expect(out.startsWith('<AWS_ACCESS_KEY>')).toBe(true);
    expect(out).toBe(text.replace(ID, '<AWS_ACCESS_KEY>'));
  });
});

describe('linear time on the new scans', () => {
  const repeat = (s: string) => (n: number) => s.repeat(Math.ceil(n / s.length)).slice(0, n);
  it.each<[string, (n: number) => string]>([
    ['PEM footers', repeat('-----END PRIVATE KEY-----')],
    ['PEM bodies and footers', repeat(`${PEM_BODY[0]}\n-----END PRIVATE KEY-----\n`)],
    ['escaped PEM body', (n) => '-----BEGIN PRIVATE KEY-----' + repeat(`${PEM_BODY[0]}\\n`)(n)],
    ['escaped prefixes', repeat('\\neyJ\\tAKIA%3Dsk-')],
    ['ALL-CAPS names', repeat('ABCDEFGHIJKLMNOPQRSTUVWXYZPGPASSWORD')],
    ['pass phrases', repeat('password: a b c d ')],
    ['quoted values', repeat('password: "abc\\"')],
    ['escaped quoted values', repeat('\\"password\\": \\"abc')],
    ['AWS key ids', repeat('AKIAIOSFODNN7EXAMPLE,')],
    ['long token values', repeat(`token: ${'aB3/'.repeat(80)} `)],
    ['one long token value', (n) => 'token: ' + repeat('aB3/Xy9+')(n)],
    ['AWS key ids and base64 runs', repeat(`AKIAIOSFODNN7EXAMPLE ${'aB3/'.repeat(11)} `)],
    ['commands', repeat('curl -u a:b mysql -pX docker login -p Y sshpass ')],
    ['query parameters', repeat('?token=Zq8Wx3Rt9LmP2sKd7FgH1jNc&a&b&c&d=')],
    ['netrc words', repeat('password password login x ')],
    ['base64 certificate prefixes', repeat('LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t')],
    [
      'one base64 private key',
      (n) =>
        'LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUV2UUlCQURBTkJna3Foa2lHOXcwQkFRRUZBQVND' +
        repeat('QUFB')(n),
    ],
    ['labels with dashes', repeat('\n- Client Secret - x Password - y token - based')],
    [
      'name and value fields',
      repeat('- name: DB_PASSWORD \n,, name="xPassword"\n\n key: <password '),
    ],
    ['XML elements', repeat('<password><DbPassword>x<')],
    ['SQL and options', repeat(" -storepass x identified by 'a -Password WITH PASSWORD '")],
    ['other languages\' "is"', repeat('Passwort ist a senha e b mot de passe est c ')],
  ])('%s: 1 MB takes about 10× the time of 100 KB', (_, gen) => {
    const small = gen(100_000);
    const large = gen(1_000_000);
    expect(growthOverLinear((t) => detect(t), small, large)).toBeLessThan(3);
  });
});

describe('credential values in query strings and form bodies', () => {
  it.each([
    [
      'https://example.com/reset?token=Zq8Wx3Rt9LmP2sKd7FgH1jNc&email=jane.doe@example.com',
      'https://example.com/reset?token=<SECRET>&email=<EMAIL_ADDRESS>',
    ],
    [
      'GET /v1/data?api_key=4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c&format=json',
      'GET /v1/data?api_key=<SECRET>&format=json',
    ],
    ['password=Adm1nPw!&email=jane@example.com', 'password=<PASSWORD>&email=<EMAIL_ADDRESS>'],
    ['/cb?access_token=Zq8Wx3Rt9LmP2sKd7FgH1jNc#state=1', '/cb?access_token=<SECRET>#state=1'],
    [
      `s3.amazonaws.com/b/k?X-Amz-Credential=x&X-Amz-Signature=${'9f1c0e8d7b6a5f4e'.repeat(4)}&X-Amz-Date=1`,
      's3.amazonaws.com/b/k?X-Amz-Credential=x&X-Amz-Signature=<SECRET>&X-Amz-Date=1',
    ],
    [
      'SharedAccessSignature=sv=2021-06-08&sig=Zq8Wx3Rt9LmP2sKd7FgH1jNcQ4vB6yU0eA5oI3rT2wE%3D',
      'SharedAccessSignature=sv=2021-06-08&sig=<SECRET>',
    ],
    [
      'blob?sv=2022-11-02&sr=b&sig=Xy7kL9mQ2pR4sT6vW8zA1bC3dE5fG7hJ%2BkL9%3D&se=2026',
      'blob?sv=2022-11-02&sr=b&sig=<SECRET>&se=2026',
    ],
    // An `&` not followed by a parameter is part of the value.
    ['POST /account newPassword=Tr0ub4dor&3', 'POST /account newPassword=<PASSWORD>'],
    ['password=Tr0ub4dor&3 user=bob', 'password=<PASSWORD> user=bob'],
    // Outside a query string a `#` belongs to the password.
    ['password=abc#123xyz next', 'password=<PASSWORD> next'],
  ])('%s', (text, out) => {
    expect(masked(text)).toBe(out);
  });

  it.each([
    'sigma=0.25 and signal=strong',
    'design=final&sign=ok',
    'the signature is required',
    'sig: none',
    'format=json&page=2&sort=desc',
  ])('leaves %s alone', (text) => {
    expect(masked(text)).toBe(text);
  });
});

describe('key names beyond API keys', () => {
  const AZURE_KEY =
    'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
  it.each([
    [
      `DefaultEndpointsProtocol=https;AccountName=acmestore;AccountKey=${AZURE_KEY};EndpointSuffix=core.windows.net`,
      'DefaultEndpointsProtocol=https;AccountName=acmestore;AccountKey=<SECRET>;EndpointSuffix=core.windows.net',
    ],
    ['ENCRYPTION_KEY=Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5', 'ENCRYPTION_KEY=<SECRET>'],
    ['signing_key: 7d9f2b4c8e1a6d3f5b0c9e2a', 'signing_key: <SECRET>'],
    ['encryption key = Xk9vPq2mL7zRT1zdp7dc', 'encryption key = <SECRET>'],
    ['Private key = Xk9vPq2mL7zRT1zdp7dc', 'Private key = <SECRET>'],
    ['Private Key: 5KQwrPbwdL6PhXujxW37FSSQZ1JiwsST4cqQzDeyXtP79zkvFD3', 'Private Key: <SECRET>'],
    ['master_key: q8Zk3Lp0Xw9Vb2Nm7Rt5', 'master_key: <SECRET>'],
    ['SHARED_KEY="q8Zk3Lp0Xw9Vb2Nm7Rt5"', 'SHARED_KEY="<SECRET>"'],
  ])('%s', (text, out) => {
    expect(masked(text)).toBe(out);
  });

  it.each([
    'the private key is stored in the vault',
    'Rotate the encryption key every 90 days.',
    'master key: see the runbook',
    'primary key: id',
    'account key: none',
    'PRIVATE_KEY_PATH=keys',
  ])('leaves %s alone', (text) => {
    expect(masked(text)).toBe(text);
  });
});

describe('generated keys with brackets in them', () => {
  it.each([
    ["SECRET_KEY = 'x7#k2(p9m!q4w8e&r1t5y3u6i0o-a2s4d6f8g0h'", "SECRET_KEY = '<SECRET>'"],
    ["SECRET_KEY = 'nxy=$=v-ou_0et#izuck%z-%t!ll^vrh^2n!u-+1'", "SECRET_KEY = '<SECRET>'"],
    ['SECRET_KEY = "j8!u$3)z=w9%n2^b7*q(c5&x0@v4+e6-r1t#y8m"', 'SECRET_KEY = "<SECRET>"'],
    [
      "DJANGO_SECRET_KEY='django-insecure-8k#2@p!m$z^q3w&e*r(t)y_u+i'",
      "DJANGO_SECRET_KEY='<SECRET>'",
    ],
  ])('%s', (text, out) => {
    expect(masked(text)).toBe(out);
  });

  it.each([
    'secret_key = settings.get_secret("DJANGO_KEY")',
    'token = tokenizer.encode(text)',
    'api_key = os.environ["API_KEY_VALUE"]',
  ])('leaves the call in %s alone', (text) => {
    expect(masked(text)).toBe(text);
  });
});

describe('key labels written as words', () => {
  const AWS_KEY = 'Hx9Kq2Lm7Np4Rs1Tv8Wx3Yz6Ab5Cd0Ef2Gh4Ij/+';
  it.each([
    ['API Key: 4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c', 'API Key: <SECRET>'],
    ['API Key = 4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c', 'API Key = <SECRET>'],
    [`Secret access key: ${AWS_KEY}`, 'Secret access key: <AWS_SECRET_KEY>'],
    ['Client Secret - q8Zk3Lp0Xw9Vb2Nm7Rt5', 'Client Secret - <SECRET>'],
    ['Password - Adm1nPw!', 'Password - <PASSWORD>'],
    ['- Password - Adm1nPw!\n- Host - db', '- Password - <PASSWORD>\n- Host - db'],
    ['| Password - Adm1nPw! |', '| Password - <PASSWORD> |'],
    ['Your password is: Adm1nPw!', 'Your password is: <PASSWORD>'],
    [
      'machine api.example.com login deploy password Sup3rS3cret',
      'machine api.example.com login deploy password <PASSWORD>',
    ],
    ['mysqladmin --password Adm1nPw! status', 'mysqladmin --password <PASSWORD> status'],
    ['mysqladmin --password=Adm1nPw! status', 'mysqladmin --password=<PASSWORD> status'],
  ])('%s', (text, out) => {
    expect(masked(text)).toBe(out);
  });

  it.each([
    'We use token - based auth for everything.',
    'The password - if you have one - goes here.',
    'switch to password - less login with q8Zk3Lp0Xw9Vb2Nm7Rt5',
    'Password - reset',
    'Enter your password and click login.',
    'the password Sup3rS3cret was leaked',
    'login deploy password',
    'use --password to set it',
    'the API key is required',
  ])('leaves %s alone', (text) => {
    expect(masked(text)).toBe(text);
  });
});

describe('names and references that are not credentials', () => {
  it.each([
    'const password = process.env.DB_PASSWORD;',
    'pass: process.env.SMTP_PASS',
    'const apiKey = config.apiKey || ""',
    'AUTH_HEADER = "Authorization"',
    '"secretName": "my-app-tls-secret-name-2024"',
    "credentialsId: 'jenkins-deploy-creds-prod'",
    'SECRET_NAME=prod-db-credentials-v2',
    'auth_method: oauth2_client_credentials',
    'api_key_header_name: x-api-key-header',
    'Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey',
    '"authorization_endpoint": "/oauth2/v2.0/authorize"',
    'tokenUrl: /realms/master/protocol/openid-connect/token',
    'auth_backend: django.contrib.auth.backends.ModelBackend',
    'passwordResetTemplate: emails/reset-password-v2.html',
    'passwordPolicy: "min8-upper-lower-digit"',
    'password: !vault |',
    'signature: documentSignatureSchema,',
    'POLICY_SIGNING_KEYS: keyringSetting,',
    'const sig = document.signature;',
    'var tokens = [...acorn.tokenizer(str)]',
    'var signature = ED25519.sign({',
    'var privateKey = pki.privateKeyFromAsn1(rsaPrivateKey);',
    'privateKey: pair.privateKey,',
    'const secret = connection.credential?.reveal();',
    'const SPECIAL_TOKENS = /<\\|(?:endoftext|fim_prefix)\\|>/g;',
    'const BEARER_RE = /(?:Bearer|Basic|Token)[ \\t]{1,3}/iy;',
    "actor_token: 'Delegation (actor_token) is not supported: exchange the subject token alone',",
    'return { token: `${input}.${signature.toString("base64url")}`, jti };',
    'headers: { authorization: `Bearer ${credential.reveal()}` }',
    '-d subject_token_type=urn:ietf:params:oauth:token-type:jwt',
    'Password: ${{ secrets.DB_PASSWORD }}',
    'password: {{ .Values.db.password }}',
    'token_type: Bearer',
    'session_start: 2024-03-14T09:21:07Z',
    'token: 2024-03-14T09:21:07.123Z',
    'auth_time=2024-03-14T09:21:07+00:00',
  ])('%s', (text) => {
    expect(masked(text)).toBe(text);
  });

  it.each([
    // Environment suffixes and value suffixes still name the credential.
    ['DB_PASSWORD_PROD=Xk9vPq2mL7zR', 'DB_PASSWORD_PROD=<PASSWORD>'],
    ['API_KEY_STAGING=q8Zk3Lp0Xw9Vb2Nm7Rt5', 'API_KEY_STAGING=<SECRET>'],
    ['password_confirm: Xk9vPq2mL7zR!', 'password_confirm: <PASSWORD>'],
    ['PASSWORD_HASH=$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9', 'PASSWORD_HASH=<PASSWORD>'],
    // Vault's AppRole secret_id is a credential.
    ['secret_id: 6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', 'secret_id: <SECRET>'],
    // Random tokens, UUID API keys (Heroku) and passwords with symbols are values.
    ['HEROKU_API_KEY=01234567-89ab-4cde-8f01-23456789abcd', 'HEROKU_API_KEY=<SECRET>'],
    ['api_key: Zq8Wx3Rt9LmP2sKd7FgH1jNc', 'api_key: <SECRET>'],
    ['auth_token=abc-def_Xk9vPq2mL7zR', 'auth_token=<SECRET>'],
    ['"Authorization": "Bearer Zq8Wx3Rt9LmP2sKd7FgH1jNc"', '"Authorization": "<SECRET>"'],
    ['oauth_token: Zq8Wx3Rt9LmP2sKd7FgH1jNc', 'oauth_token: <SECRET>'],
    [
      "Authorization: 'AWS4-HMAC-SHA256 Credential=x/20130524/us-east-1/s3/aws4_request, Signature=fe5f80f77d5fa3beca038a248ff027d0'",
      "Authorization: '<SECRET>'",
    ],
    ['JWT_SECRET=mysupersecretjwtkey', 'JWT_SECRET=<SECRET>'],
    [
      'POLICY_SIGNING_KEYS: dev1:ZGV2LW9ubHktcG9saWN5LXNpZ25pbmctc2VlZCEhISE=',
      'POLICY_SIGNING_KEYS: <SECRET>',
    ],
    ['password: correct-horse-battery-staple', 'password: <PASSWORD>'],
    ['password: Sunshine!', 'password: <PASSWORD>'],
    [
      'SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=Xk9vPq2mL7zRT1zdp7dc+q8Zk3Lp0Xw9=',
      'SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=<SECRET>',
    ],
  ])('still masks %s', (text, out) => {
    expect(masked(text)).toBe(out);
  });
});

describe('session cookies', () => {
  it.each([
    [
      'Cookie: sessionid=3n1k9x7q2m4p8r6t0v5w; csrftoken=abc',
      'Cookie: sessionid=<SECRET>; csrftoken=abc',
    ],
    ['Cookie: JSESSIONID=9A8B7C6D5E4F3A2B1C0D9E8F7A6B5C4D', 'Cookie: JSESSIONID=<SECRET>'],
    ['Cookie: PHPSESSID=k2j3h4g5f6d7s8a9q0w1e2r3t4', 'Cookie: PHPSESSID=<SECRET>'],
    [
      'Set-Cookie: session=eyJ1c2VyX2lkIjo0Mn0.ZfLq3w.Xk9vPq2mL7zRT1zdp7dc; HttpOnly; Path=/',
      'Set-Cookie: session=<SECRET>; HttpOnly; Path=/',
    ],
    [
      'Cookie: connect.sid=s%3AXk9vPq2mL7zR.T1zdp7dcq8Zk3Lp0Xw9Vb2Nm7Rt5',
      'Cookie: connect.sid=<SECRET>',
    ],
    [
      'Cookie: laravel_session=eyJpdiI6Ik1qQ2xYOHZ3eDlq; XSRF-TOKEN=x',
      'Cookie: laravel_session=<SECRET>; XSRF-TOKEN=x',
    ],
    ['session_id: 6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', 'session_id: <SECRET>'],
  ])('%s', (text, out) => {
    expect(masked(text)).toBe(out);
  });

  it.each([
    'session = requests.Session()',
    'session: 12',
    'SESSION_TIMEOUT=3600',
    'sessionStorage.setItem("k", v)',
    'The session is expired, please log in again.',
    'with tf.Session() as session: run(step)',
  ])('leaves %s alone', (text) => {
    expect(masked(text)).toBe(text);
  });
});

describe('passwords on command lines', () => {
  it.each([
    ['curl -u admin:Adm1nPw! https://api.example.com/v1', 'curl -u admin:<PASSWORD> <URL>'],
    ['curl --user deploy:D3pl0yPw -X POST', 'curl --user deploy:<PASSWORD> -X POST'],
    ['curl -s \\\n  -u "deploy:D3pl0y Pw" -X GET', 'curl -s \\\n  -u "deploy:<PASSWORD>" -X GET'],
    ['mysql -h db -u root -pR00tPw! orders', 'mysql -h db -u root -p<PASSWORD> orders'],
    ["mysqldump -uroot -p'R00t Pw!' shop", "mysqldump -uroot -p'<PASSWORD>' shop"],
    [
      'docker login -u deploy -p D3pl0yPw! registry.example.com',
      'docker login -u deploy -p <PASSWORD> registry.example.com',
    ],
    [
      'helm registry login -u ci -p D3pl0yPw! ghcr.io',
      'helm registry login -u ci -p <PASSWORD> ghcr.io',
    ],
    ["sshpass -p 'Sup3rS3cret' ssh deploy@host", "sshpass -p '<PASSWORD>' ssh deploy@host"],
    ['sshpass -pSup3rS3cret ssh deploy@host', 'sshpass -p<PASSWORD> ssh deploy@host'],
  ])('%s', (text, out) => {
    expect(masked(text)).toBe(out);
  });

  it.each([
    'psql -h db -p 5432 -U app',
    'ssh -p 2222 deploy@host',
    'curl -u admin localhost:8080/v1',
    'curl -u "$USER:$PASS" localhost:8080/v1',
    'mysql -u root -p orders',
    'curl -u username:password localhost:8080/v1',
    'docker login -u USER -p PASSWORD ghcr.io',
    'mysql -uroot -ppassword',
    'mysql -u root -p$MYSQL_PWD orders',
    'docker login -u deploy --password-stdin < token.txt',
    'docker run -p 8080:80 nginx',
    'We curl the endpoint; mysql runs on port 3306.',
  ])('leaves %s alone', (text) => {
    expect(masked(text)).toBe(text);
  });
});

describe('passwords passed to a call after the user', () => {
  it.each([
    [
      'requests.get(url, auth=("admin", "Sup3rS3cret!"))',
      'requests.get(url, auth=("admin", "<PASSWORD>"))',
    ],
    [
      "es = Elasticsearch(hosts, basic_auth=('elastic', 'Ch4ngedIt!'))",
      "es = Elasticsearch(hosts, basic_auth=('elastic', '<PASSWORD>'))",
    ],
    ['{"auth": ["bob", "Tr0ub4dor&3"]}', '{"auth": ["bob", "<PASSWORD>"]}'],
    [
      'auth = HTTPBasicAuth("svc-user", "pa55w0rd-2024")',
      'auth = HTTPBasicAuth("svc-user", "<PASSWORD>")',
    ],
    ['ftp.login("admin", "hunter2hunter2")', 'ftp.login("admin", "<PASSWORD>")'],
    ['req.SetBasicAuth("user", `Xy7#kLm9pQ`)', 'req.SetBasicAuth("user", `<PASSWORD>`)'],
    [
      'smtp.PlainAuth("", "mailer", "app-pass-123", "smtp.example.com")',
      'smtp.PlainAuth("", "mailer", "<PASSWORD>", "smtp.example.com")',
    ],
    [
      'DriverManager.getConnection(url, "sa", "Pa$$w0rd")',
      'DriverManager.getConnection(url, "sa", "<PASSWORD>")',
    ],
    [
      'new PasswordAuthentication("user", "Tr0ub4dor&3".toCharArray())',
      'new PasswordAuthentication("user", "<PASSWORD>".toCharArray())',
    ],
    [
      'new NetworkCredential("bob", "S3cure!pw,\\"quoted\\"")',
      'new NetworkCredential("bob", "<PASSWORD>")',
    ],
    // A call inside another one read, or after a stray one in prose, is read too.
    [
      'session.auth(HTTPBasicAuth("bob", "s3cretpw"))',
      'session.auth(HTTPBasicAuth("bob", "<PASSWORD>"))',
    ],
    [
      'pool.login(DriverManager.getConnection(url, "sa", "Pa55word!"))',
      'pool.login(DriverManager.getConnection(url, "sa", "<PASSWORD>"))',
    ],
    [
      'Call login( first, then:\ns = HTTPBasicAuth("bob", "s3cretpw")',
      'Call login( first, then:\ns = HTTPBasicAuth("bob", "<PASSWORD>")',
    ],
    // black's trailing comma after the last item of a tuple over several lines.
    [
      'r = requests.get(\n    url,\n    auth=(\n        "alice",\n        "hunter22",\n    ),\n)',
      'r = requests.get(\n    url,\n    auth=(\n        "alice",\n        "<PASSWORD>",\n    ),\n)',
    ],
  ])('%s', (text, out) => {
    expect(maskedOnly(text, 'PASSWORD')).toBe(out);
  });

  it.each([
    'login(user, password)',
    'auth=(USER, PASS)',
    'HTTPBasicAuth("u", os.environ["PW"])',
    'HTTPBasicAuth("u", f"{pw}")',
    'auth=("user", "${PASSWORD}")',
    'HTTPBasicAuth("username", "password")',
    'session.login("Welcome", "Sign in")',
    'login("%s", "%s")',
    'login(user, "hunter2hunter2")',
    'print("(auth)", "abcdef")',
    'auth=("a", "b", "c")',
    'auth=("a", "b", "c",)',
    'cache[("admin", "Sup3rS3cret!")]',
    'HTTPBasicAuth("user", "unterminated',
  ])('leaves %s alone', (text) => {
    expect(maskedOnly(text, 'PASSWORD')).toBe(text);
  });

  it('reads nested calls once: 200 KB of them cost about what other text does', () => {
    const size = 200_000;
    const plain = 'plain words, numbers 12 and (brackets) '.repeat(size / 40);
    const ms = (text: string): number => {
      const t = process.hrtime.bigint();
      detect(text);
      return Number(process.hrtime.bigint() - t) / 1e6;
    };
    for (const unit of ['login(', 'auth=(', 'HTTPBasicAuth("u", ']) {
      const nested = unit.repeat(size / unit.length);
      ms(nested);
      // Paired and best of five: a noisy neighbour (or a collection) slows one side. Reading each call's
      // arguments again inside the last one's made this about 20.
      let best = Infinity;
      for (let pair = 0; pair < 5 && best >= 8; pair++)
        best = Math.min(best, ms(nested) / Math.max(ms(plain), 0.1));
      expect(best).toBeLessThan(8);
    }
  });
});

describe('vendor tokens without a key name', () => {
  it.each([
    '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',
    'npm_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8',
    'pypi-AgEIcHlwaS5vcmcCJDU3OTM5NjM1LWUzZjAtNDUzZi1hZTY3LTY5YTI0NmRkMTY4YgACKlsz',
    'hf_aBcDeFgHiJkLmNoPqRsTuVwXyZaBcDeFgH',
    'hf_AbCdEfGhIjKlMnOpQrStUvWxYz01234567',
    'dapi0123456789abcdef0123456789abcdef',
    'shpat_0123456789abcdef0123456789abcdef',
    'shpss_0123456789ABCDEF0123456789abcdef',
    'key-3ax6xnjp29jd6fds4gc373sgvjxteol0',
  ])('%s', (token) => {
    expect(maskedOnly(`it was ${token} today`, 'SECRET')).toBe('it was <SECRET> today');
    expect(masked(`"${token}"`)).toBe('"<SECRET>"');
  });

  it.each([
    'SG.ngeVfQFYQlKU0ufo8x5d1A',
    'npm_config_registry=https',
    'npm_package_version',
    'pypi-simple-index',
    'hf_hub_download(repo_id)',
    'dapi0123456789abcdef',
    'shpat_notahexvalue',
    'key-value-store-for-sessions-x',
    'key-abcdefghijklmnopqrstuvwxyzabcdef',
    'monkey-3ax6xnjp29jd6fds4gc373sgvjxteol0',
  ])('leaves %s alone', (text) => {
    expect(masked(text)).toBe(text);
  });
});

describe('private keys in base64', () => {
  const pem = `-----BEGIN PRIVATE KEY-----\n${PEM_BODY.join('\n')}\n-----END PRIVATE KEY-----\n`;
  const b64 = (s: string) => Buffer.from(s).toString('base64');

  it('masks a Kubernetes Secret that holds a key', () => {
    expect(masked(`data:\n  tls.key: ${b64(pem)}\n  tls.crt: x`)).toBe(
      'data:\n  tls.key: <PRIVATE_KEY>\n  tls.crt: x',
    );
    const rsa = pem.replace(/PRIVATE KEY/g, 'RSA PRIVATE KEY');
    expect(masked(`"tls.key": "${b64(rsa)}"`)).toBe('"tls.key": "<PRIVATE_KEY>"');
  });

  it('leaves a certificate and short runs alone', () => {
    const cert = b64(pem.replace(/PRIVATE KEY/g, 'CERTIFICATE'));
    expect(masked(`tls.crt: ${cert}`)).toBe(`tls.crt: ${cert}`);
    expect(masked('LS0tLS1CRUdJTiBQUklW')).toBe('LS0tLS1CRUdJTiBQUklW');
  });
});

describe('passwords labelled in other languages', () => {
  it.each([
    ['Passwort: Sommer2024!Geheim', 'Passwort: <PASSWORD>'],
    ['Kennwort = hunter2xyzzy', 'Kennwort = <PASSWORD>'],
    ['mot de passe : Azerty!2024Paris', 'mot de passe : <PASSWORD>'],
    ['Mot de passe: Lune#42bleue', 'Mot de passe: <PASSWORD>'],
    ['contraseña: MiClave#2024', 'contraseña: <PASSWORD>'],
    ['Contrasena: MiClave#2024', 'Contrasena: <PASSWORD>'],
    ['senha: Br@sil2024', 'senha: <PASSWORD>'],
    ['wachtwoord: Fiets!2024', 'wachtwoord: <PASSWORD>'],
    ['hasło: Zaq1@wsx', 'hasło: <PASSWORD>'],
    ['lösenord: Sommar2024!', 'lösenord: <PASSWORD>'],
    ['passord: Fjell2024!', 'passord: <PASSWORD>'],
    ['salasana: Kesä2024!', 'salasana: <PASSWORD>'],
    ['adgangskode: Hygge2024!', 'adgangskode: <PASSWORD>'],
    ['{"kennwort": "Sommer2024!Geheim"}', '{"kennwort": "<PASSWORD>"}'],
    ['密码：hunter2x。下一步请登录', '密码：<PASSWORD>。下一步请登录'],
    ['数据库密码是Xy7kLm9p请妥善保管', '数据库密码是<PASSWORD>请妥善保管'],
    ['密碼: "Tr0ub4dor&3"', '密碼: "<PASSWORD>"'],
    ['パスワード：Sakura2024!です', 'パスワード：<PASSWORD>です'],
    ['パスワード：「Sakura2024!」です', 'パスワード：「<PASSWORD>」です'],
    ['パスワードは『Sakura2024!』です', 'パスワードは『<PASSWORD>』です'],
    ['密码：「hunter2x」', '密码：「<PASSWORD>」'],
    ['密码是：hunter2x', '密码是：<PASSWORD>'],
    ['비밀번호: hunter2hunter2 입니다', '비밀번호: <PASSWORD> 입니다'],
    ['пароль: Sup3rS3cret!', 'пароль: <PASSWORD>'],
    ['Пароль = qwerty123!, логин admin', 'Пароль = <PASSWORD>, логин admin'],
    ['ЛОГИН: admin\nПАРОЛЬ: qwerty123!', 'ЛОГИН: admin\nПАРОЛЬ: <PASSWORD>'],
    ['пароль: секрет2024', 'пароль: <PASSWORD>'],
    ['пароль: "секрет"', 'пароль: "<PASSWORD>"'],
  ])('%s', (text, out) => {
    expect(masked(text)).toBe(out);
  });

  it.each([
    'Passwort vergessen?',
    'Haben Sie Ihr Kennwort vergessen?',
    'Réinitialiser le mot de passe',
    '¿Olvidaste tu contraseña?',
    'Esqueceu a senha?',
    'Wachtwoord wijzigen',
    'Mot de passe : ******',
    'Kennwort: <Ihr Kennwort>',
    'Password: <your password>',
    'token: <paste the token here> then run it',
    'the Haslon family and the Losenordic case',
    '忘记密码？请点击这里',
    '密码：******',
    'パスワードを忘れた場合',
    'パスワードは必須です',
    'パスワードは「」です',
    '비밀번호를 입력하세요',
    'Введите пароль',
    'непароль: abcdef',
    'НЕПАРОЛЬ: abcdef',
    'Пароль: обязательное поле',
    'Ошибка входа. Пароль: неверный',
    'пароль: ${PASSWORD}',
  ])('leaves %s alone', (text) => {
    expect(masked(text)).toBe(text);
  });

  it.each([
    ['비밀번호는 hunter2secret', '비밀번호는 <PASSWORD>'],
    ['비밀번호는 hunter2secret입니다', '비밀번호는 <PASSWORD>입니다'],
    ['비밀번호가 Tr0ub4dor&3 입니다', '비밀번호가 <PASSWORD> 입니다'],
    ['пароль hunter2secret', 'пароль <PASSWORD>'],
    ['мой пароль qwerty123!, логин admin', 'мой пароль <PASSWORD>, логин admin'],
    ['ПАРОЛЬ Sup3rS3cret.', 'ПАРОЛЬ <PASSWORD>.'],
  ])('takes a password-shaped value after the word without a colon: %s', (text, out) => {
    expect(masked(text)).toBe(out);
  });

  it.each([
    '비밀번호는 8자 이상',
    '비밀번호는 영문과 숫자 8자 이상이어야 합니다',
    '비밀번호는 필수입니다',
    'Пароль обязательное поле',
    'пароль от почты',
    'пароль SHA256 и соль',
    'пароль AES128GCM',
    'пароль Wi-Fi',
    'пароль 12345678',
    'Смените пароль admin',
  ])('leaves %s alone without a colon', (text) => {
    expect(masked(text)).toBe(text);
  });

  it('reads a link after the word without a colon as a link', () => {
    expect(masked('сбросить пароль https://example.com/reset')).toBe('сбросить пароль <URL>');
  });
});

describe('variables and types in code where a password would be', () => {
  it.each([
    'self.password = password',
    'client.login(username=username, password=password)',
    'def login(username: str, password: str):',
    'user.password = hashed_password',
    'return {"password": password}',
    'user.password = newPassword',
    'const password: string = req.body.password;',
    'password: SecretStr',
  ])('leaves %s alone', (text) => {
    expect(masked(text)).toBe(text);
  });

  it.each([
    // In a config file the bare word is the (weak) password itself.
    ['POSTGRES_PASSWORD: password', 'POSTGRES_PASSWORD: <PASSWORD>'],
    ['DB_PASSWORD=password', 'DB_PASSWORD=<PASSWORD>'],
    ['password: password_2024', 'password: <PASSWORD>'],
    ['password: MySecret', 'password: <PASSWORD>'],
    ['password: strong', 'password: <PASSWORD>'],
  ])('still masks %s', (text, out) => {
    expect(masked(text)).toBe(out);
  });
});

describe("MySQL's words after a password", () => {
  it('leaves "using password: YES" alone', () => {
    const text =
      "ERROR 1045 (28000): Access denied for user 'root'@'localhost' (using password: YES)";
    expect(maskedOnly(text, 'PASSWORD')).toBe(text);
  });

  it('still masks a password that is YES elsewhere', () => {
    expect(masked('password: YES')).toBe('password: <PASSWORD>');
  });
});

describe('Go conversions where a secret would be', () => {
  it.each(['secret := []byte(os.Getenv("JWT_SECRET"))', 'jwtSecret := []byte(cfg.JWTSecret)'])(
    'leaves %s alone',
    (text) => {
      expect(masked(text)).toBe(text);
    },
  );

  it('still masks a literal secret', () => {
    expect(masked('secret := "x7#k2(p9m!Zq8Wx3"')).toBe('secret := "<SECRET>"');
  });
});

describe('credential names held as data, with their value beside them', () => {
  const creds = (text: string) => maskedOnly(text, 'PASSWORD', 'SECRET', 'AWS_SECRET_KEY');
  it.each([
    [
      'env:\n  - name: DB_PASSWORD\n    value: "Pr0dDbP@ss2024"\n',
      'env:\n  - name: DB_PASSWORD\n    value: "<PASSWORD>"\n',
    ],
    [
      'env:\n  - name: DB_PASSWORD\n    value: Pr0dDbP@ss2024\n',
      'env:\n  - name: DB_PASSWORD\n    value: <PASSWORD>\n',
    ],
    [
      '{"name":"DB_PASSWORD","value":"Pr0dDbP@ss2024"}',
      '{"name":"DB_PASSWORD","value":"<PASSWORD>"}',
    ],
    [
      '{ "name": "DB_PASSWORD", "value": "Pr0dDbP@ss2024" }',
      '{ "name": "DB_PASSWORD", "value": "<PASSWORD>" }',
    ],
    [
      '{"name": "API_TOKEN", "value": "q8Zk3Lp0Xw9Vb2Nm7Rt5"}',
      '{"name": "API_TOKEN", "value": "<SECRET>"}',
    ],
    [
      '- name: AWS_SECRET_ACCESS_KEY\n  value: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      '- name: AWS_SECRET_ACCESS_KEY\n  value: <AWS_SECRET_KEY>',
    ],
    ['<password>Summer2024!</password>', '<password><PASSWORD></password>'],
    ['<add key="DbPassword" value="Summer2024!" />', '<add key="DbPassword" value="<PASSWORD>" />'],
  ])('%s', (text, out) => {
    expect(creds(text)).toBe(out);
  });

  it.each([
    '- name: DB_PASSWORD\n  valueFrom:\n    secretKeyRef: {name: db, key: password}',
    '- name: SECRET_NAME\n  value: prod-db-creds-2024x',
    '- name: DB_PASSWORD\n\n\n\n  value: Pr0dDbP@ss2024',
    '{"name": "DB_PASSWORD", "type": "SecureString", "value": "x"}',
    '<password>${DB_PASSWORD}</password>',
    'username: DB_PASSWORD\nvalue: Pr0dDbP@ss2024',
  ])('leaves %s alone', (text) => {
    expect(creds(text)).toBe(text);
  });
});

describe('"is" in other languages', () => {
  it.each([
    ['Das Passwort ist Summer2024!', 'Das Passwort ist <PASSWORD>'],
    ['Das Passwort lautet Summer2024!', 'Das Passwort lautet <PASSWORD>'],
    ['Le mot de passe est Summer2024!', 'Le mot de passe est <PASSWORD>'],
    ['La contraseña es Summer2024!', 'La contraseña es <PASSWORD>'],
    ['A senha é Summer2024!', 'A senha é <PASSWORD>'],
  ])('%s', (text, out) => {
    expect(maskedOnly(text, 'PASSWORD')).toBe(out);
  });

  it.each([
    'Das Passwort ist falsch',
    'Le mot de passe est incorrect',
    'A senha e o usuario',
    'the token es ABC-2024-x and the secret est Zq8Wx3Rt9LmP2sKd7FgH1jNc',
  ])('leaves %s alone', (text) => {
    expect(maskedOnly(text, 'PASSWORD', 'SECRET')).toBe(text);
  });
});

describe('passwords in SQL', () => {
  it.each([
    ["CREATE USER app WITH PASSWORD 'Summer2024!';", "CREATE USER app WITH PASSWORD '<PASSWORD>';"],
    ['ALTER USER app IDENTIFIED BY "Summer2024!";', 'ALTER USER app IDENTIFIED BY "<PASSWORD>";'],
    [
      "ALTER ROLE app WITH LOGIN PASSWORD 'secret';",
      "ALTER ROLE app WITH LOGIN PASSWORD '<PASSWORD>';",
    ],
  ])('%s', (text, out) => {
    expect(maskedOnly(text, 'PASSWORD')).toBe(out);
  });

  it.each([
    "the user identified by 'jdoe' logged in",
    'CREATE USER app WITH PASSWORD $1',
    "Enter the password 'twice' to confirm",
  ])('leaves %s alone', (text) => {
    expect(maskedOnly(text, 'PASSWORD')).toBe(text);
  });
});

describe('password options on command lines', () => {
  it.each([
    [
      "Invoke-Sqlcmd -ServerInstance sql01 -Username sa -Password 'Summer2024!'",
      "Invoke-Sqlcmd -ServerInstance sql01 -Username sa -Password '<PASSWORD>'",
    ],
    ['app --db-password Summer2024!', 'app --db-password <PASSWORD>'],
    ['keytool -storepass Summer2024!', 'keytool -storepass <PASSWORD>'],
    ['keytool -destkeypass Summer2024!', 'keytool -destkeypass <PASSWORD>'],
  ])('%s', (text, out) => {
    expect(maskedOnly(text, 'PASSWORD')).toBe(out);
  });

  it.each([
    'app --db-password $DB_PASSWORD',
    '-Password (ConvertTo-SecureString $pw -AsPlainText -Force)',
    'use the -password option',
    'compass Summer2024!',
    'my-password Summer2024!',
  ])('leaves %s alone', (text) => {
    expect(maskedOnly(text, 'PASSWORD')).toBe(text);
  });
});

describe('AWS settings given their value after a blank', () => {
  it.each([
    [
      'aws configure set aws_secret_access_key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'aws configure set aws_secret_access_key <AWS_SECRET_KEY>',
    ],
    [
      'aws configure set aws_session_token FwoGZXIvYXdzEBYaDHqa0AP1/oWvk1C3xSKsAZ9yP5y3rT0uQ2wLq9dM4nV8sK1',
      'aws configure set aws_session_token <SECRET>',
    ],
  ])('%s', (text, out) => {
    expect(masked(text)).toBe(out);
  });

  it.each([
    'set aws_secret_access_key in your environment first',
    'the secret_access_key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY is not named for AWS here',
  ])('leaves %s alone', (text) => {
    expect(maskedOnly(text, 'AWS_SECRET_KEY', 'SECRET')).toBe(text);
  });
});

describe('"pw" for password', () => {
  it.each([
    ['my new pw is Tr0ub4dor&3', 'my new pw is <PASSWORD>'],
    ['pw: Xk9#mP2v', 'pw: <PASSWORD>'],
    ['PW=Xk9#mP2v', 'PW=<PASSWORD>'],
    ['login: admin / pw: Hunter2!x', 'login: admin / pw: <PASSWORD>'],
  ])('%s', (text, out) => {
    expect(masked(text)).toBe(out);
  });

  it.each(['the pwn was fast', 'PWM: 128', 'a pw is needed', 'kpw: 12345678', 'upgrade pw:1'])(
    'leaves %s alone',
    (text) => {
      expect(masked(text)).toBe(text);
    },
  );
});

describe('environment variables named …_KEY', () => {
  it.each([
    ['SENDGRID_KEY=9bX2kL7pQ4rT8vW1yZ3aC5dE7fG9hJ2k', 'SENDGRID_KEY=<SECRET>'],
    [
      'NEW_RELIC_LICENSE_KEY=eu01xx4c2b8e5f7a9d1c3e5f7a9b1d3f5NRAL',
      'NEW_RELIC_LICENSE_KEY=<SECRET>',
    ],
    [
      'MAPBOX_KEY: pk.eyJ1IjoiYWNtZSIsImEiOiJja2x4eXo5In0.Zx9Qw7Er5Ty3Ui1Op',
      'MAPBOX_KEY: <SECRET>',
    ],
  ])('%s', (text, out) => {
    expect(masked(text)).toBe(out);
  });

  it.each([
    'S3_KEY=uploads/2024/report.png',
    'sort_key: created_at_desc_2024',
    'CACHE_KEY=user_profile_v2',
    'REDIS_KEY_PREFIX=app',
    'x_KEY=9bX2kL7pQ4rT8vW1yZ3aC5dE7fG9hJ2k',
    'KEY_FILE=/etc/ssl/key.pem',
  ])('leaves %s alone', (text) => {
    expect(masked(text)).toBe(text);
  });
});

describe('connection strings without a scheme', () => {
  it.each([
    [
      'db, err := sql.Open("mysql", "root:G0l4ngR00t@tcp(127.0.0.1:3306)/app")',
      'db, err := sql.Open("mysql", "root:<PASSWORD>@tcp(127.0.0.1:3306)/app")',
    ],
    [
      'jdbc:oracle:thin:scott/tiger123@//ora.internal:1521/ORCL',
      'jdbc:oracle:thin:scott/<PASSWORD>@//ora.internal:1521/ORCL',
    ],
    ['sqlplus system/Welcome1@ORCL', 'sqlplus system/<PASSWORD>@ORCL'],
  ])('%s', (text, out) => {
    expect(maskedOnly(text, 'PASSWORD')).toBe(out);
  });

  it.each([
    'sqlplus / as sysdba',
    'sqlplus scott/$PW@db',
    'url := "@tcp(localhost:3306)/db"',
    'jdbc:oracle:thin:@//host:1521/svc',
  ])('leaves %s alone', (text) => {
    expect(maskedOnly(text, 'PASSWORD')).toBe(text);
  });

  it('reads many anchors in linear time', () => {
    const gen = (unit: string, n: number) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
    for (const unit of ['@tcp(', 'sqlplus ', 'jdbc:oracle:thin:', 'a@tcp(b']) {
      const small = gen(unit, 100_000);
      const large = gen(unit, 1_000_000);
      const run = (t: string) => detect(t, { entities: ['PASSWORD'] });
      expect(growthOverLinear(run, small, large)).toBeLessThan(3);
    }
  });
});

import { keyringSetting } from '@embargo/config';
import { DocumentSigner, DocumentVerifier } from '@embargo/crypto';
import { REPO_ROOT } from '@embargo/testing';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';

/** The `embargo` command as an operator runs it: `node bin/embargo.js …` from the repo root. */
interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function embargo(
  args: string[],
  opts: {
    input?: string | Buffer;
    env?: Record<string, string>;
    cwd?: string;
    /** Killed after this long (its code is then null): a command that hangs fails its test. */
    killAfterMs?: number;
  } = {},
) {
  return new Promise<Run>((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, TZ: 'UTC', ...opts.env };
    if (!opts.env?.EMBARGO_MASKING_KEYS) delete env.EMBARGO_MASKING_KEYS;
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'embargo.js'), ...args], {
      cwd: opts.cwd ?? REPO_ROOT,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    // Decoded as a stream: a character split between two reads stays whole.
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const kill = opts.killAfterMs
      ? setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs)
      : undefined;
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(kill);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

interface Masked {
  text: string;
  entities: { type: string; start: number; end: number; score: number }[];
}

const jsonLines = (s: string) =>
  s
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const toLines = (...texts: string[]) => texts.map((text) => JSON.stringify({ text })).join('\n');

const keyring = () => `m1:${randomBytes(32).toString('base64')}`;

describe('embargo mask', () => {
  it('masks secrets with the policy default masking, offsets pointing into the original text', async () => {
    const key = 'AKIAIOSFODNN7EXAMPLE';
    const original = `deploy with key ${key} please`;
    const run = await embargo(['mask'], { input: `${toLines(original, 'nothing here')}\n` });

    expect(run.code).toBe(0);
    const [first, second] = jsonLines(run.stdout) as unknown as Masked[];
    expect(jsonLines(run.stdout)).toHaveLength(2);
    expect(first.text).not.toContain(key);
    expect(first.text).toContain('deploy with key');
    expect(first.text).toContain('please');
    expect(first.entities).toHaveLength(1);
    const [e] = first.entities;
    expect(e.type).toBe('AWS_ACCESS_KEY');
    expect(original.slice(e.start, e.end)).toBe(key);
    expect(e.score).toBeGreaterThan(0);
    expect(e.score).toBeLessThanOrEqual(1);
    // The default is the policy's (secrets only): plain text passes untouched.
    expect(second).toEqual({ text: 'nothing here', entities: [] });
  });

  it('masks only the chosen entities with the chosen strategy', async () => {
    const original =
      'card 4111 1111 1111 1111, mail jane.doe@example.org, key AKIAIOSFODNN7EXAMPLE';
    const run = await embargo(
      ['mask', '--entities', 'EMAIL_ADDRESS,CREDIT_CARD', '--strategy', 'keep_last'],
      { input: toLines(original) },
    );

    expect(run.code).toBe(0);
    const [out] = jsonLines(run.stdout) as unknown as Masked[];
    expect(out.text).toContain('1111');
    expect(out.text).not.toContain('4111 1111 1111 1111');
    expect(out.text).toMatch(/\*{4} \*{4} \*{4} 1111/);
    expect(out.text).not.toContain('jane.doe@example.org');
    expect(out.text).not.toContain('jane');
    // Not asked for, so left alone.
    expect(out.text).toContain('AKIAIOSFODNN7EXAMPLE');
    expect(out.entities.map((e) => e.type).sort()).toEqual(['CREDIT_CARD', 'EMAIL_ADDRESS']);
    const card = out.entities.find((e) => e.type === 'CREDIT_CARD')!;
    expect(original.slice(card.start, card.end)).toBe('4111 1111 1111 1111');
    const email = out.entities.find((e) => e.type === 'EMAIL_ADDRESS')!;
    expect(original.slice(email.start, email.end)).toBe('jane.doe@example.org');
  });

  it('refuses a keyed strategy without a key ring, naming the setting', async () => {
    const run = await embargo(['mask', '--strategy', 'hash', '--entities', 'EMAIL_ADDRESS'], {
      input: toLines('mail jane.doe@example.org'),
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/hash.*needs a key ring/);
    expect(run.stderr).toContain('EMBARGO_MASKING_KEYS');

    const bad = await embargo(['mask', '--strategy', 'hash'], {
      input: toLines('mail jane.doe@example.org'),
      env: { EMBARGO_MASKING_KEYS: 'm1:c2hvcnQ=' },
    });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain('invalid EMBARGO_MASKING_KEYS');
    expect(bad.stderr).not.toContain('c2hvcnQ');
  });

  it('hashes to a stable pseudonym with a key ring, and to another one with another key', async () => {
    const keys = keyring();
    const input = toLines('mail jane.doe@example.org', 'again jane.doe@example.org', 'x@y.org');
    const args = ['mask', '--strategy', 'hash', '--entities', 'EMAIL_ADDRESS'];
    const run = await embargo(args, { input, env: { EMBARGO_MASKING_KEYS: keys } });

    expect(run.code).toBe(0);
    const [a, b, c] = jsonLines(run.stdout) as unknown as Masked[];
    const pseudonym = /<EMAIL_ADDRESS:[0-9a-f]{12}>/;
    const pa = pseudonym.exec(a.text)?.[0];
    expect(pa).toBeDefined();
    expect(a.text).toBe(`mail ${pa}`);
    expect(b.text).toBe(`again ${pa}`);
    expect(c.text).toMatch(pseudonym);
    expect(c.text).not.toBe(pa);

    const again = await embargo(args, { input, env: { EMBARGO_MASKING_KEYS: keys } });
    expect(again.stdout).toBe(run.stdout);
    const otherKey = await embargo(args, { input, env: { EMBARGO_MASKING_KEYS: keyring() } });
    expect(otherKey.code).toBe(0);
    expect((jsonLines(otherKey.stdout)[0] as unknown as Masked).text).not.toBe(a.text);
  });

  it('answers a line that is not JSON with an error in its place and exits 1', async () => {
    const input = [
      JSON.stringify({ text: 'first a@example.org' }),
      '{"text": "broken',
      JSON.stringify({ text: 'third b@example.org' }),
    ].join('\n');
    const run = await embargo(['mask', '--entities', 'EMAIL_ADDRESS'], { input });

    expect(run.code).toBe(1);
    const out = jsonLines(run.stdout);
    expect(out).toHaveLength(3);
    expect(out[0]).toEqual({
      text: 'first <EMAIL_ADDRESS>',
      entities: [{ type: 'EMAIL_ADDRESS', start: 6, end: 19, score: expect.any(Number) }],
    });
    expect(out[1]).toEqual({ error: 'line 2: not valid JSON' });
    expect(out[2]).toMatchObject({ text: 'third <EMAIL_ADDRESS>' });
    expect(run.stderr).toBe(
      'embargo: line 2: not valid JSON\n' +
        'embargo: 1 of 3 line(s) could not be masked; each has an {"error"} line in the output\n',
    );
  });

  it('answers a line longer than --max-line-bytes with an error in its place, without holding it', async () => {
    const input = [
      JSON.stringify({ text: 'first a@example.org' }),
      JSON.stringify({ text: `long ${'x'.repeat(200_000)} c@example.org` }), // several reads
      JSON.stringify({ text: 'third b@example.org' }) + '\r',
      JSON.stringify({ text: 'é'.repeat(600) }), // 1200 bytes of UTF-8 in 600 characters
    ].join('\n');
    const args = ['mask', '--entities', 'EMAIL_ADDRESS', '--max-line-bytes', '1024'];
    const run = await embargo(args, { input });

    expect(run.code).toBe(1);
    expect(jsonLines(run.stdout)).toEqual([
      expect.objectContaining({ text: 'first <EMAIL_ADDRESS>' }),
      { error: 'line 2: longer than --max-line-bytes (1024)' },
      expect.objectContaining({ text: 'third <EMAIL_ADDRESS>' }),
      { error: 'line 4: longer than --max-line-bytes (1024)' },
    ]);
    expect(run.stderr).toContain('embargo: line 4: longer than --max-line-bytes (1024)\n');
    expect(run.stderr).toContain('2 of 4 line(s) could not be masked');

    // Under the default limit, a line read in several pieces (split inside a character) is whole.
    const long = `${'é'.repeat(150_000)} d@example.org`;
    const whole = await embargo(['mask', '--entities', 'EMAIL_ADDRESS'], {
      input: JSON.stringify({ text: long }),
    });
    expect(whole.code).toBe(0);
    expect(jsonLines(whole.stdout)).toEqual([
      expect.objectContaining({ text: `${'é'.repeat(150_000)} <EMAIL_ADDRESS>` }),
    ]);
  });

  it('keeps as many characters as --keep asks, and refuses a --keep that is not a count', async () => {
    const args = ['mask', '--entities', 'CREDIT_CARD', '--strategy', 'keep_last'];
    const input = toLines('card 4111 1111 1111 1111');
    const two = await embargo([...args, '--keep', '2'], { input });
    expect(two.code).toBe(0);
    expect((jsonLines(two.stdout)[0] as unknown as Masked).text).toBe('card **** **** **** **11');

    const bad = await embargo([...args, '--keep', 'all'], { input });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr.trim()).toBe('embargo: --keep must be a whole number from 0 to 64, not all');
  });

  it('names at most 20 bad lines on stderr, then counts them all', async () => {
    const input = Array.from({ length: 25 }, (_, k) => `not json ${k}`).join('\n');
    const run = await embargo(['mask', '--entities', 'EMAIL_ADDRESS'], { input });

    expect(run.code).toBe(1);
    expect(jsonLines(run.stdout)).toHaveLength(25);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(21);
    expect(lines[19]).toBe('embargo: line 20: not valid JSON');
    expect(lines[20]).toContain('25 of 25 line(s) could not be masked (the first 20 named above)');
  });

  it('refuses --keep without keep_last and an --entities list that names nothing', async () => {
    const input = toLines('card 4111 1111 1111 1111');
    const keep = await embargo(['mask', '--entities', 'CREDIT_CARD', '--keep', '2'], { input });
    expect(keep.code).toBe(1);
    expect(keep.stdout).toBe('');
    expect(keep.stderr.trim()).toBe('embargo: --keep applies to --strategy keep_last only');
    // Under the policy's default masking too, which picks its own strategies.
    const plan = await embargo(['mask', '--keep', '6'], { input });
    expect(plan.code).toBe(1);
    expect(plan.stderr.trim()).toBe('embargo: --keep applies to --strategy keep_last only');

    // As `-e "$TYPES"` gives when TYPES is unset: not "mask nothing".
    for (const empty of ['', ' , ']) {
      const run = await embargo(['mask', '--entities', empty], { input });
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr.trim()).toBe('embargo: --entities names no entity type');
    }
  });

  it('refuses an unknown entity type, naming it', async () => {
    const run = await embargo(['mask', '--entities', 'EMAIL_ADDRESS,SHOE_SIZE'], {
      input: toLines('a@example.org'),
    });
    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('unknown entity type SHOE_SIZE');
  });

  it('answers a blank line with an empty result in its place, so lines stay aligned', async () => {
    const input = [
      JSON.stringify({ text: 'first a@example.org' }),
      '',
      '   ',
      JSON.stringify({ text: 'fourth b@example.org' }),
    ].join('\n');
    const run = await embargo(['mask', '--entities', 'EMAIL_ADDRESS'], { input });

    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')).toHaveLength(5); // four lines, each ended by a newline
    expect(jsonLines(run.stdout)).toEqual([
      expect.objectContaining({ text: 'first <EMAIL_ADDRESS>' }),
      { text: '', entities: [] },
      { text: '', entities: [] },
      expect.objectContaining({ text: 'fourth <EMAIL_ADDRESS>' }),
    ]);
    expect(run.stderr).toBe('');
  });

  it('answers a line that is not valid UTF-8 with an error in its place, not a changed text', async () => {
    const input = Buffer.concat([
      Buffer.from(`${JSON.stringify({ text: 'first a@example.org' })}\n{"text":"bad `),
      Buffer.from([0xff, 0xfe]),
      Buffer.from(` b@example.org"}\n${JSON.stringify({ text: 'third c@example.org' })}\n`),
    ]);
    const run = await embargo(['mask', '--entities', 'EMAIL_ADDRESS'], { input });

    expect(run.code).toBe(1);
    expect(jsonLines(run.stdout)).toEqual([
      expect.objectContaining({ text: 'first <EMAIL_ADDRESS>' }),
      { error: 'line 2: not valid UTF-8' },
      expect.objectContaining({ text: 'third <EMAIL_ADDRESS>' }),
    ]);
    expect(run.stdout).not.toContain('\uFFFD');
    expect(run.stderr).toContain('1 of 3 line(s) could not be masked');
  });

  it('ignores a byte-order mark at the start of a line', async () => {
    const line = JSON.stringify({ text: 'mail a@example.org' });
    const run = await embargo(['mask', '--entities', 'EMAIL_ADDRESS'], {
      input: `\uFEFF${line}\n\uFEFF${line}\n`,
    });

    expect(run.code).toBe(0);
    expect(jsonLines(run.stdout)).toEqual([
      expect.objectContaining({ text: 'mail <EMAIL_ADDRESS>' }),
      expect.objectContaining({ text: 'mail <EMAIL_ADDRESS>' }),
    ]);
  });

  it('refuses a --policies directory that does not exist', async () => {
    const missing = join(tmpdir(), `embargo-no-policies-${randomBytes(4).toString('hex')}`);
    for (const args of [
      ['mask', '--policies', missing],
      ['mask', '--policies', missing, '--entities', 'EMAIL_ADDRESS'],
    ]) {
      const run = await embargo(args, { input: toLines('mail a@example.org') });
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr.trim()).toBe(`embargo: --policies ${missing}: no such directory`);
    }
  });

  it('says which masking it uses when the default policy directory is absent', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'embargo-cwd-'));
    try {
      const run = await embargo(['mask'], {
        input: toLines('mail jane.doe@example.org'),
        cwd: elsewhere,
      });
      expect(run.code).toBe(0);
      expect(run.stderr).toBe(
        'embargo: no policy directory deploy/policies here (pass --policies <dir>); ' +
          'masking all 40 entity types with replace\n',
      );
      expect(jsonLines(run.stdout)).toEqual([
        expect.objectContaining({ text: 'mail <EMAIL_ADDRESS>' }),
      ]);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('writes nothing and exits 0 on empty input', async () => {
    const run = await embargo(['mask'], { input: '' });
    expect(run).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('stops quietly when its reader goes away, as in `embargo mask | head -1`', async () => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'embargo.js'), 'mask'], {
      cwd: REPO_ROOT,
      env: { ...process.env, EMBARGO_MASKING_KEYS: '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.stdin.on('error', () => undefined); // it stops reading once it has stopped
    child.stdin.end(
      toLines(...Array.from({ length: 50_000 }, (_, i) => `line ${i} ops@example.com`)),
    );
    await new Promise((resolve) => child.stdout.once('data', resolve));
    child.stdout.destroy(); // the reader has what it wanted
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
  });
});

describe('embargo policy', () => {
  const policies = join(REPO_ROOT, 'deploy', 'policies');
  let tmp: string;

  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'embargo-cli-'));
    cpSync(policies, tmp, { recursive: true });
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  /** Replaces one exact line-fragment in a copied file, failing loudly if it moved. */
  function edit(file: string, from: string, to: string): void {
    const path = join(tmp, file);
    const before = readFileSync(path, 'utf8');
    expect(before).toContain(from);
    writeFileSync(path, before.replace(from, to));
  }

  it('makes a policy signing pair whose public half verifies what the seed signs', async () => {
    const run = await embargo(['policy', 'keygen', '--id', 'p9']);
    expect(run.code).toBe(0);
    const settings: Record<string, string> = Object.fromEntries(
      run.stdout
        .trim()
        .split('\n')
        .map((line) => line.split('=', 2)),
    );
    expect(Object.keys(settings)).toEqual(['POLICY_SIGNING_KEYS', 'POLICY_VERIFY_KEYS']);
    const signer = new DocumentSigner(keyringSetting.parse(settings.POLICY_SIGNING_KEYS));
    const verifier = new DocumentVerifier(keyringSetting.parse(settings.POLICY_VERIFY_KEYS));
    const signed = signer.sign('revocation', { value: 'x' });
    expect(signed.signature.kid).toBe('p9');
    expect(verifier.problem('revocation', signed)).toBeUndefined();
    expect((await embargo(['policy', 'keygen', '--id', 'not-alnum'])).code).toBe(1);
  });

  it('validates the example policies', async () => {
    const run = await embargo(['policy', 'validate', 'deploy/policies']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ok: \d+ rules, hash sha256:[0-9a-f]{64}\n$/);
  });

  it('rejects a broken rule with its file, line, column and rule id', async () => {
    edit('rules.yaml', 'when: request.input_count > 2048', 'when: request.model ==');
    const line =
      readFileSync(join(tmp, 'rules.yaml'), 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('when: request.model ==')) + 1;

    const run = await embargo(['policy', 'validate', tmp]);

    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      new RegExp(`^rules\\.yaml:${line}:\\d+ rule deny-huge-batches\\b.*$`, 'm'),
    );
    expect(run.stderr).toContain('policy rejected: 1 error(s)');
  });

  it('runs the example cases, all passing', async () => {
    const run = await embargo(['policy', 'test', 'deploy/policies/cases.yaml']);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    const last = lines[lines.length - 1];
    const m = /^(\d+) passed, 0 failed$/.exec(last);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBe(lines.filter((l) => l.startsWith('ok ')).length);
    expect(Number(m![1])).toBeGreaterThan(5);
  });

  it('names the case whose expectation is wrong and exits 1', async () => {
    edit(
      'cases.yaml',
      'expect: { effect: deny, denyCode: no_role }\n\n  - name: ML platform',
      'expect: { effect: mask }\n\n  - name: ML platform',
    );
    const run = await embargo(['policy', 'test', join(tmp, 'cases.yaml')]);

    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^FAIL unknown caller is denied by default$/m);
    expect(run.stdout).toMatch(/expected mask, got deny/);
    expect(run.stdout.match(/^FAIL /gm)).toHaveLength(1);
    expect(run.stdout.trim().split('\n').pop()).toMatch(/^\d+ passed, 1 failed$/);
  });

  it('simulates a request on stdin: held for approval, with the rule trace', async () => {
    const request = [
      'principal:',
      '  issuer: https://idp.example.com',
      '  subject: alice',
      '  groups: [ml-platform]',
      'request: { model: text-embedding-3-small, inputCount: 10 }',
      'findings: { CREDIT_CARD: 6 }',
      '',
    ].join('\n');
    const run = await embargo(['policy', 'simulate', '--policies', 'deploy/policies'], {
      input: request,
    });

    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as {
      decision: { effect: string; ruleIds: string[]; approval: { approverGroups: string[] } };
      roles: { role: string; matched: boolean }[];
      rules: { ruleId: string; outcome: string; file: string }[];
    };
    expect(out.decision.effect).toBe('require_approval');
    expect(out.decision.ruleIds).toEqual(['hold-bulk-credit-cards']);
    expect(out.decision.approval.approverGroups).toEqual(['data-protection']);
    expect(out.roles.filter((r) => r.matched).map((r) => r.role)).toEqual(['ml-platform']);
    const outcome = Object.fromEntries(out.rules.map((r) => [r.ruleId, r.outcome]));
    expect(outcome).toMatchObject({
      'hold-bulk-credit-cards': 'matched',
      'hold-bulk-emails': 'not_matched',
      'deny-huge-batches': 'not_matched',
      'allow-granted-models': 'matched',
    });
    expect(out.rules.every((r) => r.file === 'rules.yaml')).toBe(true);

    // Five cards stay under the hold threshold: allowed, with the cards masked.
    const fewer = await embargo(['policy', 'simulate'], {
      input: request.replace('CREDIT_CARD: 6', 'CREDIT_CARD: 5'),
    });
    expect(fewer.code).toBe(0);
    expect((JSON.parse(fewer.stdout) as typeof out).decision.effect).toBe('mask');
  });
});

/**
 * A service that takes the connection and never answers (stalled, or a proxy holding it)
 * does not hold the command: it stops after EMBARGO_HTTP_TIMEOUT_SECONDS with an error
 * naming the service, as a script or cron job running it needs.
 */
describe('embargo against a service that does not answer', () => {
  let server: Server;
  let url: string;
  const held: Socket[] = [];

  beforeAll(async () => {
    server = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  const env = { EMBARGO_HTTP_TIMEOUT_SECONDS: '1' };

  it('stops an audit search and names the audit service', async () => {
    const run = await embargo(['audit', 'search', '--url', url, '--token', 't'], {
      env,
      killAfterMs: 20_000,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`the audit service at ${url} did not answer within 1 s`);
  }, 30_000);

  it('stops a policy simulation and names the policy service', async () => {
    const request =
      'principal: { issuer: https://idp.example.com, subject: a }\nrequest: { model: m }\n';
    const run = await embargo(['policy', 'simulate', '--url', url], {
      input: request,
      env,
      killAfterMs: 20_000,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`the policy service at ${url} did not answer within 1 s`);
  }, 30_000);
});

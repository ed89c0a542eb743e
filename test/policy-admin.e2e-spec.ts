import { eventually, startStack, type Stack } from '@embargo/testing';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface PolicyFile {
  path: string;
  content: string;
}
interface VersionSummary {
  version: number;
  hash: string;
  createdAt: string;
  createdBy: string;
  files: string[];
}
interface Bundle {
  version: number;
  hash: string;
  files: PolicyFile[];
}
/** Every field an admin API answer may carry; each test reads the ones its call returns. */
interface Answer {
  object: string;
  data: VersionSummary[];
  error: { message: string; type: string; code: string; param: string | null };
  errors: { file: string; line?: number; col?: number; ruleId?: string; message: string }[];
  created: boolean;
  version: number;
  hash: string;
  from: number;
  to: number;
  files: { path: string; status: string; lines: string[] }[];
  decision: Record<string, unknown>;
  rules: { ruleId: string; outcome: string }[];
}

/** The changed lines of a line diff, without the context. */
const changes = (lines: string[]) => lines.filter((l) => /^[-+]/.test(l));

/** The policy admin API as an administrator uses it, on the whole running system. */
describe('policy admin API', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  });

  const api = async <T = Answer>(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    token: string | null = stack.adminToken,
  ) => {
    const res = await fetch(`${stack.apps.policy.url}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as T };
  };
  const versions = async () => (await api('GET', '/v1/policy/versions')).body.data;
  const bundle = async (v: number) => (await api<Bundle>('GET', `/v1/policy/versions/${v}`)).body;

  /** Version 1's files with one fragment of rules.yaml replaced. */
  async function v1With(from: string, to: string): Promise<PolicyFile[]> {
    const { files } = await bundle(1);
    const rules = files.find((f) => f.path === 'rules.yaml')!;
    expect(rules.content).toContain(from);
    return files.map((f) => (f === rules ? { ...f, content: f.content.replace(from, to) } : f));
  }

  const held = {
    principal: { id: 'alice', issuer: 'https://idp.example.com', groups: ['ml-platform'] },
    request: { model: 'text-embedding-3-small', inputCount: 10 },
    findings: { CREDIT_CARD: 6 },
  };

  it('refuses callers without the admin token, in the OpenAI error shape', async () => {
    const none = await api('GET', '/v1/policy/versions', undefined, null);
    expect(none.status).toBe(401);
    expect(none.body).toEqual({
      error: {
        message: expect.stringMatching(/bearer token/i),
        type: 'invalid_request_error',
        code: 'unauthenticated',
        param: null,
      },
    });
    const wrong = await api('POST', '/v1/policy/simulate', held, 'x'.repeat(48));
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'invalid_token',
    });
    const rollback = await api('POST', '/v1/policy/rollback', { version: 1 }, 'nope');
    expect(rollback.status).toBe(401);
    expect(await versions()).toHaveLength(1);
  });

  it('lists the policy directory as version 1, with its hash and files', async () => {
    const list = await api('GET', '/v1/policy/versions');
    expect(list.status).toBe(200);
    expect(list.body.object).toBe('list');
    expect(list.body.data).toEqual([
      {
        version: 1,
        hash: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
        createdAt: expect.any(String),
        createdBy: expect.stringContaining(stack.policyDir),
        files: ['base.yaml', 'rules.yaml', 'test-roles.yaml'],
      },
    ]);
    const v1 = await bundle(1);
    expect(v1.hash).toBe(list.body.data[0].hash);
    expect(v1.files.map((f) => f.path)).toEqual(['base.yaml', 'rules.yaml', 'test-roles.yaml']);
    expect(v1.files.find((f) => f.path === 'rules.yaml')!.content).toContain('deny-huge-batches');
  });

  it('versions an upload once, diffs it, and rolls it back as a new version', async () => {
    const files = await v1With(
      'when: request.input_count > 2048',
      'when: request.input_count > 1024',
    );

    const created = await api('POST', '/v1/policy/versions', { files });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      ok: true,
      created: true,
      version: 2,
      hash: expect.stringMatching(/^sha256:/),
    });
    expect(created.body.hash).not.toBe((await bundle(1)).hash);

    // The same content again is not a new version.
    const same = await api('POST', '/v1/policy/versions', { files });
    expect(same.status).toBe(200);
    expect(same.body).toMatchObject({ created: false, version: 2, hash: created.body.hash });
    // File order is not content: the same set listed the other way round is no new version.
    const reordered = await api('POST', '/v1/policy/versions', { files: [...files].reverse() });
    expect(reordered.status).toBe(200);
    expect(reordered.body).toMatchObject({ created: false, version: 2 });
    expect((await versions()).map((v) => v.version)).toEqual([2, 1]);

    const diff = await api('GET', '/v1/policy/diff?from=1&to=2');
    expect(diff.status).toBe(200);
    expect(diff.body).toMatchObject({ from: 1, to: 2 });
    expect(diff.body.files).toHaveLength(1);
    const [changed] = diff.body.files;
    expect(changed).toMatchObject({ path: 'rules.yaml', status: 'changed' });
    expect(changes(changed.lines)).toEqual([
      '-    when: request.input_count > 2048',
      '+    when: request.input_count > 1024',
    ]);

    // The new version decides: 1500 inputs are refused by v2, not by v1.
    const big = { ...held, request: { model: 'text-embedding-3-small', inputCount: 1500 } };
    const underV2 = await api('POST', '/v1/policy/simulate', { ...big, findings: {} });
    expect(underV2.body.decision).toMatchObject({ effect: 'deny', bundleVersion: 2 });
    const underV1 = await api('POST', '/v1/policy/simulate', { ...big, findings: {}, version: 1 });
    expect(underV1.body.decision).toMatchObject({ effect: 'mask', bundleVersion: 1 });

    const rolledBack = await api('POST', '/v1/policy/rollback', { version: 1 });
    expect(rolledBack.status).toBe(201);
    expect(rolledBack.body).toMatchObject({
      created: true,
      version: 3,
      hash: (await bundle(1)).hash,
    });
    expect((await bundle(3)).files).toEqual((await bundle(1)).files);
    const list = await versions();
    expect(list.map((v) => v.version)).toEqual([3, 2, 1]);
    expect(list[0].createdBy).toContain('rollback to v1');
    const back = await api('GET', '/v1/policy/diff?from=2&to=3');
    expect(changes(back.body.files[0].lines)).toEqual([
      '-    when: request.input_count > 1024',
      '+    when: request.input_count > 2048',
    ]);

    // Gateways pick the rolled-back version up from the bundles topic.
    const token = await stack.idp.token('indexer');
    const servedVersion = await eventually(
      async () => {
        const res = await fetch(`${stack.apps.ingress.url}/v1/embeddings`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ model: 'stand-in-embedding', input: 'hello' }),
        });
        await res.arrayBuffer();
        const v = res.headers.get('x-embargo-policy-version');
        return res.status === 200 && v === '3' ? v : undefined;
      },
      30_000,
      'ingress serving policy version 3',
    );
    expect(servedVersion).toBe('3');
  });

  it('rejects an invalid upload with file, line and rule, and keeps the versions', async () => {
    const before = await versions();
    const files = await v1With('when: request.input_count > 2048', 'when: request.model ==');
    const line =
      files
        .find((f) => f.path === 'rules.yaml')!
        .content.split('\n')
        .findIndex((l) => l.includes('when: request.model ==')) + 1;

    const res = await api('POST', '/v1/policy/versions', { files });

    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'policy_invalid',
      message: expect.stringContaining(`rules.yaml:${line}:`),
    });
    expect(res.body.error.message).toContain('deny-huge-batches');
    expect(res.body.errors).toEqual([
      expect.objectContaining({ file: 'rules.yaml', line, ruleId: 'deny-huge-batches' }),
    ]);
    expect(res.body.errors[0].message).toEqual(expect.any(String));

    const twice = await api('POST', '/v1/policy/versions', {
      files: [...files, files.find((f) => f.path === 'base.yaml')!],
    });
    expect(twice.status).toBe(422);
    expect(twice.body.error.message).toContain('the same path appears twice');
    expect(await versions()).toEqual(before);
  });

  it('answers 404 for versions that do not exist', async () => {
    const before = await versions();
    expect((await api('GET', '/v1/policy/versions/99')).status).toBe(404);
    const diff = await api('GET', '/v1/policy/diff?from=1&to=99');
    expect(diff.status).toBe(404);
    expect(diff.body.error).toMatchObject({
      code: 'not_found',
      message: expect.stringContaining('99'),
    });
    expect((await api('POST', '/v1/policy/rollback', { version: 99 })).status).toBe(404);
    expect((await api('GET', '/v1/policy/diff?from=one&to=2')).status).toBe(400);
    expect(await versions()).toEqual(before);
  });

  it('refuses uploads whose paths leave the policy set', async () => {
    const before = await versions();
    const { files } = await bundle(1);
    for (const path of ['../x.yaml', '/etc/x.yaml', 'a/../../x.yaml', 'rules.json']) {
      const res = await api('POST', '/v1/policy/versions', {
        files: [...files, { path, content: 'version: 1\n' }],
      });
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      expect(res.body.error).toMatchObject({ type: 'invalid_request_error' });
      expect(res.body.error.param).toMatch(/^files\.\d+\.path$/);
    }
    expect(await versions()).toEqual(before);
  });

  it('simulates a request: the decision and, rule by rule, why', async () => {
    const res = await api('POST', '/v1/policy/simulate', held);
    expect(res.status).toBe(200);
    const current = (await versions())[0].version;
    expect(res.body.decision).toMatchObject({
      effect: 'require_approval',
      ruleIds: ['hold-bulk-credit-cards'],
      bundleVersion: current,
      roles: ['ml-platform'],
      approval: { approverGroups: ['data-protection'], approvals: 1 },
    });
    const outcome = Object.fromEntries(res.body.rules.map((r) => [r.ruleId, r.outcome]));
    expect(outcome).toMatchObject({
      'hold-bulk-credit-cards': 'matched',
      'hold-bulk-emails': 'not_matched',
      'allow-granted-models': 'matched',
    });

    const noVersion = await api('POST', '/v1/policy/simulate', { ...held, version: 99 });
    expect(noVersion.status).toBe(404);
    const noPrincipal = await api('POST', '/v1/policy/simulate', { request: held.request });
    expect(noPrincipal.status).toBe(400);
    expect(noPrincipal.body.error.param).toBe('principal');
  });

  // Last: a directory change supersedes whatever was uploaded.
  it('turns an edit of the watched directory into a new version, and ignores a broken one', async () => {
    const before = await versions();
    const latest = before[0].version;
    const rulesPath = join(stack.policyDir, 'rules.yaml');
    const v1 = await bundle(1);
    const rules = v1.files.find((f) => f.path === 'rules.yaml')!.content;

    writeFileSync(
      rulesPath,
      rules
        .replace('> 2048', '> 4096')
        .replace('size(principal.roles) > 0', 'size(principal.roles) >'),
    );
    // A broken set is logged and skipped; the previous version keeps serving.
    await eventually(
      async () =>
        stack.apps.policy.output().includes('policy directory rejected') ? true : undefined,
      20_000,
      'the broken directory to be rejected',
    );
    expect(await versions()).toEqual(before);

    writeFileSync(rulesPath, rules.replace('> 2048', '> 4096'));
    const next = await eventually(
      async () => (await versions()).find((v) => v.version === latest + 1),
      20_000,
      'a version from the directory',
    );
    expect(next.createdBy).toContain('change');
    const diff = await api('GET', `/v1/policy/diff?from=${latest}&to=${latest + 1}`);
    expect(changes(diff.body.files[0].lines)).toEqual([
      '-    when: request.input_count > 2048',
      '+    when: request.input_count > 4096',
    ]);
  });

  it('versions an upload over 1 MiB, the default Kafka record limit', async () => {
    const { files } = await bundle(1);
    // Two files: the API takes up to 1 MiB per file; the set is ~1.3 MiB.
    const padding = `version: 1\n${'# a comment that pads the policy set past 1 MiB\n'.repeat(14_000)}`;
    const large = [
      ...files,
      { path: 'padding-a.yaml', content: padding },
      { path: 'padding-b.yaml', content: padding },
    ];
    const created = await api('POST', '/v1/policy/versions', { files: large });
    expect(created.status).toBe(201);
    const stored = await bundle(created.body.version);
    expect(stored.files.map((f) => f.path)).toEqual(large.map((f) => f.path).sort());
  });
});

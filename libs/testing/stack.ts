import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TESTING_ENV } from './config';
import { REPO_ROOT, startApp, testKeyring, testPolicyKeys, type RunningApp } from './processes';
import { startTestIdp, type TestIdp } from './test-idp';

export const AUDIENCE = 'embargo';

/** One request as the stand-in received it (GET /_stand_in/received). */
export interface ReceivedRequest {
  requestId: string | null;
  model: string;
  input: (string | number[])[];
  user?: string;
}

/** The stand-in upstream, run as its own process; it records what it received. */
export interface StandInProcess {
  baseUrl: string;
  app: RunningApp;
  received(): Promise<ReceivedRequest[]>;
  clearReceived(): Promise<void>;
}

async function startStandInProcess(apiKey: string): Promise<StandInProcess> {
  const app = await startApp(
    'stand-in-upstream',
    { STAND_IN_API_KEY: apiKey },
    { ready: 'healthz' },
  );
  const headers = { authorization: `Bearer ${apiKey}` };
  return {
    app,
    baseUrl: `${app.url}/v1`,
    received: async () => {
      const res = await fetch(`${app.url}/_stand_in/received`, { headers });
      if (!res.ok) throw new Error(`stand-in record: ${res.status}`);
      return (
        (await res.json()) as {
          received: ReceivedRequest[];
        }
      ).received;
    },
    clearReceived: async () => {
      const res = await fetch(`${app.url}/_stand_in/received`, { method: 'DELETE', headers });
      if (!res.ok) throw new Error(`stand-in record: ${res.status}`);
    },
  };
}

export interface Stack {
  runId: string;
  idp: TestIdp;
  standIn: StandInProcess;
  policyDir: string;
  policySet: string;
  adminToken: string;
  auditToken: string;
  /** The audit app's reveal token (AUDIT_REVEAL_TOKEN), apart from the search token. */
  revealToken: string;
  auditIndex: string;
  apps: Record<'policy' | 'masking' | 'audit' | 'ingress', RunningApp>;
  ingressEnv: Record<string, string>;
  stop(): Promise<void>;
}

/** Policy granting the test IdP's clients, beside the example policies from deploy/policies. */
export function testRoles(issuer: string): string {
  return `
version: 1
roles:
  test-service:
    description: Service principals of the test identity provider.
    match:
      issuer: ${issuer}
      claims: { kind: service }
    models: [stand-in-embedding, text-embedding-3-small]
  test-limited:
    description: A caller with a tight rate limit.
    match:
      issuer: ${issuer}
      claims: { kind: limited }
    models: [stand-in-embedding]
    limits:
      rateLimit: { requestsPerMinute: 3, tokensPerMinute: 1000 }
`;
}

/**
 * The whole system on the real local Kafka, Redis and OpenSearch: a real OpenID
 * provider, the stand-in upstream, and the policy, masking, audit and ingress apps as
 * their own processes. Every run gets its own policy set and audit index.
 */
/** Runs `start`; if it throws, stops what was started before it (and runs `also`) first. */
async function stopOnFailure<T>(
  running: readonly { stop(): Promise<unknown> }[],
  start: () => Promise<T>,
  also?: () => void,
): Promise<T> {
  try {
    return await start();
  } catch (err) {
    await Promise.allSettled(running.map((r) => r.stop()));
    also?.();
    throw err;
  }
}

export async function startStack(
  opts: { extraIngressEnv?: Record<string, string>; extraAuditEnv?: Record<string, string> } = {},
): Promise<Stack> {
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const standInKey = `sk-standin-${randomBytes(12).toString('hex')}`;
  const standIn = await startStandInProcess(standInKey);
  // Whatever started before a step that fails is stopped, so a failed start leaves no process
  // behind (a child left running keeps the test runner from ever exiting).
  const idp = await stopOnFailure([standIn.app], () =>
    startTestIdp({
      audience: AUDIENCE,
      clients: [
        {
          clientId: 'indexer',
          clientSecret: 'indexer-secret',
          claims: { kind: 'service', roles: ['indexer'] },
        },
        // A member of many groups, as large organisations' tokens are: about 4.6 KB.
        {
          clientId: 'crowded',
          clientSecret: 'crowded-secret',
          claims: {
            kind: 'service',
            roles: ['indexer'],
            groups: Array.from(
              { length: 150 },
              (_, i) => `team-search-${String(i).padStart(4, '0')}`,
            ),
          },
        },
        // A token just under the issuer's 8 KiB limit, most of it one custom claim.
        {
          clientId: 'verbose',
          clientSecret: 'verbose-secret',
          claims: { kind: 'service', profile: 'p'.repeat(5560) },
        },
        // A token over Node's default 16 KiB header limit, far over the issuer's 8 KiB.
        {
          clientId: 'oversized',
          clientSecret: 'oversized-secret',
          claims: { kind: 'service', profile: 'p'.repeat(15_000) },
        },
        { clientId: 'limited', clientSecret: 'limited-secret', claims: { kind: 'limited' } },
        { clientId: 'stranger', clientSecret: 'stranger-secret', claims: { kind: 'nobody' } },
      ],
    }),
  );
  const policyDir = mkdtempSync(join(tmpdir(), 'embargo-policies-'));
  cpSync(join(REPO_ROOT, 'deploy', 'policies'), policyDir, { recursive: true });
  writeFileSync(join(policyDir, 'test-roles.yaml'), testRoles(idp.issuer));
  const policySet = `test-${runId}`;
  const adminToken = randomBytes(24).toString('hex');
  const auditToken = randomBytes(24).toString('hex');
  const revealToken = randomBytes(24).toString('hex');
  const auditIndex = `embargo-events-test-${runId}`;
  const maskingKeys = testKeyring('m1');
  const policyKeys = testPolicyKeys();
  // The audit app opens what the ingress sealed and reverses what it tokenized.
  const sealingKeys = testKeyring('s1');
  // Own consumer groups per run: stacks running side by side never share work.
  const common = { LOG_LEVEL: 'warn', KAFKA_GROUP_PREFIX: `${runId}.` };

  const policy = await stopOnFailure(
    [idp, standIn.app],
    () =>
      startApp('policy', {
        ...common,
        POLICY_DIR: policyDir,
        POLICY_SET: policySet,
        POLICY_ADMIN_TOKEN: adminToken,
        POLICY_SIGNING_KEYS: policyKeys.signing,
        POLICY_WATCH_DEBOUNCE_MS: '100',
      }),
    () => rmSync(policyDir, { recursive: true, force: true }),
  );
  const ingressEnv = {
    ...common,
    POLICY_SET: policySet,
    POLICY_VERIFY_KEYS: policyKeys.verify,
    STAND_IN_KEY: standInKey,
    SEALING_KEYS: sealingKeys,
    EXCHANGE_SIGNING_KEY: generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString(),
    MASKING_KEYS: maskingKeys,
    INGRESS_ISSUERS: JSON.stringify([
      {
        name: 'test',
        issuer: idp.issuer,
        jwksUri: idp.jwksUri,
        audience: AUDIENCE,
        algorithms: ['RS256'],
        claims: { principalId: 'sub', roles: 'roles', groups: 'groups' },
      },
    ]),
    INGRESS_CONNECTIONS: JSON.stringify({
      connections: [
        {
          name: 'stand-in',
          provider: 'stand_in',
          baseUrl: standIn.baseUrl,
          credential: { env: 'STAND_IN_KEY' },
          models: {
            'stand-in-embedding': {
              upstreamModel: 'stand-in-embedding',
              dimensions: 1536,
              supportsDimensions: true,
            },
            'text-embedding-3-small': {
              upstreamModel: 'text-embedding-3-small',
              dimensions: 1536,
              supportsDimensions: true,
            },
          },
        },
      ],
    }),
    // Every test's refusals come from 127.0.0.1, and each test looks for its own rejected
    // event: the budget for callers without an identity is tested on its own (overload).
    REFUSAL_EVENTS_PER_SOURCE: '1000',
    ...opts.extraIngressEnv,
  };
  const starting = [
    startApp('masking', { ...common, MASKING_KEYS: maskingKeys }),
    startApp('audit', {
      ...common,
      AUDIT_API_TOKEN: auditToken,
      AUDIT_REVEAL_TOKEN: revealToken,
      SEALING_KEYS: sealingKeys,
      MASKING_KEYS: maskingKeys,
      AUDIT_INDEX: auditIndex,
      ...opts.extraAuditEnv,
    }),
    startApp('ingress', ingressEnv),
  ];
  const results = await Promise.allSettled(starting);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    // Leave nothing running behind a failed start.
    await Promise.all(
      results.map((r) => (r.status === 'fulfilled' ? r.value.stop() : Promise.resolve(null))),
    );
    await Promise.all([policy.stop(), idp.stop(), standIn.app.stop()]);
    rmSync(policyDir, { recursive: true, force: true });
    throw failed.reason;
  }
  const [masking, audit, ingress] = results.map(
    (r) => (r as PromiseFulfilledResult<RunningApp>).value,
  );
  const apps = { policy, masking, audit, ingress };
  return {
    runId,
    idp,
    standIn,
    policyDir,
    policySet,
    adminToken,
    auditToken,
    revealToken,
    auditIndex,
    apps,
    ingressEnv,
    stop: async () => {
      await Promise.all(Object.values(apps).map((a) => a.stop()));
      await idp.stop();
      await standIn.app.stop();
      rmSync(policyDir, { recursive: true, force: true });
      await dropIndices(auditIndex, `${auditIndex}-dead-letters`);
    },
  };
}

/**
 * An RFC 8693 token exchange at the stack's ingress: `subjectToken` traded for a token
 * scoped to `scope`; `extra` adds or overrides form fields (expires_in, single_use …).
 */
export function exchangeToken(
  stack: Stack,
  subjectToken: string,
  scope: string,
  extra: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${stack.apps.ingress.url}/v1/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: subjectToken,
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      scope,
      ...extra,
    }).toString(),
  });
}

/** Audit events of one request, from the audit API. */
export async function auditEvents(
  stack: Stack,
  requestId: string,
): Promise<Record<string, unknown>[]> {
  const res = await fetch(
    `${stack.apps.audit.url}/v1/audit/events?requestId=${encodeURIComponent(requestId)}`,
    {
      headers: { authorization: `Bearer ${stack.auditToken}` },
    },
  );
  if (res.status !== 200) throw new Error(`audit API answered ${res.status}`);
  return ((await res.json()) as { data: Record<string, unknown>[] }).data;
}

/**
 * Deletes a run's audit indices (best effort), so repeated runs on one machine do not leave
 * hundreds of indices behind for OpenSearch to keep in memory.
 */
async function dropIndices(...names: string[]): Promise<void> {
  await fetch(`${TESTING_ENV.OPENSEARCH_URL}/${names.join(',')}?ignore_unavailable=true`, {
    method: 'DELETE',
  }).catch(() => undefined);
}

import { keyringSetting } from '@embargo/config';
import { DocumentSigner } from '@embargo/crypto';
import { SIGNED_PURPOSES } from '@embargo/contracts';
import { KafkaService } from '@embargo/kafka';
import { Metrics, Readiness } from '@embargo/observability';
import { createBundle } from '@embargo/policy';
import { eventually, LOCAL_INFRA, startStack, testPolicyKeys, type Stack } from '@embargo/testing';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';

/**
 * Whoever can write the bundles and revocations topics is not the policy service: what they
 * write without its signing key changes nothing on the gateway. Each forgery is followed by a
 * genuine change on the same single-partition topic, so once the genuine one applies the
 * forged one has been read too.
 */
describe('signed policy bundles and revocations', () => {
  let stack: Stack;
  const run = randomUUID();
  const logger = pino({ level: 'silent' });
  const kafka = new KafkaService(
    { clientId: `forger-${run}`, brokers: LOCAL_INFRA.KAFKA_BROKERS.split(',') },
    logger,
    { name: 'forger', instance: run },
    new Readiness(),
    new Metrics('forger'),
  );
  // The attacker's own key, under the key id the gateways trust.
  const forger = new DocumentSigner(keyringSetting.parse(testPolicyKeys('p1').signing));

  beforeAll(async () => {
    stack = await startStack();
    await kafka.onModuleInit();
  }, 180_000);

  afterAll(async () => {
    await kafka.onApplicationShutdown();
    await stack?.stop();
  });

  const post = (token: string, model = 'stand-in-embedding') =>
    fetch(`${stack.apps.ingress.url}/v1/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ model, input: 'x' }),
    });
  const jtiOf = (token: string): string =>
    (JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { jti: string }).jti;
  const revoke = async (jti: string) => {
    const res = await fetch(`${stack.apps.policy.url}/v1/revocations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.adminToken}` },
      body: JSON.stringify({ kind: 'token', value: jti, reason: 'test' }),
    });
    expect(res.status).toBe(201);
  };
  const refusedAsRevoked = (token: string) =>
    eventually(
      async () => ((await post(token)).status === 401 ? true : undefined),
      10_000,
      'the revocation to apply',
    );

  it('ignores a bundle signed with another key, whatever its version', async () => {
    const token = await stack.idp.token('indexer');
    const before = await post(token);
    expect(before.status).toBe(200);
    const version = Number(before.headers.get('x-embargo-policy-version'));

    const denyAll = `version: 1\nrules:\n  - id: forged-deny-all\n    priority: 1000\n    when: 'true'\n    deny:\n      reason: forged\n`;
    const forged = forger.sign(SIGNED_PURPOSES.bundle, {
      ...createBundle([{ path: 'forged.yaml', content: denyAll }], version + 100),
      policySet: stack.policySet,
      createdBy: 'forger',
    });
    await kafka.publisher.publish('policyBundles', forged, { key: stack.policySet });

    // A genuine change after it: freeze the small model only.
    writeFileSync(
      join(stack.policyDir, 'zz-freeze.yaml'),
      `version: 1\nrules:\n  - id: freeze-small\n    priority: 1000\n    when: request.model == "text-embedding-3-small"\n    deny:\n      reason: frozen\n`,
    );
    await eventually(
      async () => ((await post(token, 'text-embedding-3-small')).status === 403 ? true : undefined),
      20_000,
      'the genuine policy change to apply',
    );
    const after = await post(token);
    expect(after.status).toBe(200);
    expect(Number(after.headers.get('x-embargo-policy-version'))).toBe(version + 1);
    expect(stack.apps.ingress.output()).toContain(
      `policy bundle v${version + 100} dropped: its signature does not match key \\"p1\\"`,
    );
  });

  it('ignores a forged lift of a revocation', async () => {
    const revoked = await stack.idp.token('indexer');
    expect((await post(revoked)).status).toBe(200);
    await revoke(jtiOf(revoked));
    await refusedAsRevoked(revoked);

    const lift = forger.sign(SIGNED_PURPOSES.revocation, {
      kind: 'token' as const,
      value: jtiOf(revoked),
      revokedBy: 'policy-admin',
      revokedAt: new Date().toISOString(),
      active: false,
    });
    await kafka.publisher.publish('revocations', lift, { key: `token:${jtiOf(revoked)}` });

    // A genuine revocation after it, of another token.
    const control = await stack.idp.token('indexer');
    await revoke(jtiOf(control));
    await refusedAsRevoked(control);

    const still = await post(revoked);
    expect(still.status).toBe(401);
    expect(((await still.json()) as { error: { code: string } }).error.code).toBe('token_revoked');
    expect(stack.apps.ingress.output()).toContain(
      'revocation dropped: its signature does not match',
    );
  });
});

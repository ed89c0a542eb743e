import { keyringSetting } from '@embargo/config';
import { DocumentMacs, DocumentSigner } from '@embargo/crypto';
import {
  MASK_EVENT_TYPES,
  maskRequestDigest,
  SIGNED_PURPOSES,
  TOPICS,
  type MaskReply,
  type MaskRequest,
} from '@embargo/contracts';
import { KafkaService } from '@embargo/kafka';
import { Metrics, Readiness } from '@embargo/observability';
import { createBundle } from '@embargo/policy';
import {
  eventually,
  LOCAL_INFRA,
  startStack,
  testKeyring,
  testPolicyKeys,
  type Stack,
} from '@embargo/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';

/**
 * Whoever can write the bundles and revocations topics is not the policy service: what they
 * write without its signing key changes nothing on the gateway. Each forgery is followed by a
 * genuine change on the same single-partition topic, so once the genuine one applies the
 * forged one has been read too. The same holds for mask replies and the masking workers.
 */
describe('signed policy bundles and revocations, tagged mask replies', () => {
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

  // Last: it stops the stack's masking worker, so that only the forger answers.
  it('ignores mask replies not tagged by a worker, or made for another request', async () => {
    await stack.apps.masking.stop();
    await stack.standIn.clearReceived();
    const marker = `forge-${run}`;
    const requests: { type: string; data: MaskRequest }[] = [];
    const reader = kafka.kafka.consumer({ groupId: `mask-forger-${run}`, maxWaitTimeInMs: 100 });
    await reader.connect();
    try {
      await reader.subscribe({ topic: TOPICS.maskRequests.name, fromBeginning: false });
      // Its first fetch has fixed where it reads from: what is written after is seen.
      const joined = new Promise((resolve) => reader.on(reader.events.FETCH, resolve));
      await reader.run({
        eachMessage: async ({ message }) => {
          const text = message.value?.toString() ?? '';
          if (!text.includes(marker)) return;
          const type = message.headers?.ce_type?.toString() ?? '';
          requests.push({ type, data: JSON.parse(text) as MaskRequest });
        },
      });
      await joined;

      // Above the inline limit, so the ingress asks the worker pool.
      const input = `${marker} write to owner@example.org ${'lorem ipsum '.repeat(1000)}`;
      const answer = fetch(`${stack.apps.ingress.url}/v1/embeddings`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${await stack.idp.token('indexer')}`,
        },
        body: JSON.stringify({ model: 'stand-in-embedding', input }),
      });
      // The workers' key, which the test stack's ingress trusts, and an impostor under its id.
      const workers = new DocumentMacs(
        keyringSetting.parse(testKeyring('m1')),
        SIGNED_PURPOSES.maskReply,
      );
      const impostor = new DocumentMacs(
        keyringSetting.parse(`m1:${randomBytes(32).toString('base64')}`),
        SIGNED_PURPOSES.maskReply,
      );
      const send = (reply: MaskReply, type: string, requestId: string) =>
        kafka.publisher.publish('maskReplies', reply, { key: requestId, type, requestId });
      const nth = (i: number, what: string) => eventually(async () => requests[i], 8_000, what);

      // The policy reads findings first: that count is answered as a worker would.
      const counted = await nth(0, 'the count request');
      expect(counted.type).toBe(MASK_EVENT_TYPES.count);
      const { requestId, replyTo, offset } = counted.data;
      await send(
        workers.tag({
          requestId,
          replyTo,
          offset,
          ok: true,
          counts: { EMAIL_ADDRESS: 1 },
          requestDigest: maskRequestDigest(counted.type, counted.data),
        }),
        MASK_EVENT_TYPES.counted,
        requestId,
      );

      const asked = await nth(1, 'the mask request');
      expect(asked.type).toBe(MASK_EVENT_TYPES.mask);
      const digest = maskRequestDigest(asked.type, asked.data);
      const otherRequest = maskRequestDigest(asked.type, { ...asked.data, texts: ['other'] });
      const reply = (text: string, requestDigest: string) => ({
        requestId,
        replyTo,
        offset,
        ok: true,
        texts: [text],
        counts: { EMAIL_ADDRESS: 1 },
        requestDigest,
      });
      // One partition per request id: the ingress reads these three in this order.
      for (const forged of [
        impostor.tag(reply('FORGED WITHOUT THE KEY', digest)),
        workers.tag(reply('ANSWER TO ANOTHER REQUEST', otherRequest)),
        // Its own text each run: an answer cached by an earlier run would never reach the stand-in.
        workers.tag(reply(`THE TRUE ANSWER ${run}`, digest)),
      ])
        await send(forged, MASK_EVENT_TYPES.masked, requestId);

      const res = await answer;
      expect(res.status).toBe(200);
      expect((await stack.standIn.received()).map((r) => r.input)).toEqual([
        [`THE TRUE ANSWER ${run}`],
      ]);
      const ingressLog = stack.apps.ingress.output();
      expect(ingressLog).toContain('its tag does not match key \\"m1\\"');
      expect(ingressLog).toContain('it answers another request under the same ids');
    } finally {
      await reader.disconnect();
    }
  });
});

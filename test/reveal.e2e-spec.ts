import {
  auditEvents,
  eventually,
  REPO_ROOT,
  startStack,
  TESTING_ENV,
  type Stack,
} from '@embargo/testing';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { digestOf, storedEvent } from '../apps/audit/indexing/event-document';

/**
 * An auditor reveals what a caller sent, on the real stack: the ingress tokenizes and
 * seals, the audit app opens the sealed original and reverses the tokens for the holder of
 * the reveal token only, and the reveal is itself in the audit trail, without the content.
 */
describe('reveal: an auditor reads a request’s original input, and the trail says so', () => {
  let stack: Stack;
  let indexerToken: string;

  const input = [
    'Name: José García, mail jose.garcia@example.org',
    'refund to IBAN DE89 3704 0044 0532 0130 00, password: Pässwörd€42',
  ];
  const secrets = ['García', 'jose.garcia', '0532 0130', 'Pässwörd'];

  const embed = (body: unknown, token?: string) =>
    fetch(`${stack.apps.ingress.url}/v1/embeddings`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(body),
    });
  const reveal = (body: unknown, token?: string) =>
    fetch(`${stack.apps.audit.url}/v1/audit/reveal`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'reveal-e2e',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(body),
    });
  /** Waits until the audit index holds the request's event of `stage`. */
  const indexed = (requestId: string, stage: string) =>
    eventually(
      async () => {
        const events = await auditEvents(stack, requestId);
        return events.find((e) => e.stage === stage);
      },
      30_000,
      `the ${stage} event of ${requestId}`,
    );

  beforeAll(async () => {
    stack = await startStack();
    indexerToken = await stack.idp.token('indexer');
    // Names and IBANs become reversible tokens (nothing stronger applies to them).
    writeFileSync(
      join(stack.policyDir, 'zz-tokenize.yaml'),
      [
        'version: 1',
        'rules:',
        '  - id: tokenize-names-and-ibans',
        '    priority: 60',
        '    when: size(principal.roles) > 0',
        '    mask:',
        '      entities:',
        '        PERSON: tokenize',
        '        IBAN_CODE: tokenize',
        '',
      ].join('\n'),
    );
    await eventually(
      async () => {
        const res = await embed(
          { model: 'stand-in-embedding', input: 'Name: Ada Lovelace' },
          indexerToken,
        );
        return /PERSON=1/.test(res.headers.get('x-embargo-masked') ?? '') ? true : undefined;
      },
      30_000,
      'the tokenize rule to apply',
    );
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  });

  let requestId: string;
  let revealEventId: string;
  const reason = `INC-${randomUUID().slice(0, 8)}: the customer asks what was sent`;

  it('gives the reveal token the exact original and the masked input with tokens reversed', async () => {
    await stack.standIn.clearReceived();
    const res = await embed({ model: 'stand-in-embedding', input }, indexerToken);
    expect(res.status).toBe(200);
    requestId = res.headers.get('x-request-id') ?? '';
    expect(res.headers.get('x-embargo-masked')).toMatch(/PERSON=1/);
    const seen = JSON.stringify(await stack.standIn.received());
    for (const s of secrets) expect(seen).not.toContain(s);

    await indexed(requestId, 'masked');
    const revealed = await reveal({ requestId, reason }, stack.revealToken);
    expect(revealed.status).toBe(200);
    expect(revealed.headers.get('cache-control')).toBe('no-store');
    const body = (await revealed.json()) as {
      object: string;
      requestId: string;
      revealEventId: string;
      original: string[];
      maskedInput: string[];
      detokenizedInput: string[];
    };
    expect(body).toMatchObject({ object: 'audit.revelation', requestId, original: input });
    expect(body.maskedInput[0]).toMatch(/^Name: tok_m1_[\w-]+, mail <EMAIL_ADDRESS>$/);
    expect(body.maskedInput[1]).toMatch(/^refund to IBAN tok_m1_[\w-]+, password: $/);
    expect(body.detokenizedInput).toEqual([
      'Name: José García, mail <EMAIL_ADDRESS>',
      'refund to IBAN DE89 3704 0044 0532 0130 00, password: ',
    ]);
    revealEventId = body.revealEventId;
  });

  it('refuses the search token and callers without a token', async () => {
    for (const [token, code] of [
      [stack.auditToken, 'invalid_token'],
      [undefined, 'unauthenticated'],
      ['not-the-reveal-token-at-all', 'invalid_token'],
    ] as const) {
      const res = await reveal({ requestId, reason }, token);
      expect(res.status).toBe(401);
      const body = (await res.json()) as { error: { code: string; type: string } };
      expect(body.error).toMatchObject({ code, type: 'invalid_request_error' });
      expect(JSON.stringify(body)).not.toContain('García');
    }
    // The reveal token does not open the search API either.
    const search = await fetch(`${stack.apps.audit.url}/v1/audit/events?requestId=${requestId}`, {
      headers: { authorization: `Bearer ${stack.revealToken}` },
    });
    expect(search.status).toBe(401);
  });

  it('files the reveal in the request’s trail: who, why and when, never the content', async () => {
    const event = await indexed(requestId, 'revealed');
    expect(event).toMatchObject({
      eventId: revealEventId,
      type: 'dev.embargo.audit.revealed.v1',
      source: '/embargo/audit',
      requestId,
      stage: 'revealed',
      reason,
      actor: { credential: 'AUDIT_REVEAL_TOKEN', userAgent: 'reveal-e2e' },
    });
    expect(Date.parse(event.time as string)).toBeGreaterThan(Date.now() - 120_000);
    // Searchable by the reason's words, like any other event.
    const byReason = await fetch(
      `${stack.apps.audit.url}/v1/audit/events?stage=revealed&q=${encodeURIComponent(reason.split(':')[0])}`,
      { headers: { authorization: `Bearer ${stack.auditToken}` } },
    );
    const found = ((await byReason.json()) as { data: { eventId: string }[] }).data;
    expect(found.map((e) => e.eventId)).toEqual([revealEventId]);
    // The whole stored document, as OpenSearch holds it.
    const stored = await fetch(
      `${TESTING_ENV.OPENSEARCH_URL}/${stack.auditIndex}/_doc/${revealEventId}`,
    );
    const doc = JSON.stringify(await stored.json());
    expect(doc).toContain(reason);
    for (const s of [...secrets, 'tok_m1_']) expect(doc).not.toContain(s);
  });

  it('answers 404 for a request it has no record of, and for one that was never masked', async () => {
    const unknown = await reveal({ requestId: randomUUID(), reason }, stack.revealToken);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({
      error: {
        message: expect.stringMatching(/^No request [0-9a-f-]{36} in the audit trail$/) as unknown,
        type: 'invalid_request_error',
        code: 'not_found',
        param: 'requestId',
      },
    });

    const refused = await embed({ model: 'stand-in-embedding', input: 'Name: José García' });
    expect(refused.status).toBe(401);
    const refusedId = refused.headers.get('x-request-id') ?? '';
    await indexed(refusedId, 'rejected');
    const notMasked = await reveal({ requestId: refusedId, reason }, stack.revealToken);
    expect(notMasked.status).toBe(404);
    expect(((await notMasked.json()) as { error: { message: string } }).error.message).toMatch(
      /was not masked/,
    );
  });

  it('reveals from the command line, with the audit URL and token from the environment', async () => {
    const run = (env: Record<string, string>) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [
            join(REPO_ROOT, 'bin', 'embargo.js'),
            'audit',
            'reveal',
            '--request-id',
            requestId,
            '--reason',
            `${reason} (cli)`,
          ],
          {
            cwd: REPO_ROOT,
            env: { PATH: process.env.PATH, EMBARGO_AUDIT_URL: stack.apps.audit.url, ...env },
          },
          (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stdout, stderr }),
        );
      });
    const ok = await run({ EMBARGO_AUDIT_REVEAL_TOKEN: stack.revealToken });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ requestId, original: input });
    const refused = await run({ EMBARGO_AUDIT_REVEAL_TOKEN: stack.auditToken });
    expect(refused).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'embargo: audit reveal refused (401): Invalid auditor reveal token\n',
    });
  });

  it('refuses a masked event changed in the index after it was written', async () => {
    const res = await embed({ model: 'stand-in-embedding', input }, indexerToken);
    expect(res.status).toBe(200);
    const changedId = res.headers.get('x-request-id') ?? '';
    const event = await indexed(changedId, 'masked');
    // Someone with write access to the index swaps the two masked texts.
    const update = await fetch(
      `${TESTING_ENV.OPENSEARCH_URL}/${stack.auditIndex}/_update/${String(event.eventId)}?refresh=true`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          doc: { maskedInput: [...(event.maskedInput as string[])].reverse() },
        }),
      },
    );
    expect(update.status).toBe(200);
    const refused = await reveal({ requestId: changedId, reason }, stack.revealToken);
    expect(refused.status).toBe(500);
    const body = JSON.stringify(await refused.json());
    expect(body).toMatch(/does not match its digest: it was changed after it was indexed/);
    for (const s of secrets) expect(body).not.toContain(s);
  });

  it('refuses a request with a second masked event, whatever its digest says', async () => {
    const res = await embed({ model: 'stand-in-embedding', input }, indexerToken);
    expect(res.status).toBe(200);
    const forgedId = res.headers.get('x-request-id') ?? '';
    const event = await indexed(forgedId, 'masked');
    const docUrl = (id: string) =>
      `${TESTING_ENV.OPENSEARCH_URL}/${stack.auditIndex}/_doc/${id}?refresh=true`;
    const genuine = (
      (await (await fetch(docUrl(String(event.eventId)))).json()) as {
        _source: Record<string, unknown>;
      }
    )._source;
    // What the indexer makes of a record someone wrote to the events topic: another event id,
    // the genuine sealed original, masked input of their choosing, a digest that matches.
    const forged: Record<string, unknown> = {
      ...genuine,
      eventId: randomUUID().replace(/-/g, ''),
      maskedInput: ['Name: <PERSON>, all is well', 'nothing to see'],
    };
    forged.digest = digestOf(storedEvent(forged));
    const put = await fetch(docUrl(String(forged.eventId)), {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(forged),
    });
    expect(put.status).toBe(201);
    const refused = await reveal({ requestId: forgedId, reason }, stack.revealToken);
    expect(refused.status).toBe(500);
    const body = JSON.stringify(await refused.json());
    expect(body).toMatch(/more than one masked event/);
    expect(body).not.toContain('all is well');
    for (const s of secrets) expect(body).not.toContain(s);
  });

  it('requires a reason', async () => {
    const res = await reveal({ requestId }, stack.revealToken);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: { code: 'invalid_request', param: 'reason' },
    });
    // Refused reveals leave no revealed event behind.
    const reveals = await eventually(
      async () => {
        const found = (await auditEvents(stack, requestId)).filter((e) => e.stage === 'revealed');
        return found.length >= 2 ? found : undefined;
      },
      30_000,
      'the revealed events',
    );
    expect(reveals.map((e) => e.eventId)).toContain(revealEventId);
    expect(reveals).toHaveLength(2); // the API's reveal and the command line's
  });
});

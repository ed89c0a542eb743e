import { eventually, REPO_ROOT } from '@embargo/testing';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { exchangeToken, startStack, type Stack } from '@embargo/testing';

/**
 * Fail closed: without Kafka there is no audit path, so the gateway answers 503,
 * forwards nothing and issues no token. Runs last (the file name sorts last) because it stops the broker.
 */
describe('kafka outage', () => {
  let stack: Stack;
  let token: string;
  const deploy = (cmd: 'start' | 'stop', ...args: string[]) =>
    execFileSync(join(REPO_ROOT, 'deploy', 'local', cmd), args, {
      stdio: 'pipe',
      timeout: 170_000,
    });

  beforeAll(async () => {
    stack = await startStack({ extraIngressEnv: { AUDIT_TIMEOUT_MS: '1500' } });
    token = await stack.idp.token('indexer');
  }, 180_000);

  afterAll(async () => {
    deploy('start');
    await stack?.stop();
  }, 200_000);

  const embed = () =>
    fetch(`${stack.apps.ingress.url}/v1/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ model: 'stand-in-embedding', input: 'during the outage' }),
    });

  it('answers 503, forwards nothing and issues no token while Kafka is down, and recovers after', async () => {
    expect((await embed()).status).toBe(200);
    await stack.standIn.clearReceived();

    deploy('stop', 'kafka');
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await embed();
      statuses.push(res.status);
      const body = (await res.json()) as { error: { code: string; type: string } };
      expect(body.error.code).toBe('audit_unavailable');
      expect(body.error.type).toBe('server_error');
    }
    expect(statuses).toEqual([503, 503, 503]);
    expect(await stack.standIn.received()).toHaveLength(0);
    // Nor does it hand out a credential whose issue the trail cannot hold.
    const exchange = await exchangeToken(stack, token, 'model:stand-in-embedding');
    expect(exchange.status).toBe(503);
    // The token endpoint answers in the OAuth shape (RFC 6749 section 5.2).
    const refused = (await exchange.json()) as {
      access_token?: string;
      error: string;
      error_description: string;
    };
    expect(refused.error).toBe('temporarily_unavailable');
    expect(refused.error_description).toMatch(/audit/i);
    expect(refused.access_token).toBeUndefined();
    // Anyone may read /readyz: it says which dependency fails, not the client's error with
    // the broker's address; that goes to the log, once.
    const ready = await fetch(`${stack.apps.ingress.url}/readyz`);
    expect(ready.status).toBe(503);
    const readyText = await ready.text();
    expect(JSON.parse(readyText)).toMatchObject({
      status: 'not_ready',
      checks: { kafka: expect.stringMatching(/^(unavailable|timed out|not connected)$/) },
    });
    expect(readyText).not.toMatch(/127\.0\.0\.1|9092|ECONNREFUSED/);
    // The log line reaches this process through the app's stdout pipe, a moment later.
    await eventually(
      async () =>
        /"check":"kafka".*"msg":"not ready"/.test(stack.apps.ingress.output()) ? true : undefined,
      10_000,
      'the failing check in the log',
    );

    deploy('start', 'kafka');
    await eventually(
      async () => ((await embed()).status === 200 ? true : undefined),
      90_000,
      'the gateway to recover',
    );
  }, 240_000);
});

import { eventually, startStack, type Stack } from '@embargo/testing';
import { randomUUID } from 'node:crypto';

/**
 * The ingress while the apps beside it stall: the stack's own masking and policy processes
 * are stopped (SIGSTOP) and continued (SIGCONT), so the shared servers are never touched.
 */
describe('ingress: the masking workers or the policy service stalled', () => {
  let stack: Stack;
  let token: string;

  beforeAll(async () => {
    stack = await startStack({ extraIngressEnv: { MASK_TIMEOUT_MS: '3000' } });
    token = await stack.idp.token('indexer');
  }, 180_000);

  afterAll(async () => {
    stack?.apps.masking.process.kill('SIGCONT');
    stack?.apps.policy.process.kill('SIGCONT');
    await stack?.stop();
  }, 60_000);

  const post = (body: unknown) =>
    fetch(`${stack.apps.ingress.url}/v1/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
  /** Above MASK_INLINE_MAX_BYTES, so the worker pool masks it, not the gateway. */
  const large = (email: string) => ({
    model: 'stand-in-embedding',
    input: [`${'lorem ipsum dolor sit amet '.repeat(1000)} write to ${email} ${randomUUID()}`],
  });

  it('fails closed while the masking workers are stopped, and masks again once they go on', async () => {
    const email = 'stalled.worker@example.org';
    expect((await post(large(email))).status).toBe(200);

    stack.apps.masking.process.kill('SIGSTOP');
    await stack.standIn.clearReceived();
    const refused = await post(large(email));
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(
      'masking_unavailable',
    );
    // Answered while the workers are still stopped, and nothing reached the model.
    expect(JSON.stringify(await stack.standIn.received())).not.toContain(email);

    stack.apps.masking.process.kill('SIGCONT');
    const res = await eventually(
      async () => {
        const r = await post(large(email));
        return r.status === 200 ? r : undefined;
      },
      60_000,
      'a large input to be masked again',
    );
    expect(res.headers.get('x-embargo-masked')).toMatch(/EMAIL_ADDRESS=1/);
    expect(JSON.stringify(await stack.standIn.received())).not.toContain(email);
    expect((await fetch(`${stack.apps.ingress.url}/readyz`)).status).toBe(200);
  }, 120_000);

  it('keeps serving the last bundle while the policy service is stopped', async () => {
    stack.apps.policy.process.kill('SIGSTOP');
    try {
      const res = await post({ model: 'stand-in-embedding', input: `policy away ${randomUUID()}` });
      expect(res.status).toBe(200);
      expect((await fetch(`${stack.apps.ingress.url}/readyz`)).status).toBe(200);
    } finally {
      stack.apps.policy.process.kill('SIGCONT');
    }
  }, 60_000);
});

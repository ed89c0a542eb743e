import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { callerGone } from './caller-gone';

describe('callerGone', () => {
  let app: FastifyInstance;
  let url: string;
  const seen: Array<{ aborted: boolean; reason?: string }> = [];

  beforeAll(async () => {
    app = Fastify();
    // Answers after 300 ms, as an upstream call would, noting whether the caller left first.
    app.post('/slow', async (req, reply) => {
      const gone = callerGone(req, reply);
      await new Promise((r) => setTimeout(r, 300));
      seen.push({
        aborted: gone.signal.aborted,
        reason: (gone.signal.reason as Error | undefined)?.message,
      });
      gone.dispose();
      return { ok: true };
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(() => app.close());
  beforeEach(() => seen.splice(0));

  const post = (body: string) => {
    const req = request(`${url}/slow`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    req.on('error', () => undefined);
    req.end(body);
    return req;
  };

  it('aborts when the caller disconnects before the answer, naming the request', async () => {
    const req = post('{"a":1}');
    setTimeout(() => req.destroy(), 100);
    await new Promise((r) => setTimeout(r, 400));
    expect(seen).toHaveLength(1);
    expect(seen[0].aborted).toBe(true);
    expect(seen[0].reason).toMatch(/caller closed the connection.*request id/);
  });

  it('does not abort a caller that waits for the answer', async () => {
    const status = await new Promise<number | undefined>((resolve) =>
      post('{"a":1}').on('response', (res) => {
        res.resume();
        resolve(res.statusCode);
      }),
    );
    expect(status).toBe(200);
    expect(seen).toEqual([{ aborted: false, reason: undefined }]);
  });
});

import { startStandIn, type StandIn } from './stand-in';

describe('stand-in record of received requests', () => {
  let standIn: StandIn;
  const key = { authorization: 'Bearer sk-stand-in-test' };

  beforeAll(async () => {
    standIn = await startStandIn({ port: 0, host: '127.0.0.1', apiKey: 'sk-stand-in-test' });
    await fetch(`${standIn.baseUrl}/embeddings`, {
      method: 'POST',
      headers: { ...key, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'stand-in-embedding', input: 'jane@example.org' }),
    });
  });
  afterAll(() => standIn.close());

  it('shows what callers sent only to a holder of the API key', async () => {
    const anonymous = await fetch(`${standIn.url}/_stand_in/received`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.text()).not.toContain('jane@example.org');
    const wrong = await fetch(`${standIn.url}/_stand_in/received`, {
      headers: { authorization: 'Bearer nope' },
    });
    expect(wrong.status).toBe(401);
    const keyed = await fetch(`${standIn.url}/_stand_in/received`, { headers: key });
    expect(keyed.status).toBe(200);
    expect(JSON.stringify(await keyed.json())).toContain('jane@example.org');
  });

  it('clears the record only for a holder of the API key', async () => {
    const anonymous = await fetch(`${standIn.url}/_stand_in/received`, { method: 'DELETE' });
    expect(anonymous.status).toBe(401);
    expect(standIn.received()).toHaveLength(1);
    const keyed = await fetch(`${standIn.url}/_stand_in/received`, {
      method: 'DELETE',
      headers: key,
    });
    expect(keyed.status).toBe(200);
    expect(standIn.received()).toHaveLength(0);
  });
});

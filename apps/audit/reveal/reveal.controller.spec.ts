import { EmbargoError } from '@embargo/contracts';
import type { FastifyRequest } from 'fastify';
import { RevealController } from './reveal.controller';
import type { RevealService } from './reveal.service';

const asked: unknown[] = [];
const controller = new RevealController({
  reveal: (req: unknown, actor: unknown) => {
    asked.push({ req, actor });
    return Promise.resolve({});
  },
} as unknown as RevealService);
const httpReq = { ip: '10.1.2.3', headers: { 'user-agent': 'curl/8.5.0' } } as FastifyRequest;

async function refusal(body: unknown): Promise<{ code: string; message: string; param?: string }> {
  try {
    await controller.reveal(body, httpReq);
  } catch (e) {
    if (e instanceof EmbargoError)
      return { code: e.code, message: e.message, param: e.details?.param };
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('POST /v1/audit/reveal body', () => {
  beforeEach(() => (asked.length = 0));

  it('passes the request id, the trimmed reason and the caller to the service', async () => {
    await controller.reveal({ requestId: ' r-1 ', reason: '  INC-4411 \n' }, httpReq);
    expect(asked).toEqual([
      {
        req: { requestId: 'r-1', reason: 'INC-4411' },
        actor: { clientIp: '10.1.2.3', userAgent: 'curl/8.5.0' },
      },
    ]);
  });

  it.each([
    [{ requestId: 'r-1' }, 'reason', /reason: is required: say why/],
    [{ requestId: 'r-1', reason: '   ' }, 'reason', /reason: is required: say why/],
    [{ requestId: 'r-1', reason: 'x'.repeat(1001) }, 'reason', /reason: .*1000/],
    [{ reason: 'INC-4411' }, 'requestId', /requestId/],
    [{ requestId: 'r'.repeat(201), reason: 'INC-4411' }, 'requestId', /requestId: .*200/],
    [{ requestId: 'r-1', reason: 'INC-4411', dryRun: true }, undefined, /dryRun/],
    [undefined, 'requestId', /requestId/],
    ['r-1', undefined, /Invalid request body/],
  ])('refuses %j with a 400 naming the field', async (body, param, message) => {
    const r = await refusal(body);
    expect(r.code).toBe('invalid_request');
    expect(r.message).toMatch(message);
    expect(r.param).toBe(param);
    expect(asked).toEqual([]);
  });
});

import type { ArgumentsHost } from '@nestjs/common';
import { EmbargoError } from '@embargo/contracts';
import pino from 'pino';
import type { AuditTrail, TrailEvent } from './audit-trail.service';
import { AuditedErrorFilter } from './rejection.filter';

function refuse(
  error: EmbargoError,
  request: { url: string; route?: string } = { url: '/v1/embeddings', route: '/v1/embeddings' },
): { events: TrailEvent[]; status: number | undefined } {
  const events: TrailEvent[] = [];
  const trail = { recordLater: (e: TrailEvent) => events.push(e) } as unknown as AuditTrail;
  let status: number | undefined;
  const reply = {
    headers: () => reply,
    header: () => reply,
    status: (s: number) => {
      status = s;
      return reply;
    },
    send: () => reply,
  };
  const req = {
    id: 'req-1',
    url: request.url,
    headers: {},
    routeOptions: { url: request.route, config: {} },
  };
  const host = {
    switchToHttp: () => ({ getRequest: () => req, getResponse: () => reply }),
  } as unknown as ArgumentsHost;
  new AuditedErrorFilter(pino({ enabled: false }), trail).catch(error, host);
  return { events, status };
}

describe('AuditedErrorFilter', () => {
  it('leaves a failed event when the audit trail timed out, so a decision written late has its outcome', () => {
    const { events, status } = refuse(
      new EmbargoError(
        'audit_unavailable',
        'The audit trail is unavailable; the request was not forwarded',
      ),
    );
    expect(status).toBe(503);
    expect(events).toEqual([
      expect.objectContaining({
        requestId: 'req-1',
        stage: 'failed',
        status: 503,
        code: 'audit_unavailable',
      }),
    ]);
  });

  it('leaves a rejected event for a refusal', () => {
    const { events } = refuse(new EmbargoError('policy_denied', 'Denied by policy'));
    expect(events).toEqual([
      expect.objectContaining({ stage: 'rejected', status: 403, code: 'policy_denied' }),
    ]);
  });

  it('audits a refusal on an API route reached through a percent-encoded path', () => {
    const { events } = refuse(new EmbargoError('invalid_token', 'Bearer token rejected'), {
      url: '/%761/embeddings',
      route: '/v1/embeddings',
    });
    expect(events).toEqual([
      expect.objectContaining({ stage: 'rejected', status: 401, code: 'invalid_token' }),
    ]);
  });

  it('audits unknown API paths, and leaves the health and metrics routes alone', () => {
    const notFound = new EmbargoError('not_found', 'Unknown route');
    expect(refuse(notFound, { url: '/v1/nothing-here' }).events).toHaveLength(1);
    expect(refuse(notFound, { url: '/nothing-here' }).events).toHaveLength(0);
    expect(
      refuse(new EmbargoError('unavailable', 'Not ready'), { url: '/readyz', route: '/readyz' })
        .events,
    ).toHaveLength(0);
  });
});

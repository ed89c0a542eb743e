import type { ArgumentsHost } from '@nestjs/common';
import { EmbargoError } from '@embargo/contracts';
import pino from 'pino';
import type { AuditTrail, TrailEvent } from './audit-trail.service';
import { AuditedErrorFilter } from './rejection.filter';

function refuse(error: EmbargoError): { events: TrailEvent[]; status: number | undefined } {
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
  const req = { id: 'req-1', url: '/v1/embeddings', headers: {}, routeOptions: { config: {} } };
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
});

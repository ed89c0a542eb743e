import type { ArgumentsHost } from '@nestjs/common';
import { EmbargoError } from '@embargo/contracts';
import pino from 'pino';
import type { IngressConfig } from '../config';
import type { Principal } from '../identity';
import { AnonymousRefusals } from './anonymous-refusals';
import type { AuditTrail, TrailEvent } from './audit-trail.service';
import { AuditedErrorFilter } from './rejection.filter';

const config = { REFUSAL_EVENTS_PER_SOURCE: 2, REFUSAL_EVENTS_PER_MINUTE: 600 } as IngressConfig;

/** An audit trail that keeps what it is given, and the refusal budget writing to it. */
function trailAndBudget(): {
  events: TrailEvent[];
  trail: AuditTrail;
  refusals: AnonymousRefusals;
} {
  const events: TrailEvent[] = [];
  const trail = { recordLater: (e: TrailEvent) => events.push(e) } as unknown as AuditTrail;
  return { events, trail, refusals: new AnonymousRefusals(trail, config) };
}

function refuse(
  error: EmbargoError,
  request: {
    url: string;
    route?: string;
    user?: Principal;
    ip?: string;
  } = { url: '/v1/embeddings', route: '/v1/embeddings' },
  audit = trailAndBudget(),
): { events: TrailEvent[]; status: number | undefined } {
  const { events, trail, refusals } = audit;
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
    ip: request.ip ?? '192.0.2.10',
    user: request.user,
    url: request.url,
    headers: {},
    routeOptions: { url: request.route, config: {} },
  };
  const host = {
    switchToHttp: () => ({ getRequest: () => req, getResponse: () => reply }),
  } as unknown as ArgumentsHost;
  new AuditedErrorFilter(pino({ enabled: false }), trail, refusals).catch(error, host);
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

  it('writes the refusals of callers without an identity within a budget, with their address, and counts the rest', () => {
    const audit = trailAndBudget();
    const badToken = new EmbargoError('invalid_token', 'Bearer token rejected');
    const route = { url: '/v1/embeddings', route: '/v1/embeddings' };
    for (let i = 0; i < 7; i++) refuse(badToken, { ...route, ip: '203.0.113.7' }, audit);
    refuse(badToken, { ...route, ip: '198.51.100.1' }, audit);
    expect(audit.events.map((e) => [e.stage, 'clientIp' in e ? e.clientIp : undefined])).toEqual([
      ['rejected', '203.0.113.7'],
      ['rejected', '203.0.113.7'],
      ['rejected', '198.51.100.1'],
    ]);
    // When the minute ends (or the instance stops), one event says how many had none.
    audit.refusals.flush();
    expect(audit.events).toHaveLength(4);
    expect(audit.events[3]).toMatchObject({
      stage: 'rejected',
      status: 401,
      code: 'invalid_token',
      clientIp: '203.0.113.7',
      heldBack: 5,
    });
    audit.refusals.flush();
    expect(audit.events).toHaveLength(4);
  });

  it('writes the first refusal over MAX_IN_FLIGHT of a second, and counts the rest in the summary', () => {
    const audit = trailAndBudget();
    const overloaded = new EmbargoError('overloaded', 'At the limit');
    const route = { url: '/v1/embeddings', route: '/v1/embeddings', ip: '203.0.113.7' };
    for (let i = 0; i < 3; i++) refuse(overloaded, route, audit);
    expect(audit.events).toHaveLength(1);
    expect(audit.events[0]).toMatchObject({ stage: 'failed', code: 'overloaded' });
    expect(audit.events[0]).not.toHaveProperty('heldBack');
    // The flood stops: the minute's summary still counts the two that had no event.
    audit.refusals.flush();
    expect(audit.events).toHaveLength(2);
    expect(audit.events[1]).toMatchObject({
      stage: 'failed',
      status: 503,
      code: 'overloaded',
      heldBack: 2,
    });
    expect(audit.events[1]).not.toHaveProperty('clientIp');
  });

  it('names an IPv4 caller by its plain address on a dual-stack listener, in one budget', () => {
    const audit = trailAndBudget();
    const badToken = new EmbargoError('invalid_token', 'Bearer token rejected');
    const route = { url: '/v1/embeddings', route: '/v1/embeddings' };
    refuse(badToken, { ...route, ip: '::ffff:203.0.113.7' }, audit);
    refuse(badToken, { ...route, ip: '203.0.113.7' }, audit);
    refuse(badToken, { ...route, ip: '::ffff:203.0.113.7' }, audit);
    expect(audit.events.map((e) => ('clientIp' in e ? e.clientIp : undefined))).toEqual([
      '203.0.113.7',
      '203.0.113.7',
    ]);
    audit.refusals.flush();
    expect(audit.events[2]).toMatchObject({ clientIp: '203.0.113.7', heldBack: 1 });
  });

  it('writes every refusal of a verified caller', () => {
    const audit = trailAndBudget();
    const user = {
      id: 'svc-a',
      issuer: 'https://idp.example',
      subject: 'svc-a',
      roles: [],
      groups: [],
      claims: {},
      tokenKind: 'identity',
    } as unknown as Principal;
    for (let i = 0; i < 5; i++)
      refuse(
        new EmbargoError('policy_denied', 'Denied by policy'),
        { url: '/v1/embeddings', route: '/v1/embeddings', user },
        audit,
      );
    expect(audit.events).toHaveLength(5);
  });
});

import './request-queue-fix';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const RequestQueue = require('kafkajs/src/network/requestQueue') as new (opts: object) => {
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  pending: unknown[];
  checkPendingRequests(): void;
  destroy(): void;
};

function queue() {
  const logger = { debug() {}, info() {}, warn() {}, error() {} };
  return new RequestQueue({
    maxInFlightRequests: 1,
    requestTimeout: 1000,
    enforceRequestTimeout: false,
    clientId: 'test',
    broker: 'localhost:9092',
    logger: { namespace: () => logger, ...logger },
  });
}

describe('kafkajs request queue', () => {
  it('sets no timer after a check that found nothing pending and no throttle', () => {
    const q = queue();
    try {
      q.checkPendingRequests();
      expect(q.throttleCheckTimeoutId).toBeNull();
    } finally {
      // Without the fix this timer re-arms itself every millisecond: stop it either way.
      clearTimeout(q.throttleCheckTimeoutId ?? undefined);
      q.destroy();
    }
  });

  it('still checks again while requests are pending or the broker throttles', () => {
    const pending = queue();
    pending.pending.push({});
    pending.checkPendingRequests = pending.checkPendingRequests.bind(pending);
    (pending as unknown as { scheduleCheckPendingRequests(): void }).scheduleCheckPendingRequests();
    expect(pending.throttleCheckTimeoutId).not.toBeNull();
    clearTimeout(pending.throttleCheckTimeoutId ?? undefined);
    pending.destroy();

    const throttled = queue();
    throttled.throttledUntil = Date.now() + 500;
    throttled.checkPendingRequests();
    expect(throttled.throttleCheckTimeoutId).not.toBeNull();
    clearTimeout(throttled.throttleCheckTimeoutId ?? undefined);
    throttled.destroy();
  });
});

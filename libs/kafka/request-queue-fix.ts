/**
 * kafkajs 2.2.4 (the last release) re-arms a timer after every check of a connection's
 * request queue, and with nothing pending and no throttle the delay is negative, so every
 * connection it ever used wakes its process about once a millisecond for good
 * (tulios/kafkajs#1556; the fix in tulios/kafkajs#1667 is unmerged). Measured here: an idle
 * app woke ~1,600 times a second, ~5% of a core each, and a busy ingress paid it too.
 *
 * This replaces that one method, as the fix does: with nothing pending and no throttle there
 * is nothing to check (a request pushed later schedules its own check, and every completed
 * request checks the queue again); otherwise it behaves as before.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const RequestQueue = require('kafkajs/src/network/requestQueue') as {
  prototype: RequestQueueInternals;
};

interface RequestQueueInternals {
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  pending: unknown[];
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10; // kafkajs's own interval

export function installRequestQueueFix(): void {
  RequestQueue.prototype.scheduleCheckPendingRequests = function (
    this: RequestQueueInternals,
  ): void {
    if (this.throttleCheckTimeoutId) return;
    let scheduleAt = this.throttledUntil - Date.now();
    if (this.pending.length > 0) {
      scheduleAt = scheduleAt > 0 ? scheduleAt : CHECK_PENDING_REQUESTS_INTERVAL_MS;
    } else if (scheduleAt <= 0) {
      return;
    }
    this.throttleCheckTimeoutId = setTimeout(() => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    }, scheduleAt);
  };
}

installRequestQueueFix();

/** BullMQ queue names (stored values: never rename one). */
export const QUEUES = {
  holds: 'embargo-holds',
} as const;

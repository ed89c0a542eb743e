import { CloudEvent, Kafka, type KafkaMessage } from 'cloudevents';
import { createHash } from 'node:crypto';

export const EVENT_SOURCE_PREFIX = '/embargo/';

export interface Envelope<T> {
  id: string;
  type: string;
  source: string;
  time: string;
  subject?: string;
  data: T;
  /** The request id carried as a CloudEvents extension for log correlation. */
  requestid?: string;
}

/**
 * Deterministic event ids make re-deliveries idempotent: the same transition of the
 * same request always gets the same id, which is also its OpenSearch `_id`.
 */
export function deterministicEventId(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
}

export function toKafkaMessage<T>(
  envelope: Envelope<T>,
  key: string,
): { key: string; value: Buffer; headers: Record<string, string> } {
  const event = new CloudEvent<T>({
    specversion: '1.0',
    id: envelope.id,
    type: envelope.type,
    source: envelope.source,
    time: envelope.time,
    subject: envelope.subject,
    datacontenttype: 'application/json',
    data: envelope.data,
    ...(envelope.requestid ? { requestid: envelope.requestid } : {}),
    partitionkey: key,
  });
  const message: KafkaMessage<unknown> = Kafka.binary(event);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(message.headers))
    if (v !== undefined && v !== null) headers[k] = String(v);
  const raw = message.body ?? message.value;
  const value = Buffer.isBuffer(raw)
    ? raw
    : Buffer.from(typeof raw === 'string' ? raw : JSON.stringify(raw));
  return { key, value, headers };
}

/** Parses a Kafka record into a CloudEvent; throws with a reason when it is not one. */
export function fromKafkaMessage(message: {
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
}): Envelope<unknown> {
  if (!message.value) throw new Error('empty message value');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(message.headers ?? {})) {
    if (v === undefined) continue;
    headers[k] = Array.isArray(v) ? String(v[0]) : String(v);
  }
  const ceKeys = ['ce_id', 'ce_type', 'ce_source', 'ce_specversion'];
  for (const k of ceKeys) if (!headers[k]) throw new Error(`missing CloudEvents header ${k}`);
  if (headers.ce_specversion !== '1.0') throw new Error('unsupported CloudEvents specversion');
  let data: unknown;
  try {
    data = JSON.parse(message.value.toString('utf8'));
  } catch {
    throw new Error('message value is not valid JSON');
  }
  return {
    id: headers.ce_id,
    type: headers.ce_type,
    source: headers.ce_source,
    time: headers.ce_time ?? new Date().toISOString(),
    subject: headers.ce_subject,
    requestid: headers.ce_requestid,
    data,
  };
}

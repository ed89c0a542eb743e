import { CloudEvent, Kafka, type KafkaMessage } from 'cloudevents';
import { createHash } from 'node:crypto';
import { z } from 'zod';

export const EVENT_SOURCE_PREFIX = '/embargo/';

/**
 * What an event id may be. The id is the OpenSearch `_id` of the event (which OpenSearch caps
 * at 512 bytes, refusing the whole bulk request over one that is longer) and names dead
 * letters, so a record with any other id is refused as malformed where it is read. Our own
 * ids are 32 hex digits or UUIDs.
 */
export const EVENT_ID_PATTERN = /^[A-Za-z0-9._:-]{1,256}$/;

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
 * What `ce_time` may be: an RFC 3339 timestamp, as CloudEvents requires. It becomes the
 * indexed event's `time`, which orders the audit trail; OpenSearch also takes other dates
 * (epoch milliseconds, years far past 9999) whose sort values no search cursor can carry.
 */
const EVENT_TIME = z.iso.datetime({ offset: true });

/**
 * Deterministic event ids make re-deliveries idempotent: the same transition of the
 * same request always gets the same id, which is also its OpenSearch `_id`.
 */
export function deterministicEventId(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
}

/**
 * A CloudEvent in the Kafka protocol binding's binary mode: attributes as `ce_*`
 * headers, the JSON data as the value, the partition key as the record key. Written by
 * hand on the hot path (the SDK's object model costs ~70 µs an event); a unit test holds
 * it to what the `cloudevents` SDK itself produces and parses.
 */
export function toKafkaMessage<T>(
  envelope: Envelope<T>,
  key: string,
): { key: string; value: Buffer; headers: Record<string, string> } {
  const headers: Record<string, string> = {
    ce_specversion: '1.0',
    ce_id: envelope.id,
    ce_type: envelope.type,
    ce_source: envelope.source,
    ce_time: envelope.time,
    'content-type': 'application/json',
    ce_datacontenttype: 'application/json',
    ce_partitionkey: key,
  };
  if (envelope.subject !== undefined) headers.ce_subject = envelope.subject;
  if (envelope.requestid) headers.ce_requestid = envelope.requestid;
  return { key, value: Buffer.from(JSON.stringify(envelope.data)), headers };
}

/** The same message built with the `cloudevents` SDK (tests compare the two). */
export function toKafkaMessageWithSdk<T>(
  envelope: Envelope<T>,
  key: string,
): KafkaMessage<unknown> {
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
  return Kafka.binary(event);
}

type KafkaHeaders = Record<string, Buffer | string | (Buffer | string)[] | undefined>;

/** A Kafka record's headers as text, the first value of a repeated one. */
export function kafkaHeaders(headers: KafkaHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? String(v[0]) : String(v);
  }
  return out;
}

/** Parses a Kafka record into a CloudEvent; throws with a reason when it is not one. */
export function fromKafkaMessage(message: {
  key: Buffer | null;
  value: Buffer | null;
  headers?: KafkaHeaders;
}): Envelope<unknown> {
  if (!message.value) throw new Error('empty message value');
  const headers = kafkaHeaders(message.headers);
  const ceKeys = ['ce_id', 'ce_type', 'ce_source', 'ce_specversion'];
  for (const k of ceKeys) if (!headers[k]) throw new Error(`missing CloudEvents header ${k}`);
  if (headers.ce_specversion !== '1.0') throw new Error('unsupported CloudEvents specversion');
  if (!EVENT_ID_PATTERN.test(headers.ce_id))
    throw new Error('ce_id is not 1 to 256 characters of A-Z, a-z, 0-9, ".", "_", ":", "-"');
  if (headers.ce_time !== undefined && !EVENT_TIME.safeParse(headers.ce_time).success)
    throw new Error('ce_time is not an RFC 3339 timestamp');
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

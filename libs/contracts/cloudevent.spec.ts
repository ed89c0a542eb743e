import { CloudEvent, Kafka } from 'cloudevents';
import {
  fromKafkaMessage,
  toKafkaMessage,
  toKafkaMessageWithSdk,
  type Envelope,
} from './cloudevent';

const envelope: Envelope<{ requestId: string; n: number }> = {
  id: 'a1b2c3',
  type: 'dev.embargo.request.received.v1',
  source: '/embargo/ingress',
  time: '2026-11-22T10:00:00.000Z',
  subject: 'req-1',
  requestid: 'req-1',
  data: { requestId: 'req-1', n: 3 },
};

describe('CloudEvents Kafka binding (binary mode)', () => {
  it('writes the same headers as the cloudevents SDK', () => {
    const ours = toKafkaMessage(envelope, 'req-1');
    const sdk = toKafkaMessageWithSdk(envelope, 'req-1');
    const sdkHeaders = Object.fromEntries(
      Object.entries(sdk.headers)
        .filter(([, v]) => v !== undefined && v !== null)
        .map(([k, v]) => [k, String(v)]),
    );
    expect(ours.headers).toEqual(sdkHeaders);
    expect(ours.key).toBe(sdk.key);
  });

  it('is read back by the SDK as the same event', () => {
    const ours = toKafkaMessage(envelope, 'req-1');
    const event = Kafka.toEvent({
      headers: ours.headers,
      key: ours.key,
      value: ours.value,
      body: ours.value,
    } as never) as CloudEvent<unknown>;
    expect(event.id).toBe(envelope.id);
    expect(event.type).toBe(envelope.type);
    expect(event.source).toBe(envelope.source);
    expect(event.subject).toBe('req-1');
    expect(event.requestid).toBe('req-1');
    const data = Buffer.isBuffer(event.data) ? JSON.parse(event.data.toString()) : event.data;
    expect(data).toEqual(envelope.data);
  });

  it('round-trips through our reader, and refuses records that are not CloudEvents', () => {
    const ours = toKafkaMessage(envelope, 'req-1');
    const back = fromKafkaMessage({
      key: Buffer.from(ours.key),
      value: ours.value,
      headers: ours.headers,
    });
    expect(back).toMatchObject({
      id: envelope.id,
      type: envelope.type,
      data: envelope.data,
      requestid: 'req-1',
    });
    expect(() => fromKafkaMessage({ key: null, value: Buffer.from('{}'), headers: {} })).toThrow(
      /missing CloudEvents header ce_id/,
    );
    expect(() =>
      fromKafkaMessage({ key: null, value: Buffer.from('nope'), headers: ours.headers }),
    ).toThrow(/not valid JSON/);
    expect(() =>
      fromKafkaMessage({
        key: null,
        value: ours.value,
        headers: { ...ours.headers, ce_specversion: '0.3' },
      }),
    ).toThrow(/specversion/);
  });

  it('refuses an event id that OpenSearch could not take as a document id', () => {
    const ours = toKafkaMessage(envelope, 'req-1');
    const withId = (id: string) => () =>
      fromKafkaMessage({ key: null, value: ours.value, headers: { ...ours.headers, ce_id: id } });
    expect(withId('b'.repeat(600))).toThrow(/ce_id is not 1 to 256 characters/);
    expect(withId('a/b')).toThrow(/ce_id/);
    expect(withId('c'.repeat(256))).not.toThrow();
    expect(withId('0f0e4c5e-8e0b-4a39-9d0e-1f8f8b7a6c55')).not.toThrow();
  });

  it('refuses a time that is not an RFC 3339 timestamp', () => {
    const ours = toKafkaMessage(envelope, 'req-1');
    const withTime = (time: string) => () =>
      fromKafkaMessage({
        key: null,
        value: ours.value,
        headers: { ...ours.headers, ce_time: time },
      });
    // OpenSearch takes these as dates, and the first sorts after every real event with a sort
    // value past JavaScript's safe integers, so no search could page past it.
    for (const time of ['+292278993-01-01T00:00:00Z', '1700000000000', '2026-11-22', 'soon'])
      expect(withTime(time)).toThrow(/ce_time is not an RFC 3339 timestamp/);
    expect(withTime('2026-11-22T10:00:00Z')).not.toThrow();
    expect(withTime('2026-11-22T12:00:00.123456+02:00')).not.toThrow();
  });
});

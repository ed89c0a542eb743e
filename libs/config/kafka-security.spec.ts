import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kafkaSecurity } from './load-config';

describe('kafkaSecurity', () => {
  const dir = mkdtempSync(join(tmpdir(), 'embargo-kafka-security-'));
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const refused = (config: Parameters<typeof kafkaSecurity>[0]) => {
    try {
      kafkaSecurity(config);
    } catch (err) {
      return (err as Error).message;
    }
    return 'accepted';
  };

  it('is plaintext and anonymous unless told otherwise', () => {
    expect(kafkaSecurity({ KAFKA_TLS: 'false' })).toEqual({});
  });

  it('reads a CA bundle and a password file, without the trailing newline', () => {
    const ca = file('ca.pem', '-----BEGIN CERTIFICATE-----\n...\n');
    const secret = file('password', 's3cret\n');
    expect(
      kafkaSecurity({
        KAFKA_TLS: 'true',
        KAFKA_TLS_CA_FILE: ca,
        KAFKA_SASL_MECHANISM: 'scram-sha-256',
        KAFKA_SASL_USERNAME: 'ingress',
        KAFKA_SASL_PASSWORD_FILE: secret,
      }),
    ).toEqual({
      ssl: { ca: '-----BEGIN CERTIFICATE-----\n...\n' },
      sasl: { mechanism: 'scram-sha-256', username: 'ingress', password: 's3cret' },
    });
  });

  it('names the setting when the others do not fit with it', () => {
    expect(refused({ KAFKA_TLS: 'false', KAFKA_TLS_CA_FILE: '/ca.pem' })).toBe(
      'Invalid setting KAFKA_TLS_CA_FILE: is invalid (set KAFKA_TLS=true as well)',
    );
    expect(refused({ KAFKA_TLS: 'false', KAFKA_SASL_USERNAME: 'ingress' })).toBe(
      'Invalid setting KAFKA_SASL_MECHANISM: is missing (the SASL user and password need it)',
    );
    expect(
      refused({
        KAFKA_TLS: 'false',
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_PASSWORD: 'x',
      }),
    ).toBe('Invalid setting KAFKA_SASL_USERNAME: is missing');
    expect(
      refused({
        KAFKA_TLS: 'true',
        KAFKA_SASL_MECHANISM: 'plain',
        KAFKA_SASL_USERNAME: 'ingress',
        KAFKA_SASL_PASSWORD: 'x',
        KAFKA_SASL_PASSWORD_FILE: file('p2', 'y'),
      }),
    ).toBe(
      'Invalid setting KAFKA_SASL_PASSWORD_FILE: is invalid (give the password or its file, not both)',
    );
    expect(
      refused({
        KAFKA_TLS: 'false',
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: 'ingress',
        KAFKA_SASL_PASSWORD_FILE: join(dir, 'missing'),
      }),
    ).toBe('Invalid setting KAFKA_SASL_PASSWORD_FILE: is invalid (cannot read the file it names)');
  });
});

import { REPO_ROOT, startApp, testKeyring } from '@embargo/testing';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The local broker's SASL/SCRAM listener (deploy/local/start). */
const SASL_BROKERS = `127.0.0.1:${process.env.EMBARGO_KAFKA_SASL_PORT ?? '9094'}`;

/**
 * Apps reach a Kafka that requires authentication: SASL/SCRAM against the real broker's
 * SASL listener, with a user made for this run, the password read from a file as a mounted
 * secret would be. A wrong password keeps the app from ever being ready, and the password is
 * in none of its output.
 */
describe('Kafka with SASL/SCRAM', () => {
  const user = `embargo-test-${randomBytes(4).toString('hex')}`;
  const password = randomBytes(18).toString('base64url');
  const dir = mkdtempSync(join(tmpdir(), 'embargo-sasl-'));
  const passwordFile = join(dir, 'password');
  /** Adds or removes this run's user on the broker, with Kafka's own tool. */
  const scramUser = (...change: string[]) =>
    execFileSync(join(REPO_ROOT, 'deploy', 'local', 'kafka-tool'), [
      'configs',
      '--alter',
      '--entity-type',
      'users',
      '--entity-name',
      user,
      ...change,
    ]);

  beforeAll(() => {
    writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
    scramUser('--add-config', `SCRAM-SHA-512=[password=${password}]`);
  }, 60_000);

  afterAll(() => {
    scramUser('--delete-config', 'SCRAM-SHA-512');
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const env = (extra: Record<string, string>) => ({
    LOG_LEVEL: 'warn',
    MASKING_KEYS: testKeyring('m1'),
    KAFKA_BROKERS: SASL_BROKERS,
    KAFKA_SASL_MECHANISM: 'scram-sha-512',
    KAFKA_SASL_USERNAME: user,
    ...extra,
  });

  it('runs an app that authenticates with a password from a file', async () => {
    const app = await startApp('masking', env({ KAFKA_SASL_PASSWORD_FILE: passwordFile }));
    try {
      const ready = await fetch(`${app.url}/readyz`);
      expect(ready.status).toBe(200);
    } finally {
      await app.stop();
    }
  });

  it('never becomes ready with a wrong password, and never prints a password', async () => {
    const wrong = `${password}-wrong`;
    const started = startApp('masking', env({ KAFKA_SASL_PASSWORD: wrong }), {
      timeoutMs: 15_000,
    });
    const error = await started.then(
      () => new Error('started'),
      (err: unknown) => err as Error,
    );
    expect(error.message).toMatch(/authentication failed/i);
    expect(error.message).not.toContain(wrong);
    expect(error.message).not.toContain(password);
  });

  it('refuses PLAIN without TLS at start-up, naming the setting', async () => {
    const app = await startApp(
      'masking',
      env({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_PASSWORD: password }),
      { ready: 'none' },
    );
    const code = await new Promise<number | null>((resolve) => app.process.once('exit', resolve));
    expect(code).toBe(78);
    expect(app.output().trim()).toBe(
      'Invalid setting KAFKA_SASL_MECHANISM: is invalid (plain sends the password itself: set KAFKA_TLS=true)',
    );
  });
});

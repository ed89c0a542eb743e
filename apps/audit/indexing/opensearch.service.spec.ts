import { EmbargoError } from '@embargo/contracts';
import type { Readiness } from '@embargo/observability';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { AuditConfig } from '../config';
import { OpenSearchService } from './opensearch.service';

describe('OpenSearchService.searchEvents when OpenSearch does not answer', () => {
  let server: Server;
  const searches: IncomingMessage[] = [];

  beforeAll(async () => {
    // An OpenSearch that takes searches and never answers them.
    server = createServer((req) => searches.push(req));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('gives up once past the search timeout, without running the search again', async () => {
    const { port } = server.address() as AddressInfo;
    const config = {
      OPENSEARCH_URL: `http://127.0.0.1:${port}`,
      AUDIT_INDEX: 'embargo-events-test',
      AUDIT_SEARCH_TIMEOUT_MS: 100,
    } as AuditConfig;
    const os = new OpenSearchService(config, {} as Readiness, {} as Logger);
    const started = Date.now();
    const err = await os.searchEvents({ query: { match_all: {} } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EmbargoError);
    expect(err).toMatchObject({ code: 'search_timeout', status: 504 });
    expect((err as Error).message).toMatch(/^The search took longer than 0.1 s; narrow it/);
    // The timeout and a few seconds for OpenSearch's own timed_out answer to arrive.
    expect(Date.now() - started).toBeGreaterThanOrEqual(5000);
    expect(Date.now() - started).toBeLessThan(8000);
    expect(searches).toHaveLength(1);
  }, 15_000);
});

describe('OpenSearchService.searchEvents while OpenSearch is restarting', () => {
  let server: Server;

  beforeAll(async () => {
    // An OpenSearch still recovering its shards: it answers, and searches fail with 503.
    server = createServer((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: {
            type: 'search_phase_execution_exception',
            reason: 'all shards failed',
            root_cause: [],
          },
          status: 503,
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('is a 503 to try again, not a 500', async () => {
    const { port } = server.address() as AddressInfo;
    const config = {
      OPENSEARCH_URL: `http://127.0.0.1:${port}`,
      AUDIT_INDEX: 'embargo-events-test',
      AUDIT_SEARCH_TIMEOUT_MS: 1000,
    } as AuditConfig;
    const logger = { error: () => undefined } as unknown as Logger;
    const os = new OpenSearchService(config, {} as Readiness, logger);
    const err = await os.searchEvents({ query: { match_all: {} } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EmbargoError);
    expect(err).toMatchObject({ code: 'audit_unavailable', status: 503 });
    expect((err as Error).message).toMatch(/try again later \(error id [0-9a-f-]{36}\)$/);
    expect((err as Error).message).not.toMatch(/shards/);
  });
});

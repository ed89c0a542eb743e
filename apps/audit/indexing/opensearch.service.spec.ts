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

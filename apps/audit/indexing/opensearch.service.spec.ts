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

describe('OpenSearchService.bulkIndex when OpenSearch refuses a whole bulk request', () => {
  let server: Server;
  const indexed: string[] = [];

  beforeAll(async () => {
    // Answers as OpenSearch does: a request holding any `_id` over 512 bytes is refused
    // whole (400, action_request_validation_exception) before anything is indexed.
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const lines = Buffer.concat(chunks).toString().split('\n').filter(Boolean);
        const ids = lines
          .filter((_, i) => i % 2 === 0)
          .map((l) => (JSON.parse(l) as { index: { _id: string } }).index._id);
        res.setHeader('content-type', 'application/json');
        if (ids.includes('closed')) {
          res.statusCode = 400;
          res.end(JSON.stringify({ error: { type: 'index_closed_exception', reason: 'closed' } }));
          return;
        }
        if (ids.some((id) => Buffer.byteLength(id) > 512)) {
          res.statusCode = 400;
          res.end(
            JSON.stringify({
              error: {
                type: 'action_request_validation_exception',
                reason: 'Validation Failed: 1: id is too long, must be no longer than 512 bytes',
              },
              status: 400,
            }),
          );
          return;
        }
        indexed.push(...ids);
        res.end(JSON.stringify({ errors: false }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('indexes the others and refuses only the document that made it invalid', async () => {
    const { port } = server.address() as AddressInfo;
    const config = {
      OPENSEARCH_URL: `http://127.0.0.1:${port}`,
      AUDIT_INDEX: 'embargo-events-test',
      AUDIT_SEARCH_TIMEOUT_MS: 1000,
    } as AuditConfig;
    const os = new OpenSearchService(config, {} as Readiness, {} as Logger);
    const docs = ['a', 'b', 'x'.repeat(600), 'c', 'd'].map((id) => ({ id, doc: { id } }));
    const refused = await os.bulkIndex('embargo-events-test', docs);
    expect(refused).toEqual([
      {
        position: 2,
        type: 'action_request_validation_exception',
        reason: expect.stringMatching(/id is too long/) as string,
      },
    ]);
    expect(indexed.sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('retries, dead-lettering nothing, when the refusal is about the index', async () => {
    const { port } = server.address() as AddressInfo;
    const config = {
      OPENSEARCH_URL: `http://127.0.0.1:${port}`,
      AUDIT_INDEX: 'embargo-events-test',
      AUDIT_SEARCH_TIMEOUT_MS: 1000,
    } as AuditConfig;
    const os = new OpenSearchService(config, {} as Readiness, {} as Logger);
    await expect(
      os.bulkIndex('embargo-events-test', [{ id: 'closed', doc: {} }]),
    ).rejects.toThrow();
  });
});

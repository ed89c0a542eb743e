import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG } from '@embargo/config';
import { EmbargoError } from '@embargo/contracts';
import { LOGGER, NotReady, Readiness } from '@embargo/observability';
import { Client, errors } from '@opensearch-project/opensearch';
import type { Bulk_RequestBody } from '@opensearch-project/opensearch/api/index.js';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { AuditConfig } from '../config';
import { EVENTS_INDEX_MAPPING, DEAD_LETTERS_MAPPING } from './mappings';

/** A document OpenSearch refused for good, by its position in the bulk request. */
export interface BulkRefusal {
  position: number;
  type: string;
  reason: string;
}

/**
 * The type of a bulk item refused because a document with its id is already indexed: every
 * document is created, never replaced, so an event once in the trail stays as it was written.
 */
export const ALREADY_INDEXED = 'version_conflict_engine_exception';

/** Bulk requests stay well under OpenSearch's default http.max_content_length (100 MB). */
const MAX_BULK_BYTES = 16 * 1024 * 1024;
/** A single document may take a bulk request of its own up to this size. */
const MAX_DOCUMENT_BYTES = 90 * 1024 * 1024;

/**
 * Refusals that say the index cannot take writes (closed, missing, misnamed, blocked as the
 * disk fills up), for a whole request or item by item: retried, since dead-lettering would
 * take every event out of the trail until the index is back.
 */
const INDEX_PROBLEMS = new Set([
  'index_closed_exception',
  'index_not_found_exception',
  'invalid_index_name_exception',
  'cluster_block_exception',
]);

/**
 * The type and reason of a bulk request OpenSearch refused whole as invalid (400), which the
 * same request meets again; undefined for anything worth retrying (busy, down, 5xx).
 */
function requestRefusal(err: unknown): { type: string; reason: string } | undefined {
  if (!(err instanceof errors.ResponseError) || err.meta.statusCode !== 400) return undefined;
  const body = err.meta.body as { error?: { type?: string; reason?: string } } | undefined;
  // About the index, not a document: every event would be dead-lettered, so wait instead.
  if (INDEX_PROBLEMS.has(body?.error?.type ?? '')) return undefined;
  return {
    type: body?.error?.type ?? 'bad_request',
    reason: (body?.error?.reason ?? err.message).slice(0, 300),
  };
}

/** Answers from an OpenSearch that is not serving yet (or a proxy without one behind it). */
const UNAVAILABLE_STATUSES = new Set([502, 503, 504]);

/**
 * One indexing request (bulk, mget) may wait this long, once: the client's own retries
 * (two more of its default 10 s) kept a handler silent for 30 s, past the consumer's session,
 * and a stalled OpenSearch got the indexer dropped from its group. The consumer retries a
 * failed batch itself, with a heartbeat between tries.
 */
const INDEX_REQUEST = { requestTimeout: 10_000, maxRetries: 0 };

/**
 * How long the client waits for a search beyond its own timeout: OpenSearch checks the
 * timeout as it goes and answers `timed_out` a little after it has passed.
 */
const SEARCH_ANSWER_GRACE_MS = 5000;

/** The answer to an audit search that ran past AUDIT_SEARCH_TIMEOUT_MS. */
export function searchTimeout(timeoutMs: number): EmbargoError {
  return new EmbargoError(
    'search_timeout',
    `The search took longer than ${timeoutMs / 1000} s; narrow it with filters (requestId, principal, stage, from and to) or a more specific q`,
  );
}

/** The OpenSearch client and the index set-up the audit trail needs. */
@Injectable()
export class OpenSearchService implements OnModuleInit {
  readonly client: Client;
  readonly eventsIndex: string;
  readonly deadLettersIndex: string;
  private readonly searchTimeoutMs: number;

  constructor(
    @Inject(APP_CONFIG) config: AuditConfig,
    @Inject(Readiness) private readonly readiness: Readiness,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.client = new Client({ node: config.OPENSEARCH_URL, requestTimeout: 10000, maxRetries: 2 });
    this.eventsIndex = config.AUDIT_INDEX;
    this.deadLettersIndex = `${config.AUDIT_INDEX}-dead-letters`;
    this.searchTimeoutMs = config.AUDIT_SEARCH_TIMEOUT_MS;
  }

  async onModuleInit(): Promise<void> {
    await this.ensureIndex(this.eventsIndex, EVENTS_INDEX_MAPPING);
    await this.ensureIndex(this.deadLettersIndex, DEAD_LETTERS_MAPPING);
    this.readiness.register('opensearch', async () => {
      const res = await this.client.cluster.health({});
      if (res.body.status === 'red') throw new NotReady('cluster status red');
    });
  }

  /**
   * Searches the events index. OpenSearch's refusals (4xx) name indices, fields and query
   * internals: the caller gets a generic message with an error id, the log gets the detail.
   * An OpenSearch that cannot be reached, or answers 502, 503 or 504 (restarting, its shards
   * not yet recovered), is a 503 audit_unavailable the same way (asking again helps once it
   * is back); other failures (500) reach the error filter, a 500.
   * The client waits longer than the search's own timeout (its default, 10 s, is the
   * timeout's default too) and does not retry: a search it gave up on would run twice more,
   * and an auditor can ask again.
   */
  async searchEvents(body: Record<string, unknown>) {
    try {
      return await this.client.search(
        { index: this.eventsIndex, body },
        { requestTimeout: this.searchTimeoutMs + SEARCH_ANSWER_GRACE_MS, maxRetries: 0 },
      );
    } catch (err) {
      if (err instanceof errors.TimeoutError) throw searchTimeout(this.searchTimeoutMs);
      const errorId = randomUUID();
      // Down, restarting or unreachable: the same question answers once it is back.
      if (err instanceof errors.ConnectionError || err instanceof errors.NoLivingConnectionsError) {
        this.logger.error(
          { errorId, err: { message: err.message } },
          'opensearch unreachable for a search of the events index',
        );
        throw new EmbargoError(
          'audit_unavailable',
          `The audit trail is unavailable; try again later (error id ${errorId})`,
        );
      }
      const status = (err as { meta?: { statusCode?: unknown } }).meta?.statusCode;
      // Restarting (shards not yet recovered, cluster state not recovered) or behind a proxy
      // that cannot reach it: as unreachable, the same question answers once it is back.
      if (typeof status === 'number' && UNAVAILABLE_STATUSES.has(status)) {
        this.logger.error(
          { errorId, status, err: { message: (err as Error).message } },
          'opensearch unavailable for a search of the events index',
        );
        throw new EmbargoError(
          'audit_unavailable',
          `The audit trail is unavailable; try again later (error id ${errorId})`,
        );
      }
      if (typeof status !== 'number' || status < 400 || status >= 500) throw err;
      this.logger.error(
        { errorId, status, err: { message: (err as Error).message } },
        'opensearch refused a search of the events index',
      );
      if (status === 429)
        throw new EmbargoError(
          'audit_unavailable',
          `The audit trail is busy; try again later (error id ${errorId})`,
        );
      throw new EmbargoError('internal_error', `The audit search failed (error id ${errorId})`);
    }
  }

  /**
   * Creates documents by id and returns those refused for good; one whose id is already
   * indexed is refused as ALREADY_INDEXED and the stored one is left as it is (a redelivered
   * batch changes nothing, and a record written under an indexed event's id cannot replace
   * it). Throws when OpenSearch was only busy (429, 5xx), so the caller's
   * batch is retried whole. A batch goes out in bulk requests of at most `maxBulkBytes`:
   * one consumer fetch can hold 32 MiB of records per partition, and a request over
   * OpenSearch's http.max_content_length (100 MB) would be refused, and retried, forever.
   * A document that could never fit is refused here, with the others indexed.
   */
  async bulkIndex(
    index: string,
    docs: readonly { id: string; doc: Record<string, unknown> }[],
    {
      maxBulkBytes = MAX_BULK_BYTES,
      between,
    }: {
      maxBulkBytes?: number;
      /** Called between two bulk requests of one batch: the consumer's heartbeat. */
      between?: () => Promise<void>;
    } = {},
  ): Promise<BulkRefusal[]> {
    const refused: BulkRefusal[] = [];
    let lines: string[] = [];
    let positions: number[] = [];
    let bytes = 0;
    const send = async () => {
      if (positions.length === 0) return;
      refused.push(...(await this.sendBulkSplitting(lines, positions)));
      lines = [];
      positions = [];
      bytes = 0;
    };
    for (const [position, { id, doc }] of docs.entries()) {
      const line = `${JSON.stringify({ create: { _index: index, _id: id } })}\n${JSON.stringify(doc)}\n`;
      const size = Buffer.byteLength(line);
      if (size > Math.max(maxBulkBytes, MAX_DOCUMENT_BYTES)) {
        refused.push({ position, type: 'document_too_large', reason: `${size} bytes` });
        continue;
      }
      if (bytes + size > maxBulkBytes) {
        await send();
        await between?.();
      }
      lines.push(line);
      positions.push(position);
      bytes += size;
    }
    await send();
    return refused;
  }

  /**
   * OpenSearch refuses a whole bulk request (400) for one item it finds invalid before
   * indexing (an `_id` over 512 bytes, say). Retrying the same request cannot help, and
   * would stop the partition for good: the request is halved until the refused item stands
   * alone, and that one is refused, with OpenSearch's reason, while the others are indexed.
   */
  private async sendBulkSplitting(lines: string[], positions: number[]): Promise<BulkRefusal[]> {
    try {
      return await this.sendBulk(lines.join(''), positions);
    } catch (err) {
      const refusal = requestRefusal(err);
      if (!refusal) throw err;
      if (lines.length === 1) return [{ position: positions[0], ...refusal }];
      const half = Math.ceil(lines.length / 2);
      return [
        ...(await this.sendBulkSplitting(lines.slice(0, half), positions.slice(0, half))),
        ...(await this.sendBulkSplitting(lines.slice(half), positions.slice(half))),
      ];
    }
  }

  /** One bulk request; `positions` maps its items back to the caller's documents. */
  private async sendBulk(ndjson: string, positions: number[]): Promise<BulkRefusal[]> {
    // Only what is read back below: the full per-item answer is most of the bulk response.
    const res = await this.client.bulk(
      {
        // Sent as is: the client takes a bulk body as NDJSON text as well as an array.
        body: ndjson as unknown as Bulk_RequestBody,
        refresh: false,
        filter_path: 'errors,items.*.status,items.*.error',
      },
      INDEX_REQUEST,
    );
    if (!res.body.errors) return [];
    const refused: BulkRefusal[] = [];
    res.body.items.forEach((item, k) => {
      const r = item.create ?? item.index;
      if (!r?.error) return;
      const status = r.status ?? 0;
      if (status === 429 || status >= 500 || INDEX_PROBLEMS.has(r.error.type))
        throw new Error(`opensearch ${status}: ${r.error.type}`);
      refused.push({ position: positions[k], type: r.error.type, reason: r.error.reason ?? '' });
    });
    return refused;
  }

  /** The `digest` and `time` of each document of `ids` that `index` holds (realtime). */
  async storedDigests(
    index: string,
    ids: readonly string[],
  ): Promise<Map<string, { digest: unknown; time: string }>> {
    const res = await this.client.mget(
      { index, body: { ids: [...new Set(ids)] }, _source: ['digest', 'time'] },
      INDEX_REQUEST,
    );
    const docs = res.body.docs as {
      _id: string;
      found?: boolean;
      _source?: { digest?: unknown; time?: unknown };
    }[];
    return new Map(
      docs
        .filter((d) => d.found)
        .map((d) => [d._id, { digest: d._source?.digest, time: String(d._source?.time) }]),
    );
  }

  private async ensureIndex(index: string, mappings: Record<string, unknown>): Promise<void> {
    const exists = await this.client.indices.exists({ index });
    if (exists.body) {
      // An index from an earlier release: fields added since are put on it (adding a field
      // is the only mapping change releases make, and OpenSearch accepts it in place).
      await this.client.indices.putMapping({ index, body: mappings });
      return;
    }
    await this.client.indices
      .create({
        index,
        body: {
          // No refresh_interval: left unset, a shard nobody searched for 30 s skips its
          // periodic refresh (OpenSearch's search-idle), and the next search refreshes it
          // before it runs, so auditors still see every indexed event. Pinning it to 1 s
          // made every idle index refresh every second.
          settings: { number_of_shards: 1, number_of_replicas: 0 },
          mappings,
        },
      })
      .catch((err: { meta?: { body?: { error?: { type?: string } } } }) => {
        if (err.meta?.body?.error?.type !== 'resource_already_exists_exception') throw err;
      });
  }
}

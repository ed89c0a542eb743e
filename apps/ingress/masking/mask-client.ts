import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '@embargo/config';
import {
  EmbargoError,
  MASK_EVENT_TYPES,
  maskRequestDigest,
  SIGNED_PURPOSES,
  type MaskReply,
  type MaskRequest,
} from '@embargo/contracts';
import { DocumentMacs } from '@embargo/crypto';
import { KafkaService, type ConsumedMessage, type TopicHandler } from '@embargo/kafka';
import { APP_IDENTITY, LOGGER, type AppIdentity } from '@embargo/observability';
import type { MaskPlan } from '@embargo/policy';
import type { Logger } from 'pino';
import type { IngressConfig } from '../config';

interface Pending {
  /** What the reply must name: the digest of the request as it was sent. */
  requestDigest: string;
  resolve: (reply: MaskReply) => void;
  reject: (err: Error) => void;
}

/** Texts per mask request: large batches are split so several workers share them. */
const CHUNK_BYTES = 256 * 1024;
/** At most this many texts per mask request (the topic's schema allows 4096). */
const CHUNK_TEXTS = 1024;

/**
 * Request/reply over Kafka to the masking worker pool. Replies are addressed to this
 * instance; a reply that does not arrive in time fails the request closed (503).
 */
@Injectable()
export class MaskClient implements TopicHandler<'maskReplies'> {
  private readonly pending = new Map<string, Pending>();
  /** Replies must carry the workers' tag (a key derived from MASKING_KEYS). */
  private readonly macs: DocumentMacs;

  constructor(
    private readonly kafka: KafkaService,
    @Inject(APP_IDENTITY) private readonly identity: AppIdentity,
    @Inject(APP_CONFIG) private readonly config: IngressConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.macs = new DocumentMacs(config.MASKING_KEYS, SIGNED_PURPOSES.maskReply);
  }

  async mask(
    requestId: string,
    texts: string[],
    plan: MaskPlan,
  ): Promise<{ texts: string[]; counts: Record<string, number> }> {
    const chunks = chunk(texts);
    const deadline = Date.now() + this.config.MASK_TIMEOUT_MS;
    const replies = await Promise.all(
      chunks.map(({ offset, texts: part }) => this.ask(requestId, offset, part, plan, deadline)),
    );
    const out: string[] = new Array<string>(texts.length);
    const counts: Record<string, number> = {};
    for (const [i, r] of replies.entries()) {
      // The same input would fail again: the caller is told to send less, not to retry.
      if (!r.ok && r.code === 'result_too_large')
        throw new EmbargoError(
          'payload_too_large',
          'The masked input is too large to return from the masking workers; send fewer or shorter inputs per request',
        );
      // A reply for fewer or more texts than were sent would leave holes or overwrite.
      if (!r.ok || r.texts?.length !== chunks[i].texts.length)
        throw new EmbargoError(
          'masking_unavailable',
          'Masking failed; the request was not forwarded',
        );
      r.texts.forEach((t, k) => (out[r.offset + k] = t));
      for (const [k, v] of Object.entries(r.counts ?? {})) counts[k] = (counts[k] ?? 0) + v;
    }
    return { texts: out, counts };
  }

  /** Detection counts per entity type over `texts`, from the worker pool. */
  async countFindings(requestId: string, texts: string[]): Promise<Record<string, number>> {
    const deadline = Date.now() + this.config.MASK_TIMEOUT_MS;
    const replies = await Promise.all(
      chunk(texts).map(({ offset, texts: part }) =>
        this.ask(requestId, offset, part, undefined, deadline),
      ),
    );
    const counts: Record<string, number> = {};
    for (const r of replies) {
      // A count answers with counts and no texts; anything else is not an answer to it.
      if (!r.ok || !r.counts || r.texts)
        throw new EmbargoError(
          'masking_unavailable',
          'Detection failed; the request was not forwarded',
        );
      for (const [k, v] of Object.entries(r.counts)) counts[k] = (counts[k] ?? 0) + v;
    }
    return counts;
  }

  /** One chunk to the pool: masked with `plan`, or only counted when there is none. */
  private ask(
    requestId: string,
    offset: number,
    texts: string[],
    plan: MaskPlan | undefined,
    deadline: number,
  ): Promise<MaskReply> {
    const kind = plan ? 'mask' : 'count';
    const key = `${kind}:${requestId}:${offset}`;
    if (this.pending.has(key))
      // Request ids are the server's own UUIDs; a clash is a bug, and must not cross replies.
      return Promise.reject(new Error(`a mask request ${key} is already waiting`));
    const request: MaskRequest = {
      requestId,
      replyTo: this.identity.instance,
      offset,
      texts,
      ...(plan
        ? {
            entities: plan.entities,
            thresholds: plan.thresholds,
            allowList: plan.allowList,
            denyList: plan.denyList,
          }
        : { entities: {} }),
      deadline,
    };
    const type = MASK_EVENT_TYPES[kind];
    const requestDigest = maskRequestDigest(type, request);
    return new Promise<MaskReply>((resolve, reject) => {
      const timer = setTimeout(
        () => {
          this.pending.delete(key);
          reject(
            new EmbargoError(
              'masking_unavailable',
              'The masking workers did not answer in time; the request was not forwarded',
            ),
          );
        },
        Math.max(1, deadline - Date.now()),
      );
      this.pending.set(key, {
        requestDigest,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.kafka.publisher
        .publish('maskRequests', request, {
          // Keyed per chunk, not per request: a request's chunks hash to different partitions,
          // so several workers share a large input. Replies are matched by request id and
          // offset, never by key, and a chunk's answer needs no order with its siblings.
          key: `${requestId}:${offset}`,
          type,
          idParts: [kind, requestId, String(offset)],
          requestId,
        })
        .catch(() => {
          this.pending
            .get(key)
            ?.reject(new EmbargoError('masking_unavailable', 'Masking request could not be sent'));
          this.pending.delete(key);
        });
    });
  }

  /**
   * Every instance reads every reply: one the workers addressed to another instance is passed
   * over before its value (up to 32 MiB of masked text) is parsed on this event loop. A reply
   * without a subject (from a worker that names none) is read and checked as any other.
   */
  accepts(headers: Record<string, string>): boolean {
    const to = headers.ce_subject;
    return to === undefined || to === this.identity.instance;
  }

  /**
   * Replies for other instances are skipped; ours resolve the waiting request once their tag
   * holds and they name the request as it was sent. Anything else is logged and ignored, so
   * the workers' true reply can still arrive before the deadline: someone able to write the
   * replies topic can neither choose what is forwarded nor fail a request early.
   */
  async handle(messages: ConsumedMessage<MaskReply>[]): Promise<void> {
    for (const m of messages) {
      if (m.payload.replyTo !== this.identity.instance) continue;
      const kind = m.envelope.type === MASK_EVENT_TYPES.counted ? 'count' : 'mask';
      const key = `${kind}:${m.payload.requestId}:${m.payload.offset}`;
      const p = this.pending.get(key);
      if (!p) continue;
      const problem =
        this.macs.problem(m.payload) ??
        (m.payload.requestDigest === p.requestDigest
          ? undefined
          : 'it answers another request under the same ids');
      if (problem) {
        this.logger.warn(
          { requestId: m.payload.requestId, eventId: m.envelope.id, problem },
          'mask reply ignored',
        );
        continue;
      }
      this.pending.delete(key);
      p.resolve(m.payload);
    }
  }
}

function chunk(texts: string[]): { offset: number; texts: string[] }[] {
  const out: { offset: number; texts: string[] }[] = [];
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < texts.length; i++) {
    const n = texts[i].length * 2;
    if (i > start && (bytes + n > CHUNK_BYTES || i - start >= CHUNK_TEXTS)) {
      out.push({ offset: start, texts: texts.slice(start, i) });
      start = i;
      bytes = 0;
    }
    bytes += n;
  }
  out.push({ offset: start, texts: texts.slice(start) });
  return out;
}

import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '@embargo/config';
import {
  MASK_EVENT_TYPES,
  MAX_MASK_WAIT_MS,
  maskRequestDigest,
  SIGNED_PURPOSES,
  type MaskAnswer,
  type MaskRequest,
} from '@embargo/contracts';
import { DocumentMacs } from '@embargo/crypto';
import {
  KafkaService,
  RecordTooLarge,
  type ConsumedMessage,
  type HandlerContext,
  type TopicHandler,
} from '@embargo/kafka';
import { LOGGER } from '@embargo/observability';
import { countFindings, engineOptions, mask } from '@embargo/masking';
import type { Logger } from 'pino';
import type { MaskingConfig } from '../config';

/**
 * Characters masked between two yields of one request (about 30 ms at the engine's measured
 * 8 MB/s): the worker heartbeats, sends finished replies and checks the deadline that often.
 * A single text is never cut, so one step is at most one text (MAX_TEXT_CHARS).
 */
const STEP_CHARS = 256 * 1024;

/**
 * One worker of the masking pool: masks each request's texts and replies to the
 * ingress instance that asked. Requests past their deadline are answered with an
 * error without work: the ingress has already failed them closed.
 */
@Injectable()
export class MaskRequestsConsumer implements TopicHandler<'maskRequests'> {
  /** Replies are tagged with a key only the workers and the ingress hold (MASKING_KEYS). */
  private readonly macs: DocumentMacs;

  constructor(
    @Inject(APP_CONFIG) private readonly config: MaskingConfig,
    private readonly kafka: KafkaService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.macs = new DocumentMacs(config.MASKING_KEYS, SIGNED_PURPOSES.maskReply);
  }

  /**
   * Each reply leaves as soon as its request is masked, and a request is masked in steps of
   * at most STEP_CHARS: between steps the work yields, so finished replies are sent and the
   * group hears a heartbeat, and the deadline is checked again, so work nobody waits for is
   * dropped. A request's deadline counts at most MAX_MASK_WAIT_MS past its sending.
   */
  async handle(messages: ConsumedMessage<MaskRequest>[], context?: HandlerContext): Promise<void> {
    const between = async () => {
      await new Promise((resolve) => setImmediate(resolve));
      await context?.heartbeat();
    };
    const replies: Promise<void>[] = [];
    let stopped: Error | undefined;
    try {
      for (const m of messages) {
        const kind = m.envelope.type === MASK_EVENT_TYPES.count ? 'count' : 'mask';
        const digest = maskRequestDigest(m.envelope.type, m.payload);
        const sentAt = Number(m.timestamp);
        const latest = (Number.isFinite(sentAt) ? sentAt : Date.now()) + MAX_MASK_WAIT_MS;
        const req = { ...m.payload, deadline: Math.min(m.payload.deadline, latest) };
        const answer = await this.processInSteps(req, kind, between);
        // Named as the ingress sent it: the reply carries the request's own ids.
        replies.push(this.reply(m.payload, kind, digest, answer));
        await between();
      }
    } catch (err) {
      stopped = err instanceof Error ? err : new Error(String(err));
    }
    // Every reply is waited for, even when a heartbeat threw (the group is rebalancing): a
    // reply left unobserved and failing would end the process as an unhandled rejection.
    const failed = (await Promise.allSettled(replies)).find((r) => r.status === 'rejected');
    if (failed)
      throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
    if (stopped) throw stopped;
  }

  /** `process` over bounded slices of the texts, calling `between` from one to the next. */
  private async processInSteps(
    req: MaskRequest,
    kind: 'mask' | 'count',
    between: () => Promise<void>,
  ): Promise<MaskAnswer> {
    const texts: string[] = [];
    const counts: Record<string, number> = {};
    let start = 0;
    while (start < req.texts.length) {
      let end = start + 1;
      let chars = req.texts[start].length;
      while (end < req.texts.length && chars + req.texts[end].length <= STEP_CHARS)
        chars += req.texts[end++].length;
      if (start > 0) await between();
      const part = this.process({ ...req, texts: req.texts.slice(start, end) }, kind);
      if (!part.ok) return part;
      texts.push(...(part.texts ?? []));
      for (const [k, v] of Object.entries(part.counts ?? {})) counts[k] = (counts[k] ?? 0) + v;
      start = end;
    }
    const base = { requestId: req.requestId, replyTo: req.replyTo, offset: req.offset };
    return kind === 'count' ? { ...base, ok: true, counts } : { ...base, ok: true, texts, counts };
  }

  /** A mask request's masked texts and counts, or a count request's counts alone. */
  process(req: MaskRequest, kind: 'mask' | 'count' = 'mask'): MaskAnswer {
    const base = { requestId: req.requestId, replyTo: req.replyTo, offset: req.offset };
    if (Date.now() > req.deadline) return { ...base, ok: false, error: 'deadline passed' };
    try {
      if (kind === 'count') return { ...base, ok: true, counts: countFindings(req.texts) };
      // Once, not once a text: the rules come with the request, and reading them for each of
      // up to 4096 texts let one request's long rule maps hold a worker past its session.
      const options = { ...engineOptions(req), keyring: this.config.MASKING_KEYS };
      const counts: Record<string, number> = {};
      const texts = req.texts.map((t) => {
        const r = mask(t, options);
        for (const [k, v] of Object.entries(r.counts)) counts[k] = (counts[k] ?? 0) + (v ?? 0);
        return r.text;
      });
      // No per-finding list: the ingress reads only the texts and counts, and the list made
      // a reply up to 11 times the input.
      return { ...base, ok: true, texts, counts };
    } catch (err) {
      // Never echo input: the error names the failure only.
      this.logger.error(
        {
          requestId: req.requestId,
          err: { name: (err as Error).name, message: (err as Error).message },
        },
        'masking failed',
      );
      return { ...base, ok: false, error: 'masking failed' };
    }
  }

  /**
   * A result too large for the replies topic is answered as an error (the ingress then fails
   * closed): failing the batch instead would have it redelivered, and refused, without end.
   */
  private async reply(
    req: MaskRequest,
    kind: 'mask' | 'count',
    requestDigest: string,
    reply: MaskAnswer,
  ): Promise<void> {
    const send = (r: MaskAnswer) =>
      this.kafka.publisher.publish('maskReplies', this.macs.tag({ ...r, requestDigest }), {
        key: req.requestId,
        type: kind === 'count' ? MASK_EVENT_TYPES.counted : MASK_EVENT_TYPES.masked,
        idParts: [`${kind}-reply`, req.requestId, String(req.offset)],
        requestId: req.requestId,
        // Every ingress instance reads the replies topic: the subject lets the others pass a
        // reply over without parsing it (the tagged replyTo in the value still decides).
        subject: req.replyTo,
      });
    try {
      await send(reply);
    } catch (err) {
      if (!(err instanceof RecordTooLarge)) throw err;
      const { requestId, replyTo, offset } = reply;
      await send({
        requestId,
        replyTo,
        offset,
        ok: false,
        code: 'result_too_large',
        error: 'masked result too large to return',
      });
    }
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '@embargo/config';
import {
  auditEventTypeOf,
  type AuditActionEvent,
  EmbargoError,
  sealedSchema,
} from '@embargo/contracts';
import { unseal } from '@embargo/crypto';
import { KafkaService } from '@embargo/kafka';
import { reverseTokens } from '@embargo/masking';
import { APP_IDENTITY, type AppIdentity, LOGGER } from '@embargo/observability';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { AuditConfig } from '../config';
import { digestOf, storedEvent } from '../indexing/event-document';
import { OpenSearchService } from '../indexing/opensearch.service';
import type { Revelation, RevealRequest } from './reveal.dto';

/** The credential reveals are made with, as the audit event names it. */
export const REVEAL_CREDENTIAL = 'AUDIT_REVEAL_TOKEN';

/** Who asked, as far as the gateway can tell: the credential, and the connection's details. */
export interface RevealActor {
  clientIp?: string;
  userAgent?: string;
}

/** The parts of a `masked` event's document a reveal reads, and what its digest covers. */
const maskedDocumentSchema = z.object({
  eventId: z.string(),
  type: z.string(),
  source: z.string(),
  time: z.string(),
  data: z.record(z.string(), z.unknown()),
  digest: z.string(),
  maskedInput: z.array(z.string()),
  original: sealedSchema,
});
const MASKED_DOCUMENT_FIELDS = Object.keys(maskedDocumentSchema.shape);
const originalSchema = z.array(z.string());

/**
 * Opens a request's sealed original for an auditor and reverses the tokens in its masked
 * input. The `revealed` event is written (acks=all) before anything is returned: if the
 * trail cannot record the reveal, nothing is revealed.
 */
@Injectable()
export class RevealService {
  constructor(
    private readonly os: OpenSearchService,
    private readonly kafka: KafkaService,
    @Inject(APP_CONFIG) private readonly config: AuditConfig,
    @Inject(APP_IDENTITY) private readonly identity: AppIdentity,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async reveal(req: RevealRequest, actor: RevealActor): Promise<Revelation> {
    const sealingKeys = this.config.SEALING_KEYS;
    const maskingKeys = this.config.MASKING_KEYS;
    // The config refuses a reveal token without both key rings; this keeps the types honest.
    if (!sealingKeys || !maskingKeys)
      throw new EmbargoError('not_found', 'Revealing is not enabled on this service');
    const { requestId } = req;
    const event = await this.maskedEvent(requestId);
    const box = event.original;
    if (!Object.hasOwn(sealingKeys.keys, box.kid))
      throw new EmbargoError(
        'internal_error',
        `The original of request ${requestId} was sealed with key "${box.kid}", which SEALING_KEYS does not hold`,
      );
    let original: string[];
    try {
      original = originalSchema.parse(JSON.parse(unseal(box, sealingKeys, requestId)));
    } catch (err) {
      this.logger.error(
        { requestId, kid: box.kid, err: { message: (err as Error).message } },
        'sealed original does not open',
      );
      throw new EmbargoError(
        'internal_error',
        `The sealed original of request ${requestId} does not verify under key "${box.kid}"`,
      );
    }
    let tokensReversed = 0;
    const detokenized = event.maskedInput.map((text) => {
      const r = reverseTokens(text, maskingKeys);
      tokensReversed += r.reversed;
      return r.text;
    });

    const revealEventId = randomUUID().replace(/-/g, '');
    await this.record(revealEventId, {
      action: 'revealed',
      requestId,
      instance: this.identity.instance,
      actor: {
        credential: REVEAL_CREDENTIAL,
        clientIp: actor.clientIp?.slice(0, 100),
        userAgent: actor.userAgent?.slice(0, 300),
      },
      reason: req.reason,
      sealedKid: box.kid,
      tokensReversed,
    });
    return {
      object: 'audit.revelation',
      requestId,
      revealEventId,
      original,
      maskedInput: event.maskedInput,
      ...(tokensReversed > 0 ? { detokenizedInput: detokenized } : {}),
    };
  }

  /** The request's `masked` event, which holds its sealed original; 404 when there is none. */
  private async maskedEvent(requestId: string): Promise<z.infer<typeof maskedDocumentSchema>> {
    const search = (stage?: string) =>
      this.lookUp({
        // Two: a request has one masked event, and a second one means a record was written
        // under the request by someone else (see below).
        size: stage ? 2 : 1,
        query: {
          bool: {
            filter: [{ term: { requestId } }, ...(stage ? [{ term: { stage } }] : [])],
          },
        },
        _source: stage ? MASKED_DOCUMENT_FIELDS : ['stage'],
      });
    const hits = (await search('masked')).body.hits.hits as { _id?: string; _source?: unknown }[];
    if (hits.length > 1) {
      // Each one's digest holds (the indexer computes it): which is the ingress's cannot be
      // told, and revealing either could show an auditor input someone else chose.
      this.logger.error(
        { requestId, eventIds: hits.map((h) => h._id) },
        'more than one masked event for a request',
      );
      throw new EmbargoError(
        'internal_error',
        `Request ${requestId} has more than one masked event in the audit trail, so which one the gateway wrote cannot be told; nothing was revealed`,
      );
    }
    if (hits.length > 0) {
      const parsed = maskedDocumentSchema.safeParse(hits[0]._source);
      if (!parsed.success)
        throw new EmbargoError(
          'internal_error',
          `The masked event of request ${requestId} holds no readable sealed original`,
        );
      // What is revealed must be what the ingress wrote: a document changed in the index
      // since (its masked input or its sealed original swapped) is refused, not revealed.
      if (digestOf(storedEvent(parsed.data)) !== parsed.data.digest) {
        this.logger.error(
          { requestId, eventId: parsed.data.eventId },
          'masked event does not match its digest',
        );
        throw new EmbargoError(
          'internal_error',
          `The masked event of request ${requestId} does not match its digest: it was changed after it was indexed, so nothing was revealed`,
        );
      }
      return parsed.data;
    }
    const any = (await search()).body.hits.hits;
    throw new EmbargoError(
      'not_found',
      any.length > 0
        ? `Request ${requestId} was not masked, so the audit trail holds no sealed original of it`
        : `No request ${requestId} in the audit trail`,
      { param: 'requestId' },
    );
  }

  /**
   * A reveal's look-ups are term filters on one request, which OpenSearch answers at once:
   * one that runs out of time means OpenSearch is stalled or overloaded, not that the auditor
   * should narrow anything (the search API's advice), so the auditor is told to try again.
   */
  private async lookUp(body: Record<string, unknown>) {
    try {
      return await this.os.searchEvents(body);
    } catch (err) {
      if (!(err instanceof EmbargoError) || err.code !== 'search_timeout') throw err;
      this.logger.error({ err: { message: err.message } }, 'reveal look-up timed out');
      throw new EmbargoError(
        'audit_unavailable',
        'The audit trail did not answer in time, so nothing was revealed; try again later',
      );
    }
  }

  /** Writes the event with acks=all; a failure refuses the reveal (fail closed). */
  private async record(id: string, event: AuditActionEvent): Promise<void> {
    try {
      await this.kafka.publisher.publish('auditActions', event, {
        key: event.requestId,
        type: auditEventTypeOf(event.action),
        id,
        requestId: event.requestId,
      });
    } catch (err) {
      this.logger.error(
        { requestId: event.requestId, err: { message: (err as Error).message } },
        'reveal not recorded in the audit trail',
      );
      throw new EmbargoError(
        'audit_unavailable',
        'The audit trail cannot record the reveal right now, so nothing was revealed; try again later',
      );
    }
  }
}

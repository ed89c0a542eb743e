import { z } from 'zod';
import {
  AUDIT_ACTIONS,
  auditActionEventSchema,
  auditEventTypeOf,
  eventTypeOf,
  LIFECYCLE_STAGES,
  lifecycleEventSchema,
} from './events';
import {
  approvalOutcomeSchema,
  approvalRequestSchema,
  bundleMessageSchema,
  deadLetterSchema,
  maskReplySchema,
  MASK_EVENT_TYPES,
  maskRequestSchema,
  revocationSchema,
} from './messages';

/**
 * The topic registry: every Kafka topic Embargo uses, declared once.
 * Topic names are stored data: never rename one, add a new version instead.
 */
export interface TopicSpec<S extends z.ZodType> {
  /** The Kafka topic name (stored value, never renamed). */
  readonly name: string;
  readonly description: string;
  /** What the message key holds; keys keep one request's events on one partition. */
  readonly key: string;
  readonly partitions: number;
  readonly cleanupPolicy: 'delete' | 'compact';
  /** Retention in ms for `delete` topics; -1 keeps forever. */
  readonly retentionMs?: number;
  /** Largest record the topic accepts (max.message.bytes); 1 MiB when not given. */
  readonly maxMessageBytes?: number;
  /**
   * Records hold callers' unmasked input: kept only as briefly as the topic's retention and
   * never copied elsewhere (a dead letter from this topic names the record, without it).
   */
  readonly rawInput?: boolean;
  /**
   * Security state (revocations, bundles): when a record its consumer refuses cannot be
   * dead-lettered, the partition waits and the app reports not ready, instead of skipping
   * the record with only a log line to show an operator that a revocation was refused.
   */
  readonly failClosed?: boolean;
  /** CloudEvent `type` values carried on this topic. */
  readonly eventTypes: readonly string[];
  readonly schema: S;
}

/** The largest policy set the policy service may be configured to accept (MAX_POLICY_BYTES). */
export const MAX_POLICY_BYTES_CEILING = 16 * 1024 * 1024;
/**
 * Record limit of the policy topics. A bundle carries the sources as JSON strings, and JSON
 * escaping at most doubles YAML text (newline, tab, quote, backslash → two bytes each), so the
 * largest allowed set fits with room for the envelope and the publisher's framing margin.
 */
const POLICY_RECORD_BYTES = 2 * MAX_POLICY_BYTES_CEILING + 4 * 1024 * 1024;

function topic<S extends z.ZodType>(spec: TopicSpec<S>): TopicSpec<S> {
  return spec;
}

export const TOPICS = {
  requestEvents: topic({
    name: 'embargo.request-events.v1',
    maxMessageBytes: 32 * 1024 * 1024,
    description:
      'The audit trail: one CloudEvent per lifecycle transition of an embedding request.',
    key: 'request id',
    partitions: 6,
    cleanupPolicy: 'delete',
    retentionMs: 7 * 24 * 3600 * 1000,
    eventTypes: LIFECYCLE_STAGES.map(eventTypeOf),
    schema: lifecycleEventSchema,
  }),
  auditActions: topic({
    name: 'embargo.audit-actions.v1',
    description:
      'What auditors did with the audit trail (a sealed original revealed, by whom and why), written before they got the answer.',
    key: 'request id',
    partitions: 1,
    cleanupPolicy: 'delete',
    retentionMs: 30 * 24 * 3600 * 1000,
    eventTypes: AUDIT_ACTIONS.map(auditEventTypeOf),
    schema: auditActionEventSchema,
  }),
  policyBundles: topic({
    name: 'embargo.policy-bundles.v1',
    maxMessageBytes: POLICY_RECORD_BYTES,
    description:
      'Compiled policy bundles. Compacted: the newest bundle per policy set is kept forever.',
    key: 'policy set name',
    partitions: 1,
    cleanupPolicy: 'compact',
    failClosed: true,
    eventTypes: ['dev.embargo.policy.bundle.v1'],
    schema: bundleMessageSchema,
  }),
  policyVersions: topic({
    name: 'embargo.policy-versions.v1',
    maxMessageBytes: POLICY_RECORD_BYTES,
    description:
      'Every accepted policy version, for history, diff and rollback. Compacted per version.',
    key: 'policy set name:version',
    partitions: 1,
    cleanupPolicy: 'compact',
    eventTypes: ['dev.embargo.policy.version.v1'],
    schema: bundleMessageSchema,
  }),
  revocations: topic({
    name: 'embargo.revocations.v1',
    description: 'Revoked principals and tokens. Compacted: one record per revoked subject.',
    key: 'kind:value (principal:<id> or token:<jti>)',
    partitions: 1,
    cleanupPolicy: 'compact',
    failClosed: true,
    eventTypes: ['dev.embargo.revocation.v1'],
    schema: revocationSchema,
  }),
  maskRequests: topic({
    name: 'embargo.mask-requests.v1',
    maxMessageBytes: 32 * 1024 * 1024,
    description:
      'Texts the ingress asks the masking worker pool to mask, or only to count findings in (request/reply).',
    key: 'request id:offset of the chunk (a large request is spread over the partitions)',
    partitions: 6,
    cleanupPolicy: 'delete',
    retentionMs: 3600 * 1000,
    rawInput: true,
    eventTypes: [MASK_EVENT_TYPES.mask, MASK_EVENT_TYPES.count],
    schema: maskRequestSchema,
  }),
  maskReplies: topic({
    name: 'embargo.mask-replies.v1',
    maxMessageBytes: 32 * 1024 * 1024,
    description: 'Masking results, addressed to the ingress instance that asked.',
    key: 'request id',
    partitions: 6,
    cleanupPolicy: 'delete',
    retentionMs: 3600 * 1000,
    eventTypes: [MASK_EVENT_TYPES.masked, MASK_EVENT_TYPES.counted],
    schema: maskReplySchema,
  }),
  approvalRequests: topic({
    name: 'embargo.approval-requests.v1',
    description:
      'Requests held for a human decision. The approval service and chat bots subscribe.',
    key: 'request id',
    partitions: 3,
    cleanupPolicy: 'delete',
    retentionMs: 7 * 24 * 3600 * 1000,
    eventTypes: ['dev.embargo.approval.requested.v1'],
    schema: approvalRequestSchema,
  }),
  approvalOutcomes: topic({
    name: 'embargo.approval-outcomes.v1',
    description: 'Approved, denied or expired: the answer to a held request.',
    key: 'request id',
    partitions: 3,
    cleanupPolicy: 'delete',
    retentionMs: 7 * 24 * 3600 * 1000,
    eventTypes: ['dev.embargo.approval.outcome.v1'],
    schema: approvalOutcomeSchema,
  }),
  deadLetters: topic({
    name: 'embargo.dead-letters.v1',
    description:
      'Messages a consumer could not accept, with the reason; kept for inspection and replay.',
    key: 'original key (sha256:<hex> of it when over 256 bytes)',
    partitions: 1,
    cleanupPolicy: 'delete',
    retentionMs: 30 * 24 * 3600 * 1000,
    eventTypes: ['dev.embargo.dead-letter.v1'],
    schema: deadLetterSchema,
  }),
} as const;

export type TopicKey = keyof typeof TOPICS;
export type TopicPayload<K extends TopicKey> = z.infer<(typeof TOPICS)[K]['schema']>;
export const ALL_TOPICS: readonly TopicSpec<z.ZodType>[] = Object.values(TOPICS);

export function topicByName(name: string): (typeof TOPICS)[TopicKey] | undefined {
  return Object.values(TOPICS).find((t) => t.name === name);
}

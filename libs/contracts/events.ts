import { z } from 'zod';
import { IDENTITY_LIMITS, principalSummarySchema } from './messages';
import { ENTITY_TYPES } from '@embargo/masking';

/**
 * Lifecycle events of one embedding request, in order:
 * received → authenticated → decided → [masked] → [held → approved|denied|expired]
 * → forwarded → completed | failed. A request refused before a decision gets `rejected`.
 * A token exchange (POST /v1/token) is a request of its own: `exchanged` when a token was
 * issued, `rejected` when not.
 * Stage names are stored values (OpenSearch documents keep them): never rename one.
 */
export const LIFECYCLE_STAGES = [
  'received',
  'authenticated',
  'rejected',
  'decided',
  'masked',
  'held',
  'approved',
  'denied',
  'expired',
  'forwarded',
  'completed',
  'failed',
  'exchanged',
] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

export function eventTypeOf(stage: LifecycleStage): string {
  return `dev.embargo.request.${stage}.v1`;
}

const base = {
  requestId: z.string().min(1).max(200),
  /** Which gateway instance wrote the event. */
  instance: z.string().min(1).max(200),
  principal: principalSummarySchema.optional(),
  model: z.string().max(200).optional(),
  /** The caller's own name for the request (x-client-request-id), recorded, not trusted. */
  clientRequestId: z.string().max(128).optional(),
};

/** What a refused or failed request's event says of the refusal. */
const refusal = {
  status: z.number().int().min(400).max(599),
  code: z.string().max(100),
  message: z.string().max(1000),
  /** The caller's address, on refusals of a caller without a verified identity. */
  clientIp: z.string().max(100).optional(),
  /**
   * On an event that stands for a flood: how many more refusals of this kind (this code, and
   * this address when it names one) had no event of their own since the last such event.
   */
  heldBack: z.number().int().min(1).optional(),
};

/** AES-256-GCM sealed original input; names the key id so keys can rotate. */
export const sealedSchema = z.object({
  alg: z.literal('A256GCM'),
  kid: z.string().min(1).max(100),
  iv: z.string(),
  tag: z.string(),
  ciphertext: z.string(),
});
export type Sealed = z.infer<typeof sealedSchema>;

/**
 * Findings per entity type. Only the engine's type names: each is a field of the audit index
 * (findings.<TYPE>, counts.<TYPE>), and any other key would widen or break its mapping.
 */
const counts = z.partialRecord(z.enum(ENTITY_TYPES), z.number().int().min(0));

export const fingerprintSchema = z.object({
  index: z.number().int().min(0),
  /** SHA-256 of the vector's float32 little-endian bytes, hex. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** 64-bit SimHash of the vector, 16 hex digits. */
  simhash: z.string().regex(/^[0-9a-f]{16}$/),
});

export const lifecycleEventSchema = z.discriminatedUnion('stage', [
  z.object({
    ...base,
    stage: z.literal('received'),
    method: z.string().max(10),
    path: z.string().max(300),
    inputCount: z.number().int().min(0).optional(),
    byteSize: z.number().int().min(0),
    clientIp: z.string().max(100).optional(),
    userAgent: z.string().max(300).optional(),
  }),
  z.object({
    ...base,
    stage: z.literal('authenticated'),
    tokenId: z.string().max(IDENTITY_LIMITS.tokenId).optional(),
    tokenKind: z.enum(['identity', 'exchanged']),
  }),
  z.object({
    ...base,
    stage: z.literal('rejected'),
    ...refusal,
  }),
  z.object({
    ...base,
    stage: z.literal('decided'),
    effect: z.enum(['allow', 'deny', 'mask', 'require_approval']),
    ruleIds: z.array(z.string().max(200)),
    bundleVersion: z.number().int().min(0),
    bundleHash: z.string().max(80),
    reason: z.string().max(1000).optional(),
    findings: counts,
    inputCount: z.number().int().min(0),
    tokenCount: z.number().int().min(0),
  }),
  z.object({
    ...base,
    stage: z.literal('masked'),
    counts,
    /** What the model receives: the masked input. Never the original. */
    maskedInput: z.array(z.string()),
    original: sealedSchema,
  }),
  z.object({
    ...base,
    stage: z.literal('held'),
    approverGroups: z.array(z.string()),
    approvalsRequired: z.number().int().min(1),
    expiresAt: z.iso.datetime(),
  }),
  z.object({ ...base, stage: z.literal('approved'), decidedBy: z.array(z.string()) }),
  z.object({
    ...base,
    stage: z.literal('denied'),
    decidedBy: z.array(z.string()),
    reason: z.string().max(1000).optional(),
  }),
  z.object({ ...base, stage: z.literal('expired') }),
  z.object({
    ...base,
    stage: z.literal('forwarded'),
    connection: z.string().max(200),
    upstreamModel: z.string().max(200),
    attempt: z.number().int().min(1),
  }),
  z.object({
    ...base,
    stage: z.literal('completed'),
    connection: z.string().max(200).optional(),
    cached: z.boolean(),
    usage: z.object({
      promptTokens: z.number().int().min(0),
      totalTokens: z.number().int().min(0),
    }),
    fingerprints: z.array(fingerprintSchema),
    gatewayMs: z.number().min(0),
    upstreamMs: z.number().min(0),
  }),
  z.object({
    ...base,
    stage: z.literal('exchanged'),
    /** The new token's id (jti): what requests made with it record, and what revokes it. */
    tokenId: z.string().max(IDENTITY_LIMITS.tokenId),
    /** The id of the identity token traded in, when it has one. */
    subjectTokenId: z.string().max(IDENTITY_LIMITS.tokenId).optional(),
    models: z.array(z.string().max(200)),
    expiresAt: z.iso.datetime(),
    singleUse: z.boolean(),
  }),
  z.object({
    ...base,
    stage: z.literal('failed'),
    ...refusal,
  }),
]);
export type LifecycleEvent = z.infer<typeof lifecycleEventSchema>;
export type LifecycleEventOf<S extends LifecycleStage> = Extract<LifecycleEvent, { stage: S }>;

/**
 * What auditors do with the audit trail, each action itself an audit event, written
 * (acks=all) before the auditor gets its answer. Action names are stored values (the audit
 * index keeps them as `stage` beside the request's lifecycle stages): never rename one.
 */
export const AUDIT_ACTIONS = ['revealed'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export function auditEventTypeOf(action: AuditAction): string {
  return `dev.embargo.audit.${action}.v1`;
}

/** The longest reason an auditor may give for an action. */
export const AUDIT_REASON_MAX = 1000;

export const auditActionEventSchema = z.discriminatedUnion('action', [
  z.object({
    action: z.literal('revealed'),
    /** The request whose sealed original was opened. */
    requestId: z.string().min(1).max(200),
    /** Which audit instance revealed it. */
    instance: z.string().min(1).max(200),
    /** Who: the credential presented (the setting's name, never the token) and from where. */
    actor: z.object({
      credential: z.string().min(1).max(100),
      clientIp: z.string().max(100).optional(),
      userAgent: z.string().max(300).optional(),
    }),
    /** Why, in the auditor's words. */
    reason: z.string().min(1).max(AUDIT_REASON_MAX),
    /** Key id of the sealed original that was opened. */
    sealedKid: z.string().min(1).max(100),
    /** How many tokens in the masked input were reversed (their values are not here). */
    tokensReversed: z.number().int().min(0),
  }),
]);
export type AuditActionEvent = z.infer<typeof auditActionEventSchema>;

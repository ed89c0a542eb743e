import { documentDigest } from '@embargo/crypto';
import { z } from 'zod';

const id = z.string().min(1).max(200);

/**
 * How long an identity's parts may be in events. The ingress refuses a token whose
 * principal exceeds them (401, with the reason), so no event is ever refused for it.
 * A CI job's principal id ("ci:repo:org/app:ref:refs/heads/<branch>") can pass 300
 * characters: Git allows branch names of 255 bytes.
 */
export const IDENTITY_LIMITS = {
  principalId: 1024,
  subject: 1000,
  issuer: 500,
  /** Each role or group name. */
  name: 256,
  roles: 200,
  groups: 500,
  tokenId: 300,
} as const;

/**
 * An issuer's configured name, the prefix of its principals' ids ("ci" in "ci:<sub>"): no
 * ":", so an id splits unambiguously. The ingress's issuer config and the policy service's
 * revocations both hold to it.
 */
export const ISSUER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

export const policyFileSchema = z.object({
  path: z.string().min(1).max(500),
  content: z.string().max(2_000_000),
});

/**
 * Ed25519 signature of the policy service over a document every gateway obeys (DocumentSigner
 * in @embargo/crypto): gateways drop what does not verify against POLICY_VERIFY_KEYS.
 */
export const documentSignatureSchema = z.object({
  alg: z.literal('Ed25519'),
  kid: z.string().regex(/^[A-Za-z0-9]{1,32}$/),
  value: z.string().regex(/^[A-Za-z0-9_-]{86}$/),
});

/** An HMAC-SHA-256 tag with a key the writer and reader share (DocumentMacs). */
export const documentMacSchema = z.object({
  alg: z.literal('HS256'),
  kid: z.string().regex(/^[A-Za-z0-9]{1,32}$/),
  value: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
});

/** What a signature, tag or digest covers, per kind of document: one never passes for another. */
export const SIGNED_PURPOSES = {
  bundle: 'policy-bundle',
  revocation: 'revocation',
  maskRequest: 'mask-request',
  maskReply: 'mask-reply',
} as const;

/** A policy bundle as it travels on the compacted bundles topic. */
export const bundleMessageSchema = z.object({
  policySet: id,
  version: z.number().int().positive(),
  /** `sha256:<hex>` of the canonical sources (see hashSources in @embargo/policy). */
  hash: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  createdAt: z.iso.datetime(),
  createdBy: z.string().max(500),
  files: z.array(policyFileSchema).min(1).max(500),
  signature: documentSignatureSchema,
});
export type BundleMessage = z.infer<typeof bundleMessageSchema>;

export const revocationSchema = z.object({
  kind: z.enum(['principal', 'token']),
  /** Principal id, or the token's jti. */
  value: z.string().min(1).max(IDENTITY_LIMITS.principalId),
  /** Revocation holds until this instant; tokens past their expiry need no entry. */
  until: z.iso.datetime().optional(),
  reason: z.string().max(500).optional(),
  revokedBy: z.string().max(500),
  revokedAt: z.iso.datetime(),
  /** false lifts an earlier revocation. */
  active: z.boolean(),
  signature: documentSignatureSchema,
});
export type Revocation = z.infer<typeof revocationSchema>;

export const maskStrategySchema = z.object({
  strategy: z.enum(['redact', 'replace', 'keep_last', 'hash', 'tokenize', 'fake']),
  n: z.number().int().min(0).max(64).optional(),
});

/** The longest single text the gateway accepts (and the masking workers take), in UTF-16 units. */
export const MAX_TEXT_CHARS = 4_000_000;

/**
 * The longest a mask request may be worked on after it was sent (the ingress's largest
 * MASK_TIMEOUT_MS). Workers hold a request's `deadline` to at most this past the record's
 * timestamp, so a far-off deadline cannot make them mask what nobody waits for any more.
 */
export const MAX_MASK_WAIT_MS = 60_000;

/**
 * The most a mask request's allow list and each deny list hold, and the longest value in them:
 * they bound the workers' work (a deny list is searched for in every text). The policy schema
 * refuses longer lists at upload, so no policy masks small inputs and fails every large one.
 */
export const MASK_LIST_LIMITS = { values: 10_000, chars: 1000 } as const;
const maskList = z.array(z.string().max(MASK_LIST_LIMITS.chars)).max(MASK_LIST_LIMITS.values);

export const maskRequestSchema = z.object({
  requestId: id,
  /** The ingress instance that waits for the reply. */
  replyTo: id,
  /** Index of the first text of this chunk within the request's input. */
  offset: z.number().int().min(0),
  texts: z.array(z.string().max(MAX_TEXT_CHARS)).min(1).max(4096),
  entities: z.record(z.string(), maskStrategySchema),
  thresholds: z.record(z.string(), z.number().min(0).max(1)).optional(),
  allowList: maskList.optional(),
  /** Entity type → values always masked as that type. */
  denyList: z.record(z.string(), maskList).optional(),
  /** Epoch ms after which the answer is of no use; workers cap it (MAX_MASK_WAIT_MS). */
  deadline: z.number().int().positive(),
});
export type MaskRequest = z.infer<typeof maskRequestSchema>;

/**
 * Event types on the mask topics. A count request (`entities` ignored) asks for the findings
 * per entity type over every type with default options, and is answered with `counted`: a
 * reply with counts and no texts. Their own types keep a worker that knows only masking from
 * answering a count with a mask reply whose counts cover no type (it dead-letters the request
 * instead, and the ingress fails closed).
 */
export const MASK_EVENT_TYPES = {
  mask: 'dev.embargo.mask.request.v1',
  count: 'dev.embargo.mask.count.v1',
  masked: 'dev.embargo.mask.reply.v1',
  counted: 'dev.embargo.mask.counted.v1',
} as const;

export const maskReplySchema = z.object({
  requestId: id,
  replyTo: id,
  offset: z.number().int().min(0),
  ok: z.boolean(),
  error: z.string().max(500).optional(),
  /**
   * Why a reply is not ok, when retrying cannot help: `result_too_large`, the masked texts are
   * more than the replies topic carries (a strategy such as tokenize makes text longer).
   */
  code: z.enum(['result_too_large']).optional(),
  texts: z.array(z.string()).optional(),
  counts: z.record(z.string(), z.number().int().min(0)).optional(),
  /**
   * Digest of the request answered (its type and payload, see maskRequestDigest): a reply
   * made for a request someone else wrote under the same ids does not pass for this one's.
   */
  requestDigest: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  /** Tag with a key derived from MASKING_KEYS, which the workers and the ingress share. */
  signature: documentMacSchema,
});
export type MaskReply = z.infer<typeof maskReplySchema>;
/** A reply before the worker names the request and tags it. */
export type MaskAnswer = Omit<MaskReply, 'requestDigest' | 'signature'>;

/**
 * The digest a mask reply names: of the request's event type and payload as the schema reads
 * them, so the ingress (which wrote it) and the worker (which read it) compute the same.
 */
export function maskRequestDigest(type: string, request: MaskRequest): string {
  return documentDigest(SIGNED_PURPOSES.maskRequest, {
    type,
    request: maskRequestSchema.parse(request),
  });
}

export const principalSummarySchema = z.object({
  id: z.string().min(1).max(IDENTITY_LIMITS.principalId),
  issuer: z.string().max(IDENTITY_LIMITS.issuer),
  subject: z.string().max(IDENTITY_LIMITS.subject),
  roles: z.array(z.string().max(IDENTITY_LIMITS.name)).max(IDENTITY_LIMITS.roles),
  groups: z.array(z.string().max(IDENTITY_LIMITS.name)).max(IDENTITY_LIMITS.groups),
});
export type PrincipalSummary = z.infer<typeof principalSummarySchema>;

export const approvalRequestSchema = z.object({
  requestId: id,
  principal: principalSummarySchema,
  model: z.string().max(200),
  connection: z.string().max(200).optional(),
  inputCount: z.number().int().min(0),
  findings: z.record(z.string(), z.number().int().min(0)),
  ruleIds: z.array(z.string().max(200)),
  bundleVersion: z.number().int().positive(),
  approverGroups: z.array(z.string().max(200)).min(1),
  approvalsRequired: z.number().int().min(1).max(10),
  expiresAt: z.iso.datetime(),
  grantTtlSeconds: z.number().int().min(0).optional(),
  /** Masked preview of the input for the approver; never the original. */
  preview: z.string().max(2000),
  replyTo: id,
});
export type ApprovalRequest = z.infer<typeof approvalRequestSchema>;

export const approvalOutcomeSchema = z.object({
  requestId: id,
  outcome: z.enum(['approved', 'denied', 'expired']),
  decidedBy: z.array(z.string().max(500)),
  reason: z.string().max(1000).optional(),
  grantUntil: z.iso.datetime().optional(),
  decidedAt: z.iso.datetime(),
  replyTo: id.optional(),
});
export type ApprovalOutcome = z.infer<typeof approvalOutcomeSchema>;

export const deadLetterSchema = z.object({
  sourceTopic: z.string().max(300),
  partition: z.number().int().min(0),
  offset: z.string().max(40),
  consumerGroup: z.string().max(300),
  reason: z.string().max(2000),
  /** The original value, base64, cut to 64 KiB; empty when withheld. */
  valueBase64: z.string(),
  truncated: z.boolean(),
  /** The source topic holds raw input, so the value was not copied (see `rawInput`). */
  valueWithheld: z.boolean().optional(),
  receivedAt: z.iso.datetime(),
});
export type DeadLetter = z.infer<typeof deadLetterSchema>;

import { AUDIT_REASON_MAX } from '@embargo/contracts';
import { z } from 'zod';

const REASON_REQUIRED = 'is required: say why the original is needed';

/** POST /v1/audit/reveal: which request, and why (the reason goes into the audit trail). */
export const revealRequestSchema = z
  .object({
    requestId: z.string().trim().min(1).max(200),
    reason: z
      .string({ error: (issue) => (issue.input === undefined ? REASON_REQUIRED : undefined) })
      .trim()
      .min(1, REASON_REQUIRED)
      .max(AUDIT_REASON_MAX, `must be at most ${AUDIT_REASON_MAX} characters`),
  })
  .strict();
export type RevealRequest = z.infer<typeof revealRequestSchema>;

/** What the auditor gets back. */
export interface Revelation {
  object: 'audit.revelation';
  requestId: string;
  /** The id of the `revealed` event that records this answer. */
  revealEventId: string;
  /** The input as the caller sent it, one string per input. */
  original: string[];
  /** What the model received. */
  maskedInput: string[];
  /** The masked input with its tokens reversed; only when it holds tokens. */
  detokenizedInput?: string[];
}

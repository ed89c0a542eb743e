import { AUDIT_ACTIONS, IDENTITY_LIMITS, LIFECYCLE_STAGES } from '@embargo/contracts';
import { z } from 'zod';

export const searchQuerySchema = z
  .object({
    requestId: z.string().max(200).optional(),
    principal: z.string().max(500).optional(),
    /** A lifecycle stage, or an auditor's action on the request (`revealed`). */
    stage: z.enum([...LIFECYCLE_STAGES, ...AUDIT_ACTIONS]).optional(),
    /** A token id: the exchange that issued the token and every request made with it. */
    tokenId: z.string().max(IDENTITY_LIMITS.tokenId).optional(),
    model: z.string().max(200).optional(),
    /** Free text over the masked input, messages and auditors' reasons (simple query string). */
    q: z.string().max(1000).optional(),
    from: z.iso.datetime().optional(),
    to: z.iso.datetime().optional(),
    size: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();
export type SearchQuery = z.infer<typeof searchQuerySchema>;

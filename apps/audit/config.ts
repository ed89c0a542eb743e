import { baseConfigSchema, keyringSetting, loadConfigOrExit, portSetting } from '@embargo/config';
import { z } from 'zod';

export const auditConfigSchema = baseConfigSchema
  .extend({
    PORT: portSetting(8084),
    OPENSEARCH_URL: z.url().default('http://127.0.0.1:9200'),
    /** Bearer token for the audit search API until auditor identities land. */
    AUDIT_API_TOKEN: z.string().min(24, 'must be at least 24 characters'),
    AUDIT_INDEX: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]*$/)
      .default('embargo-events-v1'),
    /**
     * How long OpenSearch may spend on one audit search. A search that runs out is refused
     * (504 search_timeout), never answered with the partial page it collected.
     */
    AUDIT_SEARCH_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
    /**
     * Bearer token for revealing a request's sealed original (POST /v1/audit/reveal), kept
     * apart from the search token: reading the trail does not entitle anyone to the input.
     * Unset, revealing is off.
     */
    AUDIT_REVEAL_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
    /** The ingress's sealing keys: they open the sealed originals. */
    SEALING_KEYS: keyringSetting.optional(),
    /** The masking keys of the ingress and workers: they reverse tokens in masked input. */
    MASKING_KEYS: keyringSetting.optional(),
  })
  .superRefine((c, ctx) => {
    if (c.AUDIT_REVEAL_TOKEN === undefined) return;
    if (c.AUDIT_REVEAL_TOKEN === c.AUDIT_API_TOKEN)
      ctx.addIssue({
        code: 'custom',
        path: ['AUDIT_REVEAL_TOKEN'],
        message: 'must differ from AUDIT_API_TOKEN',
      });
    for (const keys of ['SEALING_KEYS', 'MASKING_KEYS'] as const)
      if (c[keys] === undefined)
        ctx.addIssue({ code: 'custom', path: [keys], message: 'AUDIT_REVEAL_TOKEN needs it' });
  });
export type AuditConfig = z.infer<typeof auditConfigSchema>;

export const loadAuditConfig = () => loadConfigOrExit(auditConfigSchema);

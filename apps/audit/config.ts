import { baseConfigSchema, loadConfigOrExit, portSetting } from '@embargo/config';
import { z } from 'zod';

export const auditConfigSchema = baseConfigSchema.extend({
  PORT: portSetting(8084),
  OPENSEARCH_URL: z.url().default('http://127.0.0.1:9200'),
  /** Bearer token for the audit search API until auditor identities land. */
  AUDIT_API_TOKEN: z.string().min(24, 'must be at least 24 characters'),
  AUDIT_INDEX: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]*$/)
    .default('embargo-events-v1'),
});
export type AuditConfig = z.infer<typeof auditConfigSchema>;

export const loadAuditConfig = () => loadConfigOrExit(auditConfigSchema);

import { baseConfigSchema, loadConfigOrExit, portSetting } from '@embargo/config';
import { z } from 'zod';

export const approvalConfigSchema = baseConfigSchema.extend({
  PORT: portSetting(8083),
  REDIS_URL: z.url().default('redis://127.0.0.1:6379'),
});
export type ApprovalConfig = z.infer<typeof approvalConfigSchema>;
export const loadApprovalConfig = () => loadConfigOrExit(approvalConfigSchema);

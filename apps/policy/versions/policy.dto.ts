import { EmbargoError, IDENTITY_LIMITS, ISSUER_NAME } from '@embargo/contracts';
import { z } from 'zod';

export const uploadSchema = z
  .object({
    files: z
      .array(
        z.object({
          path: z
            .string()
            .regex(/^[\w][\w./-]{0,199}\.ya?ml$/, 'must be a relative .yaml path')
            .refine((p) => !p.includes('..'), 'must not contain ..'),
          content: z.string().max(1024 * 1024),
        }),
      )
      .min(1)
      .max(200),
  })
  .strict();

export const rollbackSchema = z.object({ version: z.number().int().positive() }).strict();

export const simulateSchema = z
  .object({
    principal: z.object({
      id: z.string().min(1).max(500),
      issuer: z.string().max(500).default('simulation'),
      subject: z.string().max(500).optional(),
      roles: z.array(z.string().max(200)).max(200).default([]),
      groups: z.array(z.string().max(200)).max(500).default([]),
      scopes: z.array(z.string().max(200)).max(200).default([]),
      claims: z.record(z.string(), z.unknown()).default({}),
    }),
    request: z.object({
      model: z.string().min(1).max(200),
      connection: z.string().max(200).optional(),
      inputCount: z.number().int().min(0).max(100000).default(1),
      tokenCount: z.number().int().min(0).default(0),
      byteSize: z.number().int().min(0).default(0),
      time: z.iso.datetime().optional(),
    }),
    findings: z.record(z.string(), z.number().int().min(0)).default({}),
    version: z.number().int().positive().optional(),
  })
  .strict();

/** `<issuer name>:<subject>`, as the ingress names principals. */
function isPrincipalId(value: string): boolean {
  const colon = value.indexOf(':');
  return colon > 0 && colon < value.length - 1 && ISSUER_NAME.test(value.slice(0, colon));
}

export const revocationBodySchema = z
  .object({
    kind: z.enum(['principal', 'token']),
    /** As long as the ingress accepts them, so every principal and token can be revoked. */
    value: z.string().min(1),
    until: z.iso.datetime().optional(),
    reason: z.string().max(500).optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    const limit = body.kind === 'principal' ? IDENTITY_LIMITS.principalId : IDENTITY_LIMITS.tokenId;
    if (body.value.length > limit)
      ctx.addIssue({
        code: 'custom',
        path: ['value'],
        message: `a ${body.kind} id is at most ${limit} characters`,
      });
    // Ids are matched exactly: a revocation that can match nothing must not look accepted.
    if (body.value.trim() !== body.value)
      ctx.addIssue({
        code: 'custom',
        path: ['value'],
        message: 'has blanks at its start or end, and would match no id',
      });
    // A revocation that has already ended would be acknowledged and then admit the caller.
    if (body.until !== undefined && Date.parse(body.until) <= Date.now())
      ctx.addIssue({
        code: 'custom',
        path: ['until'],
        message: 'is not in the future, so the revocation would never take effect',
      });
    if (body.kind === 'principal' && !isPrincipalId(body.value))
      ctx.addIssue({
        code: 'custom',
        path: ['value'],
        message:
          'a principal id is "<issuer name>:<subject>", as the ingress names principals (e.g. "corp:alice")',
      });
  });

/** Parses a body or throws a 400 naming the field. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const param = issue?.path.join('.') || undefined;
  throw new EmbargoError('invalid_request', `Invalid ${param ?? 'body'}: ${issue?.message}`, {
    param,
  });
}

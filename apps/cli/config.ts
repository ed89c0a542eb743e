/**
 * The environment settings the `embargo` command reads, in one place. Each is checked
 * where it is used, so its error can name the command-line context.
 */
export interface CliEnvironment {
  /** Key ring for keyed masking strategies (`id:base64key[,…]`). */
  maskingKeys?: string;
  /** Policy admin token for `policy simulate --url`. */
  policyToken?: string;
  /** The audit service's URL for `audit search` and `audit reveal`. */
  auditUrl?: string;
  /** The audit service's search token (its AUDIT_API_TOKEN) for `audit search`. */
  auditToken?: string;
  /** The audit service's reveal token (its AUDIT_REVEAL_TOKEN) for `audit reveal`. */
  auditRevealToken?: string;
  /** How long a call to a service may take, answer included (EMBARGO_HTTP_TIMEOUT_SECONDS). */
  httpTimeoutSeconds: number;
}

export const cliEnvironment: CliEnvironment = {
  maskingKeys: process.env.EMBARGO_MASKING_KEYS || undefined,
  policyToken: process.env.EMBARGO_POLICY_TOKEN || undefined,
  auditUrl: process.env.EMBARGO_AUDIT_URL || undefined,
  auditToken: process.env.EMBARGO_AUDIT_TOKEN || undefined,
  auditRevealToken: process.env.EMBARGO_AUDIT_REVEAL_TOKEN || undefined,
  httpTimeoutSeconds: timeoutSeconds(process.env.EMBARGO_HTTP_TIMEOUT_SECONDS),
};

function timeoutSeconds(value: string | undefined): number {
  if (value === undefined || value === '') return 60;
  const n = Number(value);
  if (!(n > 0 && n <= 3600))
    throw new Error(
      `EMBARGO_HTTP_TIMEOUT_SECONDS must be a number of seconds from 0 to 3600, got '${value}'`,
    );
  return n;
}

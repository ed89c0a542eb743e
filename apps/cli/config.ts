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
  /** How long a call to a service may take, answer included, in seconds (default 60). */
  httpTimeoutSeconds?: string;
}

export const cliEnvironment: CliEnvironment = {
  maskingKeys: process.env.EMBARGO_MASKING_KEYS || undefined,
  policyToken: process.env.EMBARGO_POLICY_TOKEN || undefined,
  auditUrl: process.env.EMBARGO_AUDIT_URL || undefined,
  auditToken: process.env.EMBARGO_AUDIT_TOKEN || undefined,
  auditRevealToken: process.env.EMBARGO_AUDIT_REVEAL_TOKEN || undefined,
  httpTimeoutSeconds: process.env.EMBARGO_HTTP_TIMEOUT_SECONDS || undefined,
};

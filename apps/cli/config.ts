/**
 * The environment settings the `embargo` command reads, in one place. Each is checked
 * where it is used, so its error can name the command-line context.
 */
export interface CliEnvironment {
  /** Key ring for keyed masking strategies (`id:base64key[,…]`). */
  maskingKeys?: string;
  /** Policy admin token for `policy simulate --url`. */
  policyToken?: string;
}

export const cliEnvironment: CliEnvironment = {
  maskingKeys: process.env.EMBARGO_MASKING_KEYS || undefined,
  policyToken: process.env.EMBARGO_POLICY_TOKEN || undefined,
};

/** Optional provider: the app binds it to its revocation list (fed from Kafka). */
export const REVOCATION_CHECK = Symbol('REVOCATION_CHECK');

export interface RevocationCheck {
  /** Synchronous on purpose: it runs on every request, so it must be an in-memory lookup. */
  /** `tokenIds`: the token's jti and, for an exchanged token, the jti it was exchanged for. */
  isRevoked(principalId: string, tokenIds: readonly string[]): boolean;
  /** False while the list is still being loaded: nobody is admitted until it is complete. */
  ready?(): boolean;
}

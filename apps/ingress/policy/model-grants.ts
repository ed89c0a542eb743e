import { type CompiledPolicy, modelGrants, type PrincipalInput } from '@embargo/policy';

/**
 * A grant's `*` has never spanned a line break here, unlike in policy evaluation; no model
 * name needs one, so such names stay refused rather than widen what an exchanged token holds.
 */
const LINE_BREAK = /[\n\r\u2028\u2029]/;

/**
 * Which public model names the principal's roles grant, each through the connection the
 * request would go to first (`connectionOf`), as the request's own decision sees it: a role
 * limited to other connections does not list, or scope a token to, a model it would refuse.
 */
export function grantMatcher(
  policy: CompiledPolicy,
  principal: PrincipalInput,
  connectionOf: (model: string) => string | undefined,
): (model: string) => boolean {
  const grants = modelGrants(policy, principal);
  return (model) => !LINE_BREAK.test(model) && grants(model, connectionOf(model));
}

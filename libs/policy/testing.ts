// Helpers shared by this library's specs (not exported from index.ts).
import { compilePolicy } from './compile';
import type { CompiledPolicy, EvaluationInput, PrincipalInput, RequestInput } from './types';

export function compileOrThrow(...contents: string[]): CompiledPolicy {
  const result = compilePolicy(
    contents.map((content, i) => ({ path: `policy-${i}.yaml`, content })),
  );
  if (!result.ok)
    throw new Error(`policy does not compile: ${JSON.stringify(result.errors, null, 2)}`);
  return result.policy;
}

export function input(
  principal: Partial<PrincipalInput> = {},
  request: Partial<RequestInput> = {},
  findings?: Record<string, number>,
): EvaluationInput {
  return {
    principal: { id: 'svc-a', issuer: 'https://idp', subject: 'svc-a', ...principal },
    request: {
      model: 'm1',
      inputCount: 1,
      tokenCount: 10,
      byteSize: 40,
      time: '2025-01-06T12:00:00Z',
      ...request,
    },
    ...(findings ? { findings } : {}),
  };
}

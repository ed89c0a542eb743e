import { ENTITY_TYPES, isEntityType } from '@embargo/masking';

/**
 * Why a name a policy uses as an entity type is not one, or undefined when it is. The
 * masking engine's list is the authority: a finding it never reports reads as 0, so a
 * condition on a misspelt type would never fire, and a mask rule for one would fail
 * every masked request.
 */
export function unknownEntityType(name: string): string | undefined {
  if (isEntityType(name)) return undefined;
  const close = closestEntityTypes(name);
  return close.length > 0
    ? `unknown entity type '${name}'; did you mean ${close.join(' or ')}?`
    : `unknown entity type '${name}'; docs/masking.md lists the types the masking engine detects`;
}

function squash(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, '');
}

/** Known types within a small edit distance, else the one type that has the name as a word. */
function closestEntityTypes(name: string): string[] {
  const wanted = squash(name);
  if (wanted.length === 0) return [];
  const allowed = wanted.length <= 4 ? 1 : 2;
  let best = allowed + 1;
  let found: string[] = [];
  for (const type of ENTITY_TYPES) {
    const d = editDistance(wanted, squash(type), best);
    if (d < best) [best, found] = [d, [type]];
    else if (d === best && d <= allowed) found.push(type);
  }
  if (found.length > 0) return found;
  const word = name.toUpperCase();
  const byWord = ENTITY_TYPES.filter((t) => t.split('_').includes(word));
  return byWord.length === 1 ? byWord : [];
}

/** Levenshtein distance, or any value above `limit` once it is certain to exceed it. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        prev[j] + 1,
        row[j - 1] + 1,
        prev[j - 1] + (a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1),
      );
      rowMin = Math.min(rowMin, row[j]);
    }
    if (rowMin > limit) return limit + 1;
    prev = row;
  }
  return prev[b.length];
}

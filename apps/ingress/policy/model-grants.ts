/** Roles grant model names or patterns such as `text-embedding-*`. */
export function grantMatcher(granted: readonly string[]): (model: string) => boolean {
  const patterns = granted.map(
    (g) => new RegExp(`^${g.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`),
  );
  return (model) => patterns.some((p) => p.test(model));
}

/** How many Authorization headers a request carries (raw headers are name, value pairs). */
export function authorizationHeaders(rawHeaders: readonly string[]): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2)
    if (rawHeaders[i].toLowerCase() === 'authorization') count++;
  return count;
}

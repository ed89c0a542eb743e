/**
 * A unified-style line diff (Myers' O(ND) would be faster; policy files are small, so
 * the LCS table is bounded by MAX_CELLS and falls back to replace-all beyond it). The
 * table is one flat array: a row per line cost 340 MB for a file of a million blank lines.
 */
const MAX_CELLS = 4_000_000;

export function lineDiff(a: string, b: string): string[] {
  const x = a.split('\n');
  const y = b.split('\n');
  const n = x.length;
  const m = y.length;
  const w = m + 1;
  if ((n + 1) * w > MAX_CELLS) return [...x.map((l) => `-${l}`), ...y.map((l) => `+${l}`)];
  const lcs = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * w + j] =
        x[i] === y[j]
          ? lcs[(i + 1) * w + j + 1] + 1
          : Math.max(lcs[(i + 1) * w + j], lcs[i * w + j + 1]);
    }
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (x[i] === y[j]) {
      out.push(` ${x[i]}`);
      i++;
      j++;
    } else if (lcs[(i + 1) * w + j] >= lcs[i * w + j + 1]) out.push(`-${x[i++]}`);
    else out.push(`+${y[j++]}`);
  }
  while (i < n) out.push(`-${x[i++]}`);
  while (j < m) out.push(`+${y[j++]}`);
  return out;
}

import { lineDiff } from './line-diff';

describe('lineDiff', () => {
  it('marks removed, added and kept lines', () => {
    expect(lineDiff('a\nb\nc', 'a\nx\nc')).toEqual([' a', '-b', '+x', ' c']);
  });
  it('shows identical files as unchanged', () => {
    expect(lineDiff('a\nb', 'a\nb').every((l) => l.startsWith(' '))).toBe(true);
  });
  it('finds the shortest edit across insertions and deletions', () => {
    expect(lineDiff('a\nb\nc\nd', 'b\nc\ne\nd')).toEqual(['-a', ' b', ' c', '+e', ' d']);
  });
  it('lists a file too large to compare line by line as removed and added', () => {
    const huge = '\n'.repeat(1_000_000);
    const out = lineDiff(huge, 'a\nb\nc');
    expect(out).toHaveLength(1_000_001 + 3);
    expect(out.slice(-3)).toEqual(['+a', '+b', '+c']);
  });
});

import { lineDiff } from './line-diff';

describe('lineDiff', () => {
  it('marks removed, added and kept lines', () => {
    expect(lineDiff('a\nb\nc', 'a\nx\nc')).toEqual([' a', '-b', '+x', ' c']);
  });
  it('shows identical files as unchanged', () => {
    expect(lineDiff('a\nb', 'a\nb').every((l) => l.startsWith(' '))).toBe(true);
  });
});

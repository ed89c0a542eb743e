import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPolicyDir } from './policy-files';

describe('readPolicyDir', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'embargo-policy-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('loads a Kubernetes ConfigMap mount, whose files are symlinks through ..data', () => {
    const stamp = join(dir, '..2026_11_23_10_00_00.123456789');
    mkdirSync(stamp);
    writeFileSync(join(stamp, 'base.yaml'), 'rules: []\n');
    writeFileSync(join(stamp, 'team.yml'), 'rules: []\n');
    writeFileSync(join(stamp, 'smoke.cases.yaml'), 'cases: []\n');
    symlinkSync('..2026_11_23_10_00_00.123456789', join(dir, '..data'));
    for (const f of ['base.yaml', 'team.yml', 'smoke.cases.yaml'])
      symlinkSync(join('..data', f), join(dir, f));

    expect(readPolicyDir(dir)).toEqual([
      { path: 'base.yaml', content: 'rules: []\n' },
      { path: 'team.yml', content: 'rules: []\n' },
    ]);
  });

  it('follows a symlinked folder once, even when it points back up', () => {
    mkdirSync(join(dir, 'teams'));
    writeFileSync(join(dir, 'teams', 'a.yaml'), 'a: 1\n');
    symlinkSync('..', join(dir, 'teams', 'loop'));
    expect(readPolicyDir(dir).map((f) => f.path)).toEqual(['teams/a.yaml']);
  });

  it('skips case files, tests/ folders and dot entries', () => {
    mkdirSync(join(dir, 'tests'));
    writeFileSync(join(dir, 'tests', 'x.yaml'), 'x: 1\n');
    writeFileSync(join(dir, '.hidden.yaml'), 'x: 1\n');
    writeFileSync(join(dir, 'cases.yaml'), 'x: 1\n');
    writeFileSync(join(dir, 'notes.txt'), 'x\n');
    writeFileSync(join(dir, 'p.yaml'), 'p: 1\n');
    expect(readPolicyDir(dir).map((f) => f.path)).toEqual(['p.yaml']);
  });

  it('refuses a set larger than the limit, counting the files symlinks point to', () => {
    writeFileSync(join(dir, 'real.data'), 'x'.repeat(100));
    symlinkSync('real.data', join(dir, 'big.yaml'));
    expect(() => readPolicyDir(dir, 50)).toThrow(`policy directory ${dir} is larger than 50 bytes`);
  });
});

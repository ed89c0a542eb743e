import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compilePolicy, needsFindings, runCases } from '@embargo/policy';

const dir = join(__dirname, '../../deploy/policies');

function loadSet() {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && f !== 'cases.yaml')
    .map((f) => ({ path: `deploy/policies/${f}`, content: readFileSync(join(dir, f), 'utf8') }));
  const result = compilePolicy(files);
  if (!result.ok) throw new Error(JSON.stringify(result.errors, null, 2));
  return result.policy;
}

describe('example policies in deploy/policies', () => {
  it('compile and pass every case of cases.yaml', () => {
    const policy = loadSet();
    const report = runCases(policy, readFileSync(join(dir, 'cases.yaml'), 'utf8'));
    const failures = report.results
      .filter((r) => !r.passed)
      .map((r) => `${r.name}: ${r.failures.join('; ')}`);
    expect(failures).toEqual([]);
    expect(report.passed).toBeGreaterThanOrEqual(10);
  });

  it('need findings, because bulk PII rules read them', () => {
    expect(needsFindings(loadSet())).toBe(true);
  });
});

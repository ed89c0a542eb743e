// Policy compile time as rules and models grow: N rules, each naming its own model, plus a
// few rules every model shares. Compile happens on every policy upload and directory change.
// Run: npm run build && node dist/bench/policy/compile.js [rules]
import { compilePolicy } from '@embargo/policy';

/** `rules` rules, rule i allowing only model-i, and five rules without a model restriction. */
export function generateManyModels(rules: number): { path: string; content: string }[] {
  const lines = ['version: 1', 'rules:'];
  for (let i = 0; i < 5; i++)
    lines.push(
      `  - { id: shared-${i}, priority: ${i * 2}, deny: { reason: r${i} }, when: 'principal.groups.exists(g, g == "banned-${i}")' }`,
    );
  for (let i = 0; i < rules; i++)
    lines.push(`  - { id: own-${i}, priority: ${i % 10}, allow: { models: [model-${i}] } }`);
  return [{ path: 'many-models.yaml', content: `${lines.join('\n')}\n` }];
}

function main(): void {
  const rules = Number(process.argv[2] ?? 5000);
  const files = generateManyModels(rules);
  const times: number[] = [];
  for (let round = 0; round < 5; round++) {
    const start = process.hrtime.bigint();
    const result = compilePolicy(files);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (!result.ok) throw new Error(JSON.stringify(result.errors.slice(0, 3)));
  }
  times.sort((a, b) => a - b);
  process.stdout.write(
    `${rules} rules, one model each: compile median ${times[2].toFixed(0)} ms (min ${times[0].toFixed(0)}, max ${times[4].toFixed(0)})\n`,
  );
}

if (require.main === module) main();

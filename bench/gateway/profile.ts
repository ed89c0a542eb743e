/**
 * CPU profile of the ingress (or, with --app audit, of the audit service indexing the events)
 * under the latency bench's request: starts the stack with that app profiling itself
 * (cpu-prof-hook), sends a fixed rate for a while, has the app write the profile of that
 * window (SIGUSR2) and prints the hottest functions by self time and each app's CPU
 * milliseconds per request.
 *
 * Run: npm run build && node dist/bench/gateway/profile.js [--rate 100] [--duration 15]
 *        [--app ingress|audit] [--dir /tmp/embargo-prof]
 *      node dist/bench/gateway/profile.js --analyze <file.cpuprofile>
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep, startStack } from '@embargo/testing';
import { distinctEmbeddingBodies, makePool, parseFlags, pct, runOpenLoop } from './load';

const flags = parseFlags(process.argv.slice(2));

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Self and inclusive time per function (file:line), and per-file self time. */
export function analyze(file: string, top = 30): void {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  prof.samples.forEach((id, i) =>
    selfUs.set(id, (selfUs.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)),
  );
  const label = (n: ProfileNode): string => {
    const url = n.callFrame.url
      .replace(/^file:\/\//, '')
      .replace(/^.*?\/(dist|node_modules)\//, '$1/');
    return `${n.callFrame.functionName || '(anonymous)'} ${url}:${n.callFrame.lineNumber + 1}`;
  };
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    total += us;
    const n = byId.get(id);
    if (!n) continue;
    self.set(label(n), (self.get(label(n)) ?? 0) + us);
    const f =
      n.callFrame.url.replace(/^.*?\/(dist|node_modules)\//, '$1/') ||
      `(${n.callFrame.functionName})`;
    const key = f.startsWith('node_modules/')
      ? f
          .split('/')
          .slice(0, f.split('/')[1]?.startsWith('@') ? 3 : 2)
          .join('/')
      : f;
    byFile.set(key, (byFile.get(key) ?? 0) + us);
    // Inclusive: credit every distinct frame on the stack once.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const node = byId.get(cur);
      if (!node) break;
      const l = label(node);
      if (seen.has(l)) continue;
      seen.add(l);
      incl.set(l, (incl.get(l) ?? 0) + us);
    }
  }
  const idle = [...self].filter(([k]) => k.startsWith('(idle)')).reduce((a, [, v]) => a + v, 0);
  const busy = total - idle;
  const show = (title: string, m: Map<string, number>, denom: number): void => {
    console.log(`\n${title}`);
    for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      if (k.startsWith('(idle)') || k.startsWith('(root)')) continue;
      console.log(
        `${((100 * v) / denom).toFixed(1).padStart(6)} %  ${(v / 1000).toFixed(0).padStart(7)} ms  ${k}`,
      );
    }
  };
  console.log(
    `profile ${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy`,
  );
  show('self time by file/package (% of busy)', byFile, busy);
  show('self time by function (% of busy)', self, busy);
  show('inclusive time by function (% of busy)', incl, busy);
}

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks
}

async function main(): Promise<void> {
  if (flags.analyze) return analyze(flags.analyze, Number(flags.top ?? 30));
  const rate = Number(flags.rate ?? 100);
  const duration = Number(flags.duration ?? 15);
  const dir = flags.dir ?? '/tmp/embargo-prof';
  mkdirSync(dir, { recursive: true });
  const startedAt = Date.now();
  const app = flags.app ?? 'ingress';
  if (app !== 'ingress' && app !== 'audit') throw new Error('--app is ingress or audit');
  const file = join(dir, `${app}-${startedAt}.cpuprofile`);
  const hook = {
    NODE_OPTIONS: `--require ${join(__dirname, 'cpu-prof-hook.js')}`,
    CPU_PROF_FILE: file,
  };
  const stack = await startStack(
    app === 'ingress' ? { extraIngressEnv: hook } : { extraAuditEnv: hook },
  );
  const profiled = stack.apps[app].process;
  const pool = makePool(stack.apps.ingress.url);
  try {
    const target = {
      name: 'gateway',
      origin: stack.apps.ingress.url,
      path: '/v1/embeddings',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${await stack.idp.token('indexer')}`,
      },
      body: distinctEmbeddingBodies,
    };
    await runOpenLoop(pool, target, rate, 3);
    profiled.kill('SIGUSR2'); // restart the profile: measure only the run
    const pids = Object.fromEntries(
      [...Object.entries(stack.apps), ['stand-in', stack.standIn.app] as const].map(([k, a]) => [
        k,
        a.process.pid ?? 0,
      ]),
    );
    const cpu0 = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, cpuSeconds(p)]));
    const r = await runOpenLoop(pool, target, rate, duration);
    const cpu1 = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, cpuSeconds(p)]));
    profiled.kill('SIGUSR2');
    await sleep(1500);
    console.log(
      `${r.ok}/${r.sent} ok at ${rate}/s; p50 ${pct(r.latencyMs, 0.5).toFixed(1)} ms, p99 ${pct(r.latencyMs, 0.99).toFixed(1)} ms; server-timing gateway p50 ${pct(r.gatewayMs, 0.5).toFixed(2)} ms`,
    );
    console.log(
      `CPU ms per request by process (from /proc, includes the profiler overhead for ${app}):`,
    );
    for (const k of Object.keys(pids))
      console.log(`  ${k.padEnd(9)} ${((1000 * (cpu1[k] - cpu0[k])) / r.sent).toFixed(2)} ms`);
  } finally {
    await pool.destroy();
    await stack.stop();
  }
  if (!existsSync(file)) throw new Error(`no profile written to ${file}`);
  console.log(`profile: ${file}`);
  analyze(file, Number(flags.top ?? 25));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);

/**
 * What one HTTP request costs this machine before any gateway work: CPU milliseconds per
 * request of a bare `node:http` server and a bare Fastify server answering `{"ok":true}`,
 * and of the ingress answering `/healthz` and an embeddings request, all driven by the
 * latency bench's open-loop generator at the same rate. On hosts where every socket wakeup
 * is expensive (virtual machines), this floor explains most of a gateway's CPU per request:
 * each embeddings request through Embargo talks to the caller, Redis, Kafka and the upstream.
 * It also times the one wait no request can skip: a request's events written with acks=all,
 * alone, by a producer configured as the apps' (idempotent, one request in flight), at the
 * same rate, to a scratch topic the bench deletes afterwards.
 *
 * Run: npm run build && node dist/bench/gateway/floor.js [--rate 100] [--duration 10]
 */
import { fork } from 'node:child_process';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { createServer } from 'node:http';
import Fastify from 'fastify';
import { freePort, sleep, startStack, TESTING_ENV } from '@embargo/testing';
import {
  distinctEmbeddingBodies,
  loadAverage,
  machine,
  makePool,
  parseFlags,
  pct,
  processCpuSeconds,
  runOpenLoop,
  sorted,
  type Target,
} from './load';

const flags = parseFlags(process.argv.slice(2));
const RATE = Number(flags.rate ?? 100);
const DURATION = Number(flags.duration ?? 10);

/** Child mode: serve `{"ok":true}` on the given port with the given server. */
function serve(kind: string, port: number): void {
  if (kind === 'node-http') {
    createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end('{"ok":true}');
    }).listen(port, '127.0.0.1');
  } else {
    const app = Fastify();
    app.get('/healthz', () => ({ ok: true }));
    void app.listen({ port, host: '127.0.0.1' });
  }
}

async function measure(pid: number | undefined, target: Target): Promise<string> {
  const pool = makePool(target.origin);
  try {
    await runOpenLoop(pool, target, RATE, 3); // warm-up, JIT included
    const before = processCpuSeconds(pid);
    const r = await runOpenLoop(pool, target, RATE, DURATION);
    const cpuMs = ((processCpuSeconds(pid) - before) * 1000) / r.sent;
    return (
      `${target.name.padEnd(22)} ${cpuMs.toFixed(2).padStart(6)} ms CPU per request   ` +
      `p50 ${pct(r.latencyMs, 0.5).toFixed(2)} ms   ${r.ok}/${r.sent} ok`
    );
  } finally {
    await pool.close();
  }
}

/**
 * Latency of writing three 700-byte events with acks=all (a request's received,
 * authenticated and decided events are about that size), RATE times a second.
 */
async function durableWrite(): Promise<string> {
  const kafka = new Kafka({
    clientId: 'embargo-bench-floor',
    brokers: TESTING_ENV.KAFKA_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
  });
  const topic = `embargo.bench-floor.${process.pid}`;
  const admin = kafka.admin();
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    await producer.connect();
    const value = Buffer.alloc(700, 'x');
    const write = async (i: number): Promise<number> => {
      const started = performance.now();
      await producer.send({
        topic,
        acks: -1,
        messages: [0, 1, 2].map(() => ({ key: `request-${i}`, value })),
      });
      return performance.now() - started;
    };
    const run = async (seconds: number): Promise<number[]> => {
      const pending: Promise<number>[] = [];
      const start = performance.now();
      for (let i = 0; i < RATE * seconds; i++) {
        await sleep(Math.max(0, start + (i * 1000) / RATE - performance.now()));
        pending.push(write(i));
      }
      return Promise.all(pending);
    };
    await run(3); // warm-up
    const s = sorted(await run(DURATION));
    return (
      `${'acks=all write, alone'.padEnd(22)} ${''.padStart(6)}                       ` +
      `p50 ${pct(s, 0.5).toFixed(2)} ms   p99 ${pct(s, 0.99).toFixed(2)} ms`
    );
  } finally {
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}

async function main(): Promise<void> {
  console.log(`machine: ${machine()}; load average ${loadAverage()}`);
  console.log(`${RATE} requests/s for ${DURATION} s each, after 3 s of warm-up\n`);
  for (const kind of ['node-http', 'fastify']) {
    const port = await freePort();
    const child = fork(__filename, ['--serve', kind, '--port', String(port)]);
    try {
      await sleep(1500);
      const origin = `http://127.0.0.1:${port}`;
      console.log(
        await measure(child.pid, {
          name: `bare ${kind}`,
          origin,
          path: '/healthz',
          method: 'GET',
          headers: {},
          body: '',
        }),
      );
    } finally {
      child.kill();
    }
  }
  const stack = await startStack();
  try {
    const origin = stack.apps.ingress.url;
    const pid = stack.apps.ingress.process.pid;
    const token = await stack.idp.token('indexer');
    console.log(
      await measure(pid, {
        name: 'ingress /healthz',
        origin,
        path: '/healthz',
        method: 'GET',
        headers: {},
        body: '',
      }),
    );
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    const embed = {
      name: 'ingress /v1/embeddings',
      origin,
      path: '/v1/embeddings',
      headers,
      body: distinctEmbeddingBodies,
    };
    console.log(await measure(pid, embed));
    console.log(
      await measure(stack.standIn.app.process.pid, {
        ...embed,
        name: 'stand-in, direct',
        origin: new URL(stack.standIn.baseUrl).origin,
        path: `${new URL(stack.standIn.baseUrl).pathname}/embeddings`,
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${stack.ingressEnv.STAND_IN_KEY}`,
        },
      }),
    );
    console.log(await durableWrite());
  } finally {
    await stack.stop();
  }
}

if (flags.serve) serve(flags.serve, Number(flags.port));
else
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );

import { z } from 'zod';

/**
 * The one place the test harness reads its environment: where the local infrastructure
 * (deploy/local) answers, and the PATH handed on to the processes it starts. Read once and
 * validated, so a bad setting fails with its name instead of as a connection error later.
 */
const schema = z.object({
  KAFKA_BROKERS: z
    .string()
    .regex(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, 'host:port[,host:port...]')
    .default('127.0.0.1:9092'),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
  OPENSEARCH_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:9200'),
  PATH: z.string().default(''),
});

function load(): z.infer<typeof schema> {
  const parsed = schema.safeParse(process.env);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new Error(`test harness setting ${issue?.path.join('.')}: ${issue?.message}`);
}

export const TESTING_ENV = load();

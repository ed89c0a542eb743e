import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { z } from 'zod';
import { TOPICS, type TopicKey, type TopicSpec } from './topics';
import { EVENT_ID_PATTERN } from './cloudevent';

/**
 * The AsyncAPI 3.0.0 description of Embargo's Kafka traffic, generated from the topic
 * registry so the document cannot drift from the code. `docs/asyncapi.yaml` is this
 * output; `scripts/asyncapi.ts --check` and a unit test fail when they differ.
 */

export const ASYNCAPI_APPS = ['ingress', 'masking', 'policy', 'approval', 'audit'] as const;
export type AsyncApiApp = (typeof ASYNCAPI_APPS)[number];

interface Route {
  readonly senders: readonly AsyncApiApp[];
  readonly receivers: readonly AsyncApiApp[];
}

/**
 * Who writes and who reads each topic. Typed over every topic key, so a topic added to
 * the registry does not compile until it is routed here. Dead letters are written by
 * every app that consumes something, so their senders are derived, not listed.
 */
const ROUTES: Record<Exclude<TopicKey, 'deadLetters'>, Route> & {
  deadLetters: Pick<Route, 'receivers'>;
} = {
  requestEvents: { senders: ['ingress'], receivers: ['audit'] },
  auditActions: { senders: ['audit'], receivers: ['audit'] },
  policyBundles: { senders: ['policy'], receivers: ['ingress'] },
  policyVersions: { senders: ['policy'], receivers: ['policy'] },
  revocations: { senders: ['policy'], receivers: ['ingress'] },
  maskRequests: { senders: ['ingress'], receivers: ['masking'] },
  maskReplies: { senders: ['masking'], receivers: ['ingress'] },
  approvalRequests: { senders: ['ingress'], receivers: ['approval'] },
  approvalOutcomes: { senders: ['approval'], receivers: ['ingress'] },
  deadLetters: { receivers: ['audit'] },
};

export function routeOf(key: TopicKey): Route {
  if (key !== 'deadLetters') return ROUTES[key];
  const consumers = new Set<AsyncApiApp>();
  for (const [k, r] of Object.entries(ROUTES) as [TopicKey, Partial<Route>][]) {
    if (k === 'deadLetters') continue;
    for (const app of r.receivers ?? []) consumers.add(app);
  }
  return {
    senders: ASYNCAPI_APPS.filter((a) => consumers.has(a)),
    receivers: ROUTES.deadLetters.receivers,
  };
}

const KAFKA_BINDING_VERSION = '0.5.0';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Where the generated document lives, relative to the repository root. */
export const ASYNCAPI_DOC = 'docs/asyncapi.yaml';

/**
 * The repository root: the nearest directory above this file whose package.json is
 * embargo's. Works from source (libs/contracts), from dist/ and inside the image.
 */
export function repoRoot(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (
      existsSync(file) &&
      (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === 'embargo'
    ) {
      return dir;
    }
    if (dirname(dir) === dir)
      throw new Error(`embargo's package.json not found above ${__dirname}`);
  }
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as {
    version?: string;
  };
  if (!pkg.version) throw new Error('package.json has no version');
  return pkg.version;
}

/**
 * The JSON Schema of a payload as consumers validate it (zod input side). Draft-07 is what
 * AsyncAPI's default schema format extends. Anything zod cannot express (a transform's
 * output, a custom check) becomes `{}` rather than failing the whole document.
 */
export function payloadSchema(schema: z.ZodType): JsonObject {
  const json = z.toJSONSchema(schema, {
    target: 'draft-07',
    io: 'input',
    unrepresentable: 'any',
  }) as JsonObject;
  delete json.$schema;
  // Local $refs would resolve against the AsyncAPI document root, not this schema.
  if ('$defs' in json || 'definitions' in json || JSON.stringify(json).includes('"$ref"')) {
    throw new Error('payload schemas must inline their sub-schemas (no $ref/$defs)');
  }
  return json;
}

/** CloudEvents 1.0 Kafka binding, binary mode, as written by `toKafkaMessage`. */
function headersSchema(spec: TopicSpec<z.ZodType>): JsonObject {
  return {
    type: 'object',
    description:
      'CloudEvents 1.0 attributes in Kafka binary content mode (ce_* headers); the record value is the event data.',
    required: ['ce_id', 'ce_type', 'ce_source', 'ce_specversion'],
    properties: {
      ce_id: {
        type: 'string',
        pattern: EVENT_ID_PATTERN.source,
        description:
          'Event id. Deterministic per request transition, so re-deliveries are idempotent. It is the OpenSearch document id; a record with another id is dead-lettered.',
      },
      ce_type: { type: 'string', enum: [...spec.eventTypes] },
      ce_source: { type: 'string', description: 'URI reference /embargo/<app>.' },
      ce_specversion: { type: 'string', const: '1.0' },
      ce_time: { type: 'string', format: 'date-time' },
      ce_subject: { type: 'string' },
      ce_requestid: {
        type: 'string',
        description: 'Extension attribute: the request id, for log correlation.',
      },
      ce_partitionkey: {
        type: 'string',
        description: 'Extension attribute: the same value as the Kafka record key.',
      },
      ce_datacontenttype: { type: 'string', const: 'application/json' },
      'content-type': { type: 'string', const: 'application/json' },
    },
  };
}

function pascal(key: string): string {
  return key.charAt(0).toUpperCase() + key.slice(1);
}

function buildDocument(version: string): JsonObject {
  const keys = Object.keys(TOPICS) as TopicKey[];
  const channels: JsonObject = {};
  const messages: JsonObject = {};
  const operations: JsonObject = {};

  for (const key of keys) {
    const spec: TopicSpec<z.ZodType> = TOPICS[key];
    const topicConfiguration: JsonObject = { 'cleanup.policy': [spec.cleanupPolicy] };
    if (spec.retentionMs !== undefined) topicConfiguration['retention.ms'] = spec.retentionMs;
    // Unset means the broker default applies, exactly as KafkaService.ensureTopics creates it.
    if (spec.maxMessageBytes !== undefined)
      topicConfiguration['max.message.bytes'] = spec.maxMessageBytes;

    messages[key] = {
      name: key,
      title: `${pascal(key)} CloudEvent`,
      summary: spec.description,
      contentType: 'application/json',
      headers: headersSchema(spec),
      payload: payloadSchema(spec.schema),
      bindings: {
        kafka: {
          key: { type: 'string', description: `The partition key: ${spec.key}.` },
          bindingVersion: KAFKA_BINDING_VERSION,
        },
      },
    };

    channels[key] = {
      address: spec.name,
      title: pascal(key),
      description: spec.description,
      servers: [{ $ref: '#/servers/local' }],
      messages: { [key]: { $ref: `#/components/messages/${key}` } },
      bindings: {
        kafka: {
          topic: spec.name,
          partitions: spec.partitions,
          replicas: 1,
          topicConfiguration,
          bindingVersion: KAFKA_BINDING_VERSION,
        },
      },
    };

    const route = routeOf(key);
    const ops: [AsyncApiApp, 'send' | 'receive'][] = [
      ...route.senders.map((a): [AsyncApiApp, 'send'] => [a, 'send']),
      ...route.receivers.map((a): [AsyncApiApp, 'receive'] => [a, 'receive']),
    ];
    for (const [app, action] of ops) {
      operations[`${app}${pascal(action)}${pascal(key)}`] = {
        action,
        channel: { $ref: `#/channels/${key}` },
        summary: `${app} ${action === 'send' ? 'publishes to' : 'consumes'} ${spec.name}.`,
        tags: [{ name: app }],
        messages: [{ $ref: `#/channels/${key}/messages/${key}` }],
      };
    }
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Embargo',
      version,
      description: [
        'Kafka topics of Embargo, the identity-aware gateway for embedding APIs.',
        'Generated from libs/contracts/topics.ts by `npm run asyncapi`; do not edit by hand.',
        'Every record is a CloudEvent 1.0 in Kafka binary mode: ce_* headers, JSON data as the value,',
        'and the partition key as the record key. Operations are tagged with the app that performs them.',
      ].join('\n'),
      license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
      tags: ASYNCAPI_APPS.map((a) => ({ name: a, description: `The ${a} service (apps/${a}).` })),
    },
    defaultContentType: 'application/json',
    servers: {
      local: {
        host: '127.0.0.1:9092',
        protocol: 'kafka',
        description:
          'The single-node KRaft broker started by deploy/local (kafka:9092 inside docker compose).',
      },
    },
    channels,
    operations,
    components: { messages },
  };
}

/** The AsyncAPI document as YAML. Deterministic: same registry, same bytes. */
export function buildAsyncApi(version: string = packageVersion()): string {
  const header =
    '# Generated by scripts/asyncapi.ts from libs/contracts/topics.ts. Do not edit: run `npm run asyncapi`.\n';
  return (
    header +
    stringify(buildDocument(version), {
      aliasDuplicateObjects: false,
      lineWidth: 0,
      sortMapEntries: false,
    })
  );
}

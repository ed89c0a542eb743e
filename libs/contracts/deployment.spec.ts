import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
// Apps are imported from a libs test on purpose: the compose file must satisfy the
// config schemas the apps really start with.
import { approvalConfigSchema } from '../../apps/approval/config';
import { auditConfigSchema } from '../../apps/audit/config';
import { ingressConfigSchema } from '../../apps/ingress/config';
import { parseIssuers } from '../../apps/ingress/identity/issuer-config';
import { parseConnections } from '../../apps/ingress/upstream/connections';
import { maskingConfigSchema } from '../../apps/masking/config';
import { policyConfigSchema } from '../../apps/policy/config';

const ROOT = resolve(__dirname, '../..');
const COMPOSE_FILE = join(ROOT, 'docker-compose.yml');

type ConfigSchema = z.ZodObject<z.ZodRawShape>;
const APPS: Record<string, ConfigSchema> = {
  ingress: ingressConfigSchema,
  masking: maskingConfigSchema,
  policy: policyConfigSchema,
  approval: approvalConfigSchema,
  audit: auditConfigSchema,
};
const INFRA = ['kafka', 'redis', 'opensearch', 'opensearch-dashboards'];

interface Service {
  image?: string;
  build?: unknown;
  environment?: Record<string, string | number | boolean | null> | string[];
  volumes?: (string | { type?: string; source?: string; target?: string })[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
}

// Compose supports YAML merge keys (`<<: *anchor`), which YAML 1.2 leaves off by default.
const compose = parseYaml(readFileSync(COMPOSE_FILE, 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const services = compose.services;

/** Resolves `${VAR:-default}` / `${VAR-default}` to the default and `$$` to `$`, as with an empty shell. */
function interpolate(value: string): string | undefined {
  let unresolved = false;
  const out = value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g,
    (m, _name, dflt?: string) => {
      if (m === '$$') return '$';
      if (dflt === undefined) unresolved = true;
      return dflt ?? '';
    },
  );
  return unresolved ? undefined : out;
}

/** A service's environment as the container sees it (list and map syntax). */
function environmentOf(service: Service): Record<string, string> {
  const env: Record<string, string> = {};
  const raw = service.environment ?? {};
  const entries: [string, unknown][] = Array.isArray(raw)
    ? raw.map((e) => [
        e.split('=', 1)[0],
        e.includes('=') ? e.slice(e.indexOf('=') + 1) : undefined,
      ])
    : Object.entries(raw);
  for (const [key, value] of entries) {
    if (value === undefined || value === null) continue;
    // Compose turns YAML numbers and booleans into their text; anything else is invalid.
    const resolved =
      typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
        ? interpolate(String(value))
        : undefined;
    if (resolved !== undefined) env[key] = resolved;
  }
  return env;
}

/** Bind mounts of a service as [repo path, container path]. */
function bindMounts(service: Service): [string, string][] {
  const mounts: [string, string][] = [];
  for (const v of service.volumes ?? []) {
    const [source, target] = typeof v === 'string' ? v.split(':') : [v.source, v.target];
    if (!source || !target || !/^[./]/.test(source)) continue; // named volume
    mounts.push([resolve(ROOT, source), target.replace(/\/+$/, '')]);
  }
  return mounts;
}

/**
 * The container's environment with container paths of bind-mounted files replaced by
 * the repository files they mount, so schemas that read files at parse time read ours.
 */
function hostEnvironmentOf(service: Service): Record<string, string> {
  const env = environmentOf(service);
  const mounts = bindMounts(service);
  for (const [key, value] of Object.entries(env)) {
    for (const [source, target] of mounts) {
      if (value === target || value.startsWith(`${target}/`))
        env[key] = source + value.slice(target.length);
    }
  }
  return env;
}

/** Settings the schema cannot do without: no default, not optional. */
function requiredSettings(schema: ConfigSchema): string[] {
  return Object.entries(schema.shape)
    .filter(([, s]) => !(s as z.ZodType).safeParse(undefined).success)
    .map(([key]) => key)
    .sort();
}

/**
 * Parses as the app does at start: the schema is given process.env, and some settings
 * (connection credentials named by env) read process.env again while parsing.
 */
function parseAsApp(
  schema: ConfigSchema,
  env: Record<string, string>,
): z.ZodSafeParseResult<unknown> {
  const saved = { ...process.env };
  for (const key of Object.keys(process.env)) delete process.env[key];
  Object.assign(process.env, env);
  try {
    return schema.safeParse({ ...env });
  } finally {
    for (const key of Object.keys(process.env)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}

function issuesOf(result: z.ZodSafeParseResult<unknown>): string[] {
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('docker-compose.yml', () => {
  it('runs every app and the infrastructure they need', () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining([...Object.keys(APPS), ...INFRA]));
  });

  it('every bind-mounted file or folder exists in the repository', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [source] of bindMounts(service))
        expect({ name, source, exists: existsSync(source) }).toMatchObject({ exists: true });
    }
  });

  describe.each(Object.keys(APPS))('%s', (app) => {
    const service = services[app] ?? {};
    const schema = APPS[app];

    it('runs the app from the one image, chosen by APP', () => {
      expect(service.build ?? service.image).toBeDefined();
      expect(environmentOf(service).APP).toBe(app);
    });

    it('has a healthcheck and waits for its dependencies to be healthy', () => {
      expect(service.healthcheck?.disable).not.toBe(true);
      expect(service.healthcheck?.test).toBeDefined();
      const deps = service.depends_on;
      expect(deps && !Array.isArray(deps)).toBe(true);
      const entries = Object.entries(deps as Record<string, { condition?: string }>);
      expect(entries.length).toBeGreaterThan(0);
      for (const [dep, spec] of entries) {
        expect({ dep, condition: spec.condition }).toEqual({
          dep,
          condition: expect.stringMatching(/^service_(healthy|completed_successfully)$/),
        });
        // Waiting on a service without a healthcheck would never finish.
        if (spec.condition === 'service_healthy')
          expect({ dep, healthcheck: services[dep]?.healthcheck?.test }).toEqual({
            dep,
            healthcheck: expect.anything(),
          });
      }
    });

    it('sets every setting the app requires', () => {
      const env = environmentOf(service);
      const missing = requiredSettings(schema).filter((key) => !(key in env));
      expect(missing).toEqual([]);
    });

    it('has an environment the app starts with', () => {
      expect(issuesOf(parseAsApp(schema, hostEnvironmentOf(service)))).toEqual([]);
    });
  });

  it('gives the ingress issuers and connections it can load, with the upstream key the stand-in expects', () => {
    const env = hostEnvironmentOf(services.ingress);
    const read = (v: string) => (/^\s*[[{]/.test(v) ? v : readFileSync(v, 'utf8'));
    expect(parseIssuers(read(env.INGRESS_ISSUERS)).length).toBeGreaterThan(0);
    const connections = parseConnections(read(env.INGRESS_CONNECTIONS), { env });
    const standIn = connections.find((c) => c.provider === 'stand_in');
    if (standIn?.credential) {
      expect(standIn.credential.reveal()).toBe(
        environmentOf(services['stand-in-upstream']).STAND_IN_API_KEY,
      );
    }
  });

  it('gives the ingress and the masking workers the same masking keys', () => {
    expect(environmentOf(services.ingress).MASKING_KEYS).toBe(
      environmentOf(services.masking).MASKING_KEYS,
    );
  });
});

import type { Connection, Provider } from '../connections';
import { Secret } from '../secret';

/** A minimal connection for adapter specs. */
export function testConnection(
  provider: Provider,
  baseUrl: string,
  credential?: string,
): Connection {
  return {
    name: `${provider}-test`,
    provider,
    baseUrl,
    models: new Map(),
    credential: credential ? new Secret(credential) : undefined,
    azure: provider === 'azure_openai' ? { apiVersion: '2024-10-21' } : undefined,
    headers: {},
    timeoutMs: 1000,
    retries: { attempts: 0, baseDelayMs: 0, maxDelayMs: 0 },
    maxConnections: 1,
  };
}

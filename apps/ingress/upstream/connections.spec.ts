import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { ConnectionsError, parseConnections, type LoadOptions } from './connections';

const env = { OPENAI_KEY: 'sk-test-0123456789abcdef', AZURE_KEY: 'azure-key-value' };

const YAML_CONFIG = `
connections:
  - name: openai-main
    provider: openai
    baseUrl: https://api.openai.com/v1/
    credential: { env: OPENAI_KEY }
    fallback: azure-east
    models:
      text-embedding-3-small: { upstreamModel: text-embedding-3-small, dimensions: 1536, maxDimensions: 1536 }
  - name: azure-east
    provider: azure_openai
    baseUrl: https://east.openai.azure.com
    credential: { env: AZURE_KEY }
    azure: { apiVersion: 2024-10-21 }
    retries: { attempts: 4 }
    models:
      text-embedding-3-small: { upstreamModel: emb-small-deployment, dimensions: 1536 }
`;

describe('parseConnections', () => {
  it('parses YAML with defaults and resolves credentials into memory', () => {
    const [openai, azure] = parseConnections(YAML_CONFIG, { env });
    expect(openai.baseUrl).toBe('https://api.openai.com/v1');
    expect(openai.timeoutMs).toBe(30_000);
    expect(openai.retries).toEqual({ attempts: 2, baseDelayMs: 100, maxDelayMs: 2000 });
    expect(openai.maxConnections).toBe(64);
    expect(openai.credential?.reveal()).toBe(env.OPENAI_KEY);
    expect(openai.models.get('text-embedding-3-small')?.supportsDimensions).toBe(true);
    expect(azure.retries).toEqual({ attempts: 4, baseDelayMs: 100, maxDelayMs: 2000 });
    expect(azure.azure).toEqual({ apiVersion: '2024-10-21' });
    expect(azure.models.get('text-embedding-3-small')).toMatchObject({
      upstreamModel: 'emb-small-deployment',
      supportsDimensions: false,
    });
  });

  it('accepts the documented example', () => {
    const text = readFileSync(join(__dirname, 'connections.example.yaml'), 'utf8');
    const keys = { OPENAI_API_KEY: 'a', COHERE_API_KEY: 'b', STAND_IN_API_KEY: 'c' };
    const connections = parseConnections(text, { env: keys, readFile: () => 'azure\n' });
    expect(connections.map((c) => c.provider)).toEqual([
      'openai',
      'azure_openai',
      'cohere',
      'tei',
      'ollama',
      'stand_in',
    ]);
  });

  it('accepts JSON, including a bare list', () => {
    const json = JSON.stringify([
      {
        name: 'local',
        provider: 'stand_in',
        baseUrl: 'http://127.0.0.1:8090/v1',
        models: { m: { upstreamModel: 'stand-in-embedding' } },
      },
    ]);
    expect(parseConnections(json)[0]).toMatchObject({
      name: 'local',
      provider: 'stand_in',
      credential: undefined,
    });
  });

  it('never shows the credential when the connection is logged or serialized', () => {
    const [openai] = parseConnections(YAML_CONFIG, { env });
    expect(JSON.stringify(openai)).not.toContain(env.OPENAI_KEY);
    expect(inspect(openai, { depth: 10 })).not.toContain(env.OPENAI_KEY);
    expect(String(openai.credential)).toBe('[redacted]');
  });

  it('reads a mounted secret file, trimming the trailing newline', () => {
    const text = YAML_CONFIG.replace('{ env: OPENAI_KEY }', '{ file: /run/secrets/openai }');
    const [openai] = parseConnections(text, { env, readFile: () => 'sk-from-file\n' });
    expect(openai.credential?.reveal()).toBe('sk-from-file');
  });

  const failure = (text: string, options: LoadOptions = { env }) => {
    try {
      parseConnections(text, options);
    } catch (err) {
      expect(err).toBeInstanceOf(ConnectionsError);
      return (err as Error).message;
    }
    throw new Error('expected a ConnectionsError');
  };

  it('names the connection and the field of a bad setting', () => {
    expect(failure(YAML_CONFIG.replace('https://east.openai.azure.com', 'ftp://east'))).toBe(
      "connection 'azure-east' field baseUrl: must be an http(s) URL",
    );
    expect(failure(YAML_CONFIG.replace('    azure: { apiVersion: 2024-10-21 }\n', ''))).toMatch(
      /^connection 'azure-east' field azure: /,
    );
    expect(failure(YAML_CONFIG.replace('provider: openai', 'provider: bedrock'))).toMatch(
      /^connection 'openai-main' field provider: /,
    );
    expect(
      failure(
        YAML_CONFIG.replace(
          'retries: { attempts: 4 }',
          'retries: { attempts: 4, baseDelayMs: 5000 }',
        ),
      ),
    ).toMatch(/^connection 'azure-east' field retries: baseDelayMs must not exceed maxDelayMs/);
  });

  it('fails start-up on a missing credential, naming the connection and variable but no value', () => {
    const message = failure(YAML_CONFIG, { env: { OPENAI_KEY: env.OPENAI_KEY } });
    expect(message).toBe(
      "connection 'azure-east' field credential: environment variable AZURE_KEY is not set",
    );
    const fileMessage = failure(YAML_CONFIG.replace('{ env: OPENAI_KEY }', '{ file: /nope/key }'));
    expect(fileMessage).toMatch(
      /^connection 'openai-main' field credential: file \/nope\/key could not be read \(ENOENT\)$/,
    );
  });

  it('requires a credential for hosted providers', () => {
    expect(failure(YAML_CONFIG.replace('    credential: { env: OPENAI_KEY }\n', ''))).toBe(
      "connection 'openai-main' field credential: is required for openai",
    );
  });

  it('refuses to send a credential over plain http, except to this machine or when allowed', () => {
    const plain = YAML_CONFIG.replace(
      'https://api.openai.com/v1/',
      'http://embeddings.corp.example/v1',
    );
    expect(failure(plain)).toBe(
      "connection 'openai-main' field baseUrl: would send the credential over plain http; use https, or set allowPlainHttp: true for a private network",
    );
    expect(
      parseConnections(
        plain.replace(
          '    fallback: azure-east\n',
          '    fallback: azure-east\n    allowPlainHttp: true\n',
        ),
        { env },
      )[0].baseUrl,
    ).toBe('http://embeddings.corp.example/v1');
    for (const local of ['http://127.0.0.1:8090/v1', 'http://localhost:8090', 'http://[::1]:8090'])
      expect(
        parseConnections(YAML_CONFIG.replace('https://api.openai.com/v1/', local), { env }),
      ).toHaveLength(2);
    // Without a credential there is nothing to read on the way: an in-cluster TEI over http.
    const tei = `
connections:
  - name: tei
    provider: tei
    baseUrl: http://tei.embeddings.svc:8080
    models: { bge: { upstreamModel: bge } }
`;
    expect(parseConnections(tei, { env })[0].baseUrl).toBe('http://tei.embeddings.svc:8080');
  });

  it('rejects unknown fallbacks, duplicates and cycles', () => {
    expect(failure(YAML_CONFIG.replace('fallback: azure-east', 'fallback: nowhere'))).toBe(
      "connection 'openai-main' field fallback: names unknown connection 'nowhere'",
    );
    expect(failure(YAML_CONFIG.replace('name: azure-east', 'name: openai-main'))).toMatch(
      /is declared twice/,
    );
    const cyclic = YAML_CONFIG.replace(
      '    retries: { attempts: 4 }\n',
      '    retries: { attempts: 4 }\n    fallback: openai-main\n',
    );
    expect(failure(cyclic)).toBe(
      "connection 'openai-main' field fallback: forms a cycle (openai-main -> azure-east -> openai-main)",
    );
  });

  it('refuses dimensions settings on TEI, which cannot shorten vectors', () => {
    const tei = (settings: string) => `
connections:
  - name: tei-bge
    provider: tei
    baseUrl: http://tei:8080
    models:
      bge: { upstreamModel: BAAI/bge-large-en-v1.5, dimensions: 1024${settings} }
`;
    expect(parseConnections(tei(''), { env })[0].models.get('bge')?.supportsDimensions).toBe(false);
    expect(failure(tei(', supportsDimensions: true'))).toBe(
      "connection 'tei-bge' field models.bge.supportsDimensions: TEI cannot shorten vectors; set only dimensions",
    );
    expect(failure(tei(', maxDimensions: 512'))).toBe(
      "connection 'tei-bge' field models.bge.maxDimensions: TEI cannot shorten vectors; set only dimensions",
    );
  });

  it('takes a Cohere input type per model, and only for Cohere', () => {
    const cohere = (inputType: string, provider = 'cohere') => `
connections:
  - name: co
    provider: ${provider}
    baseUrl: https://api.cohere.com
    credential: { env: OPENAI_KEY }
    models:
      embed-query: { upstreamModel: embed-v4.0, inputType: ${inputType} }
      embed-docs: { upstreamModel: embed-v4.0 }
`;
    const [co] = parseConnections(cohere('search_query'), { env });
    expect(co.models.get('embed-query')?.inputType).toBe('search_query');
    expect(co.models.get('embed-docs')?.inputType).toBeUndefined();
    expect(failure(cohere('image'))).toMatch(
      /^connection 'co' field models\.embed-query\.inputType: /,
    );
    expect(failure(cohere('search_query', 'openai'))).toBe(
      "connection 'co' field models.embed-query.inputType: only applies to cohere",
    );
  });

  it('refuses a fallback that serves a model at another vector size', () => {
    const text = YAML_CONFIG.replace(
      '{ upstreamModel: emb-small-deployment, dimensions: 1536 }',
      '{ upstreamModel: emb-small-deployment, dimensions: 1024 }',
    );
    expect(failure(text)).toBe(
      "connection 'openai-main' field fallback: model 'text-embedding-3-small' has 1536 dimensions on 'openai-main' but 1024 on fallback 'azure-east'",
    );
  });

  it('rejects extra headers that would override auth', () => {
    const text = YAML_CONFIG.replace(
      'fallback: azure-east',
      'fallback: azure-east\n    headers: { Authorization: x }',
    );
    expect(failure(text)).toMatch(
      /^connection 'openai-main' field headers\.Authorization: may not set auth/,
    );
  });

  it('refuses extra headers that would fail every request', () => {
    const withHeaders = (headers: string) =>
      failure(
        YAML_CONFIG.replace(
          'fallback: azure-east',
          `fallback: azure-east\n    headers: ${headers}`,
        ),
      );
    for (const name of ['Transfer-Encoding', 'Content-Length', 'Connection', 'Host']) {
      expect(withHeaders(`{ ${name}: x }`)).toBe(
        `connection 'openai-main' field headers.${name}: may not set auth, host, content, framing or hop-by-hop headers`,
      );
    }
    for (const value of ['"a\\r\\nX-Injected: 1"', '"a\\nb"', '"a\\u0000b"']) {
      const message = withHeaders(`{ X-Tenant: ${value} }`);
      expect(message).toBe(
        "connection 'openai-main' field headers.X-Tenant: must not contain line breaks or other control characters",
      );
    }
  });

  it('refuses a credential with a line break inside, naming where it came from, not its value', () => {
    const inner = { ...env, OPENAI_KEY: 'sk-test-0123\n456789abcdef\n' };
    expect(failure(YAML_CONFIG, { env: inner })).toBe(
      "connection 'openai-main' field credential: environment variable OPENAI_KEY holds a line break or other control character inside the key",
    );
    const fromFile = YAML_CONFIG.replace('{ env: AZURE_KEY }', '{ file: azure.key }');
    const message = failure(fromFile, { env, readFile: () => 'azure-key\u0007value\n' });
    expect(message).toMatch(/^connection 'azure-east' field credential: file azure\.key holds/);
    expect(message).not.toContain('azure-key');
    // The trailing newline of a mounted secret is still fine.
    expect(() => parseConnections(fromFile, { env, readFile: () => 'azure-key\n' })).not.toThrow();
  });

  it('reports unparsable text in one line', () => {
    expect(failure('connections: [\n  {')).toMatch(
      /^connections config is not valid YAML or JSON: /,
    );
  });
});

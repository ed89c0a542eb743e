import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '@embargo/config';
import { EmbargoError, embeddingsResponseBody, type PrincipalSummary } from '@embargo/contracts';
import { seal } from '@embargo/crypto';
import { createHmac } from 'node:crypto';
import { evaluate, needsFindings, type Decision } from '@embargo/policy';
import type { IngressConfig } from '../config';
import { AuditTrail } from '../events/audit-trail.service';
import type { Principal } from '../identity';
import { countTokens, decodeTokenIds, encodeText } from '../limits/token-counter';
import { RateLimiter, rateLimitHeaders } from '../limits/rate-limiter';
import { MaskingService } from '../masking/masking.service';
import { BundleStore } from '../policy/bundle.store';
import { summarize, toPolicyPrincipal } from '../policy/policy-principal';
import { UpstreamClient } from '../upstream';
import { TokenUse } from '../exchange/token-use';
import { EmbeddingCache, embeddingCacheKey } from './embedding-cache';
import { parseEmbeddingsRequest } from './embeddings.dto';
import { fingerprintInSlices } from './fingerprint';

export interface EmbeddingsResult {
  /** The response's JSON, as bytes (see embeddingsResponseBody). */
  body: Buffer;
  headers: Record<string, string>;
}

const DENY_STATUS: Record<string, 'policy_denied' | 'model_not_found' | 'batch_too_large'> = {
  not_granted: 'model_not_found',
  no_role: 'policy_denied',
  rule_denied: 'policy_denied',
  no_allow_rule: 'policy_denied',
  invalid_input: 'policy_denied',
  limit_exceeded: 'batch_too_large',
};

/**
 * The data path: validate → decide (policy, with masking findings when rules need them)
 * → durable decision event → limits → mask → forward → fingerprint → respond.
 * Nothing is forwarded before its decision (and masking) events are on Kafka.
 */
@Injectable()
export class EmbeddingsService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: IngressConfig,
    private readonly trail: AuditTrail,
    private readonly bundles: BundleStore,
    private readonly limiter: RateLimiter,
    private readonly masking: MaskingService,
    private readonly upstream: UpstreamClient,
    private readonly tokens: TokenUse,
    private readonly cache: EmbeddingCache,
  ) {}

  async embed(
    /** `signal` aborts the upstream call when the caller has gone away. */
    request: { id: string; clientId?: string; signal?: AbortSignal },
    principal: Principal,
    body: unknown,
    startedAt: number,
  ): Promise<EmbeddingsResult> {
    // A spent single-use token is refused as a failed authentication is, before it can
    // write events, spend the principal's rate limit or have its input masked and sealed.
    // `consume` below still settles two concurrent first uses to one.
    await this.tokens.checkUnused(principal);
    const requestId = request.id;
    const who = summarize(principal);
    const req = parseEmbeddingsRequest(body, this.config.MAX_BATCH_INPUTS);
    const { normalized } = req;
    this.tokens.checkModel(principal, req.model);
    this.upstream.checkRequest(req.model, req);
    const policy = this.bundles.current();
    const tokenCount = countTokens(req.model, normalized.texts, normalized.tokens);
    // What the policy's findings and masking read: the texts, or the text token ids encode.
    const texts =
      normalized.texts ?? (normalized.tokens && decodeTokenIds(req.model, normalized.tokens));

    // Large inputs are counted by the worker pool, so they reach the mask-requests topic
    // (kept an hour, never copied elsewhere) before the request's events are written.
    const detectAll = texts && needsFindings(policy);
    const findings = detectAll ? await this.masking.countFindings(requestId, texts) : {};
    const route = this.upstream.routeFor(req.model);
    const facts = {
      principal: toPolicyPrincipal(principal),
      request: {
        model: req.model,
        // Rules and roles naming connections see the one the request goes to first.
        connection: route?.connection,
        inputCount: normalized.count,
        tokenCount,
        byteSize: normalized.byteSize,
        time: new Date(),
      },
      findings,
    };
    const decision = evaluate(policy, facts);
    // A fallback carries the request only where the policy decides the same through it.
    const mayUse = (connection: string): boolean => {
      const through = evaluate(policy, { ...facts, request: { ...facts.request, connection } });
      return (
        through.effect === decision.effect &&
        JSON.stringify(through.mask) === JSON.stringify(decision.mask)
      );
    };

    // Small inputs are masked here and now, so their `masked` event joins the others in
    // one Kafka round trip; large ones go to the worker pool after the decision is durable.
    const maskPlan =
      decision.mask && Object.keys(decision.mask.entities).length > 0 ? decision.mask : undefined;
    const forwardable = decision.effect === 'allow' || decision.effect === 'mask';
    if (forwardable && !texts && (maskPlan || needsFindings(policy)))
      // Fail closed: token ids nobody here can read would skip the masking and the rules.
      throw new EmbargoError(
        'invalid_request',
        `Token-id input cannot be inspected for the model '${req.model}', and the policy masks or inspects this request; send text instead`,
        { param: 'input' },
      );
    let masked =
      forwardable && maskPlan && texts ? this.masking.maskInline(texts, maskPlan) : undefined;

    const early = [
      this.trail.record({
        requestId,
        clientRequestId: request.clientId,
        stage: 'received',
        principal: who,
        model: req.model,
        method: 'POST',
        path: '/v1/embeddings',
        inputCount: normalized.count,
        byteSize: normalized.byteSize,
      }),
      this.trail.record({
        requestId,
        stage: 'authenticated',
        principal: who,
        model: req.model,
        tokenId: principal.tokenId,
        tokenKind: principal.tokenKind,
      }),
      this.trail.record({
        requestId,
        stage: 'decided',
        principal: who,
        model: req.model,
        effect: decision.effect,
        ruleIds: decision.ruleIds,
        bundleVersion: decision.bundleVersion,
        bundleHash: decision.bundleHash,
        reason: decision.reason,
        findings,
        inputCount: normalized.count,
        tokenCount,
      }),
    ];
    const recordMasked = (
      m: { texts: string[]; counts: Record<string, number> },
      texts: string[],
    ) =>
      this.trail.record({
        requestId,
        stage: 'masked',
        principal: who,
        model: req.model,
        counts: m.counts,
        maskedInput: m.texts,
        original: seal(JSON.stringify(texts), this.config.SEALING_KEYS, requestId),
      });
    if (masked && texts) early.push(recordMasked(masked, texts));

    // The rate limit and, when the input to forward is already known, the cache lookup run
    // while Kafka writes the events; their outcomes count only once the events are durable.
    const rateCheck = forwardable
      ? settled(this.limiter.take(principal.id, tokenCount, decision.limits?.rateLimit))
      : undefined;
    const cacheKeyFor = (input: unknown): string | undefined =>
      decision.cache && this.cache.enabled && route
        ? embeddingCacheKey({
            principal: principal.id,
            connection: route.connection,
            upstreamModel: route.upstreamModel,
            upstream: route.upstream,
            model: req.model,
            dimensions: req.dimensions,
            input,
          })
        : undefined;
    const inputKnown = forwardable && (!maskPlan || masked !== undefined);
    const earlyKey = inputKnown ? cacheKeyFor(forwardedInput(req, masked, texts)) : undefined;
    const earlyLookup = earlyKey ? settled(this.cache.get(earlyKey)) : undefined;

    try {
      await Promise.all(early);
    } catch (err) {
      // Nothing is forwarded without its events: what the rate limit counted meanwhile is
      // given back, or callers retrying through a Kafka outage are refused after it.
      void rateCheck?.then((r) =>
        r.ok
          ? this.limiter.giveBack(principal.id, tokenCount, decision.limits?.rateLimit)
          : undefined,
      );
      throw err;
    }
    this.enforce(decision, req.model);
    const limitState = await outcome(rateCheck);
    await this.tokens.consume(principal);

    if (maskPlan && texts && !masked) {
      masked = await this.masking.maskRemote(requestId, texts, maskPlan);
      await recordMasked(masked, texts);
    }
    const input = forwardedInput(req, masked, texts);
    const maskedCounts: Record<string, number> = masked?.counts ?? {};

    const gatewayMs = performance.now() - startedAt;
    const cacheKey = earlyKey ?? cacheKeyFor(input);
    const cached = earlyLookup
      ? await outcome(earlyLookup)
      : cacheKey
        ? await this.cache.get(cacheKey)
        : undefined;
    const result = cached
      ? {
          vectors: cached.vectors,
          response: { usage: cached.usage },
          connection: route?.connection ?? '',
          upstreamModel: route?.upstreamModel ?? req.model,
          attempts: 0,
          upstreamMs: 0,
        }
      : await this.forward(requestId, who, req.model, (onSend) =>
          this.upstream.embed(
            req.model,
            {
              model: req.model,
              input,
              dimensions: req.dimensions,
              user: req.user === undefined ? undefined : this.userPseudonym(principal.id, req.user),
              // The cheapest form for the client to build: the caller's body is written below.
              encoding_format: 'base64',
            },
            { requestId, signal: request.signal, mayUse, onSend },
          ),
        );
    // The key names the first route; a fail-over's answer came from another upstream model
    // and, stored under that key, would be served as the first route's after it recovers.
    const answeredByKeyedRoute =
      result.connection === route?.connection && result.upstreamModel === route.upstreamModel;
    if (cacheKey && !cached && answeredByKeyedRoute) {
      const u = result.response.usage ?? { prompt_tokens: tokenCount, total_tokens: tokenCount };
      this.cache.set(cacheKey, { vectors: result.vectors, usage: u });
    }
    const usage = result.response.usage ?? { prompt_tokens: tokenCount, total_tokens: tokenCount };
    const totalGatewayMs =
      gatewayMs + Math.max(0, performance.now() - startedAt - gatewayMs - result.upstreamMs);
    // Fingerprinting (SimHash is ~0.2 ms a vector) runs after the response has gone, a
    // slice at a time. The trail holds the event from now on, so a shutdown that begins
    // meanwhile still writes it.
    this.trail.recordLater(
      new Promise((r) => setImmediate(r))
        .then(() => fingerprintInSlices(result.vectors))
        .then((fingerprints) => ({
          requestId,
          stage: 'completed' as const,
          principal: who,
          model: req.model,
          connection: result.connection,
          cached: cached !== undefined,
          usage: { promptTokens: usage.prompt_tokens, totalTokens: usage.total_tokens },
          fingerprints,
          gatewayMs: round(totalGatewayMs),
          upstreamMs: round(result.upstreamMs),
        })),
    );
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'x-embargo-policy-version': String(decision.bundleVersion),
      'x-embargo-cache': cached ? 'hit' : cacheKey ? 'miss' : 'off',
      'server-timing': `gateway;dur=${round(totalGatewayMs)}, upstream;dur=${round(result.upstreamMs)}`,
      ...rateLimitHeaders(limitState),
    };
    const maskedHeader = Object.entries(maskedCounts)
      .filter(([, n]) => n > 0)
      .map(([t, n]) => `${t}=${n}`)
      .join(', ');
    if (maskedHeader) headers['x-embargo-masked'] = maskedHeader;
    return {
      body: embeddingsResponseBody(
        result.vectors,
        req.encoding_format ?? 'float',
        req.model,
        usage,
      ),
      headers,
    };
  }

  /**
   * Calls the upstream, then writes a `forwarded` event for each connection the input was
   * sent to, whether its answer came, failed or was cut off by the caller leaving: the trail
   * says which upstreams may have read the input. Written after the call (with the next
   * batch), before its `completed` or `failed` event.
   */
  private async forward<T>(
    requestId: string,
    who: PrincipalSummary,
    model: string,
    call: (
      onSend: (connection: string, upstreamModel: string, attempt: number) => void,
    ) => Promise<T>,
  ): Promise<T> {
    const sent: { connection: string; upstreamModel: string; attempt: number }[] = [];
    try {
      return await call((connection, upstreamModel, attempt) =>
        sent.push({ connection, upstreamModel, attempt }),
      );
    } finally {
      sent.forEach(({ connection, upstreamModel, attempt }, k) =>
        // The first keeps the id a request's one `forwarded` event has always had.
        this.trail.recordLater(
          {
            requestId,
            stage: 'forwarded',
            principal: who,
            model,
            connection,
            upstreamModel,
            attempt,
          },
          k === 0 ? '' : connection,
        ),
      );
    }
  }

  /**
   * What the upstream sees as `user`: the caller's end-user id is free text that masking
   * does not read (it could carry an e-mail address or a key), so it leaves only as a keyed
   * pseudonym. The same principal and user always give the same value, which is all the
   * provider's abuse monitoring needs.
   */
  private userPseudonym(principalId: string, user: string): string {
    const { activeKeyId, keys } = this.config.MASKING_KEYS;
    const mac = createHmac('sha256', keys[activeKeyId])
      .update(`embargo-user\0${principalId}\0${user}`)
      .digest('hex');
    return `embargo-user-${mac.slice(0, 32)}`;
  }

  private enforce(decision: Decision, model: string): void {
    switch (decision.effect) {
      case 'allow':
      case 'mask':
        return;
      case 'deny': {
        const code = DENY_STATUS[decision.denyCode ?? 'rule_denied'] ?? 'policy_denied';
        const message =
          code === 'model_not_found'
            ? `The model '${model}' does not exist or you do not have access to it`
            : `Request denied by policy${decision.reason ? `: ${decision.reason}` : ''}`;
        throw new EmbargoError(code, message, {
          param: code === 'model_not_found' ? 'model' : undefined,
        });
      }
      case 'require_approval':
        // Holding for approval needs the approval service (not part of this gateway yet):
        // without an approval path nothing is forwarded.
        throw new EmbargoError(
          'approval_unavailable',
          'This request needs approval and no approval path is available; it was not forwarded',
        );
    }
  }
}

type Input = string | string[] | number[] | number[][];

/**
 * What goes upstream: the masked texts when masking ran, else the caller's input. Token-id
 * input stays token ids: an item masking changed is encoded again from its masked text.
 */
function forwardedInput(
  req: { input: Input; normalized: { tokens?: number[][] } },
  masked: { texts: string[] } | undefined,
  read: string[] | undefined,
): Input {
  const { input } = req;
  if (!masked) return input;
  if (typeof input === 'string') return masked.texts[0];
  const ids = req.normalized.tokens;
  if (!ids || !read) return masked.texts;
  const out = ids.map((t, i) => (masked.texts[i] === read[i] ? t : encodeText(masked.texts[i])));
  return typeof input[0] === 'number' ? out[0] : out;
}

/** A promise whose failure is held (not unhandled) until `outcome` reads it. */
type Settled<T> = Promise<{ ok: true; value: T } | { ok: false; error: unknown }>;

function settled<T>(p: Promise<T>): Settled<T> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

async function outcome<T>(p: Settled<T> | undefined): Promise<T | undefined> {
  if (!p) return undefined;
  const r = await p;
  if (!r.ok) throw r.error;
  return r.value;
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

import { Module } from '@nestjs/common';
import { DocumentVerifier } from '@embargo/crypto';
import { bind, serviceModules } from '@embargo/kafka';
import type { IngressConfig } from './config';
import { EmbeddingsController } from './embeddings/embeddings.controller';
import { EmbeddingsService } from './embeddings/embeddings.service';
import { AnonymousRefusals } from './events/anonymous-refusals';
import { AuditTrail } from './events/audit-trail.service';
import { IdentityModule } from './identity';
import { RateLimiter } from './limits/rate-limiter';
import { MaskClient } from './masking/mask-client';
import { MaskingService } from './masking/masking.service';
import { ModelsController } from './models/models.controller';
import { BundleStore } from './policy/bundle.store';
import { BundlesConsumer } from './policy/bundles.consumer';
import { RevocationSet } from './policy/revocation.set';
import { RevocationsConsumer } from './policy/revocations.consumer';
import { UpstreamModule } from './upstream';
import { EmbeddingCache } from './embeddings/embedding-cache';
import { exchangeIssuer } from './exchange/exchange-issuer';
import { ExchangeSigner } from './exchange/exchange-signer';
import { TokenExchangeController } from './exchange/token-exchange.controller';
import { TokenUse } from './exchange/token-use';
import { IngressRedis } from './limits/ingress-redis';

/**
 * The ingress app's one list of topic handlers. Bundles, revocations and mask replies
 * are broadcast: every ingress instance reads all of them (per-instance groups).
 */
export const INGRESS_CONSUMERS = [
  bind({
    topic: 'policyBundles',
    group: 'ingress-bundles',
    handler: BundlesConsumer,
    replay: true,
  }),
  bind({
    topic: 'revocations',
    group: 'ingress-revocations',
    handler: RevocationsConsumer,
    replay: true,
  }),
  bind({
    topic: 'maskReplies',
    group: 'ingress-mask-replies',
    handler: MaskClient,
    broadcast: true,
  }),
];

@Module({})
export class IngressModule {
  static forRoot(config: IngressConfig, instance: string) {
    // One revocation set, shared by the token check and the Kafka consumer that fills it.
    const revocations = new RevocationSet();
    // Token exchange: the gateway's own issuer, verified with the configured key in process.
    const signer = config.EXCHANGE_SIGNING_KEY
      ? new ExchangeSigner(config.EXCHANGE_SIGNING_KEY, config.EXCHANGE_VERIFY_KEYS)
      : undefined;
    const issuers = signer
      ? [...config.INGRESS_ISSUERS, exchangeIssuer(config, signer)]
      : config.INGRESS_ISSUERS;
    return {
      module: IngressModule,
      imports: [
        ...serviceModules('ingress', config, instance, INGRESS_CONSUMERS, {
          publishTimeoutMs: config.AUDIT_TIMEOUT_MS,
        }),
        IdentityModule.forRoot({ issuers, revocation: revocations }),
        UpstreamModule.forRoot(config.INGRESS_CONNECTIONS, {
          deadlineMs: config.UPSTREAM_DEADLINE_MS,
        }),
      ],
      controllers: [EmbeddingsController, ModelsController, TokenExchangeController],
      providers: [
        { provide: RevocationSet, useValue: revocations },
        // Bundles and revocations count only when the policy service signed them.
        { provide: DocumentVerifier, useValue: new DocumentVerifier(config.POLICY_VERIFY_KEYS) },
        ...(signer ? [{ provide: ExchangeSigner, useValue: signer }] : []),
        IngressRedis,
        TokenUse,
        EmbeddingCache,
        AuditTrail,
        AnonymousRefusals,
        BundleStore,
        BundlesConsumer,
        RevocationsConsumer,
        RateLimiter,
        MaskClient,
        MaskingService,
        EmbeddingsService,
      ],
    };
  }
}

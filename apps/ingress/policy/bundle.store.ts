import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { EmbargoError } from '@embargo/contracts';
import { LOGGER, Metrics, NotReady, Readiness } from '@embargo/observability';
import { compileBundle, type CompiledPolicy } from '@embargo/policy';
import type { BundleMessage } from '@embargo/contracts';
import { Gauge, Histogram } from 'prom-client';
import type { Logger } from 'pino';

/**
 * Holds the newest compiled policy bundle. A swap is one reference assignment, so a
 * request evaluates against exactly one bundle; no bundle means 503 (fail closed).
 */
@Injectable()
export class BundleStore implements OnModuleInit {
  private policy?: CompiledPolicy;
  /** The bundles topic has been read to the end it had at start: `policy` is the newest. */
  private loaded = false;
  /** A newer bundle this gateway could not compile: `policy` is outdated and decides nothing. */
  private unusable?: number;
  private readonly versionGauge: Gauge;
  private readonly propagation: Histogram;

  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(Readiness) private readonly readiness: Readiness,
    @Inject(Metrics) metrics: Metrics,
  ) {
    this.versionGauge = new Gauge({
      name: 'embargo_policy_bundle_version',
      help: 'Version of the policy bundle in use',
      registers: [metrics.registry],
    });
    this.propagation = new Histogram({
      name: 'embargo_policy_bundle_propagation_seconds',
      help: 'From bundle publish to this instance using it',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
      registers: [metrics.registry],
    });
  }

  onModuleInit(): void {
    this.readiness.register('policy-bundle', async () => {
      if (!this.loaded) throw new NotReady('still loading policy bundles');
      if (this.unusable !== undefined)
        throw new NotReady(`policy bundle version ${this.unusable} cannot be used`);
      if (!this.policy) throw new NotReady('no policy bundle yet');
    });
  }

  /** Called once the bundles published before this process started have all been offered. */
  markLoaded(): void {
    this.loaded = true;
  }

  current(): CompiledPolicy {
    if (this.unusable !== undefined)
      throw new EmbargoError(
        'no_policy_bundle',
        `The gateway cannot use the newest policy bundle (version ${this.unusable}); requests wait for one it can use`,
      );
    if (!this.policy || !this.loaded) {
      // An older bundle read on the way to the newest one must not decide a request.
      throw new EmbargoError(
        'no_policy_bundle',
        this.loaded
          ? 'The gateway has not received a policy bundle yet; try again shortly'
          : 'The gateway is still loading its policy bundles; try again shortly',
      );
    }
    return this.policy;
  }

  get version(): number | undefined {
    return this.policy?.version;
  }

  /**
   * Compiles and swaps in a bundle if it is newer. A newer bundle that does not compile here
   * (published by a newer release, or altered) stops the older one from deciding anything:
   * serving an outdated policy could allow what the newest one denies.
   */
  offer(bundle: BundleMessage): boolean {
    if (this.policy && bundle.version <= this.policy.version) return false;
    if (this.unusable !== undefined && bundle.version <= this.unusable) return false;
    const result = compileBundle(bundle);
    if (!result.ok) {
      this.unusable = bundle.version;
      this.logger.error(
        { version: bundle.version, errors: result.errors.slice(0, 5) },
        'policy bundle cannot be used; refusing requests until a newer one can',
      );
      return false;
    }
    this.unusable = undefined;
    this.policy = result.policy;
    this.versionGauge.set(bundle.version);
    this.propagation.observe(Math.max(0, Date.now() - Date.parse(bundle.createdAt)) / 1000);
    this.logger.info(
      { version: bundle.version, hash: bundle.hash, rules: result.policy.ruleCount },
      'policy bundle in use',
    );
    return true;
  }
}

import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG } from '@embargo/config';
import {
  bundleMessageSchema,
  EmbargoError,
  fromKafkaMessage,
  SIGNED_PURPOSES,
  TOPICS,
  type BundleMessage,
} from '@embargo/contracts';
import { DocumentSigner, DocumentVerifier } from '@embargo/crypto';
import { KafkaService, NotRetryable, readTopicToEnd } from '@embargo/kafka';
import { LOGGER, NotReady, Readiness } from '@embargo/observability';
import {
  compilePolicy,
  hashSources,
  type CompiledPolicy,
  type PolicyError,
  type PolicyFile,
} from '@embargo/policy';
import { readPolicyDir } from '@embargo/policy-files';
import { watch, type FSWatcher } from 'node:fs';
import type { Logger } from 'pino';
import type { PolicyConfig } from '../config';
import { lineDiff } from './line-diff';

/** Version numbers above this in the history are not counted (a forged key must not use them up). */
const MAX_VERSION = 2 ** 31 - 1;
/** A directory version Kafka did not take is tried again after 1 s, doubling up to 30 s. */
const REPUBLISH_FIRST_MS = 1_000;
const REPUBLISH_MAX_MS = 30_000;

export type SubmitResult =
  | { ok: true; created: boolean; version: number; hash: string }
  | { ok: false; errors: PolicyError[] };

/**
 * Owns the policy set's versions. Every accepted version is written to the compacted
 * versions topic (history) and then to the bundles topic (what gateways evaluate).
 * Versions come from one writer: run a single policy instance per policy set.
 */
@Injectable()
export class PolicyVersions implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly versions = new Map<number, BundleMessage>();
  private latest?: BundleMessage;
  /** Highest version number in the history, verified or not: new versions go above it. */
  private highest = 0;
  private readonly verifier: DocumentVerifier;
  private compiled?: CompiledPolicy;
  /** The version whose bundle was last written to the bundles topic by this instance. */
  private published?: number;
  private queue: Promise<unknown> = Promise.resolve();
  private watcher?: FSWatcher;
  private debounce?: NodeJS.Timeout;
  /** Publishes of the directory that failed in a row, for the retry backoff. */
  private failedPublishes = 0;
  private stopping = false;
  private ready = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: PolicyConfig,
    private readonly kafka: KafkaService,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(Readiness) private readonly readiness: Readiness,
    private readonly signer: DocumentSigner,
  ) {
    this.verifier = DocumentVerifier.ofPrivateKeys(config.POLICY_SIGNING_KEYS);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.readiness.register('policy-history', async () => {
      if (!this.ready) throw new NotReady('history not loaded');
    });
    await readTopicToEnd(this.kafka.kafka, TOPICS.policyVersions.name, (key, value, headers) => {
      const prefix = `${this.config.POLICY_SET}:`;
      if (!key.startsWith(prefix) || !value) return;
      // The number is taken even when the record cannot be read back (unsigned, from before
      // signing, or damaged): a new version never reuses its key in the compacted history.
      const taken = Number(key.slice(prefix.length));
      if (Number.isInteger(taken) && taken > 0 && taken <= MAX_VERSION)
        this.highest = Math.max(this.highest, taken);
      try {
        const env = fromKafkaMessage({ key: Buffer.from(key), value, headers });
        const bundle = bundleMessageSchema.parse(env.data);
        // Whoever can write the topic is not the policy service: only what this service
        // signed (with any key of its ring) is history.
        const problem = this.verifier.problem(SIGNED_PURPOSES.bundle, bundle);
        if (problem !== undefined) {
          this.logger.error(
            { key, version: bundle.version },
            `skipping policy version ${bundle.version}: ${problem}`,
          );
          return;
        }
        this.remember(bundle);
      } catch (err) {
        this.logger.warn(
          { key, err: { message: (err as Error).message } },
          'skipping unreadable policy version',
        );
      }
    });
    if (this.latest) {
      const result = compilePolicy(this.latest.files, { version: this.latest.version });
      if (result.ok) this.compiled = result.policy;
      // Re-publishing the newest version repairs a bundles topic that lost it.
      await this.publishLive(this.latest);
    }
    this.ready = true;
    this.logger.info(
      { versions: this.versions.size, latest: this.latest?.version },
      'policy history loaded',
    );
    if (this.config.POLICY_DIR) {
      await this.loadDirectory('start-up');
      this.startWatching(this.config.POLICY_DIR);
    }
  }

  private remember(bundle: BundleMessage): void {
    this.highest = Math.max(this.highest, bundle.version);
    this.versions.set(bundle.version, bundle);
    if (!this.latest || bundle.version > this.latest.version) this.latest = bundle;
  }

  current(): { bundle: BundleMessage; policy: CompiledPolicy } {
    if (!this.latest || !this.compiled)
      throw new EmbargoError('not_found', 'No policy version has been accepted yet');
    return { bundle: this.latest, policy: this.compiled };
  }

  list(): {
    version: number;
    hash: string;
    createdAt: string;
    createdBy: string;
    files: string[];
  }[] {
    return [...this.versions.values()]
      .sort((a, b) => b.version - a.version)
      .map((b) => ({
        version: b.version,
        hash: b.hash,
        createdAt: b.createdAt,
        createdBy: b.createdBy,
        files: b.files.map((f) => f.path),
      }));
  }

  get(version: number): BundleMessage {
    const b = this.versions.get(version);
    if (!b) throw new EmbargoError('not_found', `Policy version ${version} does not exist`);
    return b;
  }

  diff(
    from: number,
    to: number,
  ): { path: string; status: 'added' | 'removed' | 'changed'; lines: string[] }[] {
    const a = new Map(this.get(from).files.map((f) => [f.path, f.content]));
    const b = new Map(this.get(to).files.map((f) => [f.path, f.content]));
    const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
    const out: { path: string; status: 'added' | 'removed' | 'changed'; lines: string[] }[] = [];
    for (const p of paths) {
      const before = a.get(p);
      const after = b.get(p);
      if (before === after) continue;
      const status = before === undefined ? 'added' : after === undefined ? 'removed' : 'changed';
      out.push({ path: p, status, lines: lineDiff(before ?? '', after ?? '') });
    }
    return out;
  }

  /** Validates, versions and publishes a policy set. Identical content is not a new version. */
  submit(files: PolicyFile[], by: string): Promise<SubmitResult> {
    const run = this.queue.then(() => this.submitNow(files, by));
    this.queue = run.catch(() => undefined);
    return run;
  }

  rollback(version: number, by: string): Promise<SubmitResult> {
    const old = this.get(version);
    return this.submit(old.files, `${by} (rollback to v${version})`);
  }

  private async submitNow(files: PolicyFile[], by: string): Promise<SubmitResult> {
    const hash = hashSources(files);
    const latest = this.latest;
    if (latest?.hash === hash) {
      // Accepted before, but its bundle may not have gone out: send it now.
      if (this.published !== latest.version) await this.publishLive(latest);
      return { ok: true, created: false, version: latest.version, hash };
    }
    const version = Math.max(latest?.version ?? 0, this.highest) + 1;
    const result = compilePolicy(files, { version });
    if (!result.ok) return { ok: false, errors: result.errors };
    const bundle: BundleMessage = this.signer.sign(SIGNED_PURPOSES.bundle, {
      policySet: this.config.POLICY_SET,
      version,
      hash,
      createdAt: new Date().toISOString(),
      createdBy: by.slice(0, 500),
      files: [...files].sort((a, b) => (a.path < b.path ? -1 : 1)),
    });
    await this.kafka.publisher.publish('policyVersions', bundle, {
      key: `${bundle.policySet}:${version}`,
      idParts: ['policy-version', bundle.policySet, String(version)],
    });
    // In the history now, so the number is taken even if the bundle publish below fails: the
    // next different content gets the next number, and the same content retries the bundle.
    this.remember(bundle);
    this.compiled = result.policy;
    await this.publishLive(bundle);
    this.logger.info({ version, hash, by: bundle.createdBy }, 'policy version published');
    return { ok: true, created: true, version, hash };
  }

  private async publishLive(bundle: BundleMessage): Promise<void> {
    await this.publishBundle(bundle);
    this.published = bundle.version;
  }

  /** Signed again with the active key, which may have rotated since the version was made. */
  private publishBundle(bundle: BundleMessage): Promise<void> {
    return this.kafka.publisher.publish(
      'policyBundles',
      this.signer.sign(SIGNED_PURPOSES.bundle, bundle),
      {
        key: bundle.policySet,
        idParts: ['policy-bundle', bundle.policySet, String(bundle.version)],
      },
    );
  }

  private async loadDirectory(reason: string): Promise<void> {
    const dir = this.config.POLICY_DIR;
    if (!dir) return;
    let files: PolicyFile[];
    try {
      files = readPolicyDir(dir, this.config.MAX_POLICY_BYTES);
    } catch (err) {
      this.logger.error(
        { dir, err: { message: (err as Error).message } },
        'policy directory could not be read',
      );
      return;
    }
    if (files.length === 0) {
      this.logger.warn({ dir }, 'policy directory has no policy files');
      return;
    }
    let result: SubmitResult;
    try {
      result = await this.submit(files, `directory ${dir} (${reason})`);
    } catch (err) {
      if (err instanceof NotRetryable) {
        this.logger.error(
          { dir, err: { message: err.message } },
          'policy directory cannot be published; the previous version keeps serving',
        );
        return;
      }
      // Kafka did not take the version or its bundle. Nobody is waiting on a directory load
      // to ask again, so without a retry the gateways kept the older version until the next
      // change to the directory. A change meanwhile replaces this retry (same timer).
      this.failedPublishes += 1;
      const delay = Math.min(
        REPUBLISH_MAX_MS,
        REPUBLISH_FIRST_MS * 2 ** Math.min(this.failedPublishes - 1, 5),
      );
      this.logger.error(
        { dir, delay, err: { message: (err as Error).message } },
        'policy directory not published; trying again',
      );
      if (this.stopping) return;
      clearTimeout(this.debounce);
      this.debounce = setTimeout(() => void this.loadDirectory(reason), delay);
      return;
    }
    this.failedPublishes = 0;
    if (!result.ok) {
      this.logger.error(
        { dir, errors: result.errors },
        'policy directory rejected; the previous version keeps serving',
      );
    }
  }

  private startWatching(dir: string): void {
    this.watcher = watch(dir, { recursive: true }, () => {
      clearTimeout(this.debounce);
      this.debounce = setTimeout(
        () => void this.loadDirectory('change'),
        this.config.POLICY_WATCH_DEBOUNCE_MS,
      );
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.debounce);
    this.watcher?.close();
    await this.queue;
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '@embargo/config';
import { detect, engineOptions, mask, type MaskOptions } from '@embargo/masking';
import type { MaskPlan } from '@embargo/policy';
import type { IngressConfig } from '../config';
import { MaskClient } from './mask-client';

/**
 * Masks in process when the input is small (faster than a Kafka round trip, see
 * docs/masking.md for the measured threshold) and in the worker pool otherwise, so the
 * event loop never runs a large masking job.
 */
@Injectable()
export class MaskingService {
  private readonly options = new WeakMap<MaskPlan, MaskOptions>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: IngressConfig,
    private readonly client: MaskClient,
  ) {}

  /** Entity type → count over all inputs, for policies whose rules read `findings`. */
  countFindings(texts: string[]): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const t of texts) for (const f of detect(t)) counts[f.type] = (counts[f.type] ?? 0) + 1;
    return counts;
  }

  /** Masks small inputs in process; undefined when the input belongs to the worker pool. */
  maskInline(
    texts: string[],
    plan: MaskPlan,
  ): { texts: string[]; counts: Record<string, number> } | undefined {
    const bytes = texts.reduce((n, t) => n + t.length, 0);
    if (bytes > this.config.MASK_INLINE_MAX_BYTES) return undefined;
    const options = this.optionsFor(plan);
    const counts: Record<string, number> = {};
    const out = texts.map((t) => {
      const r = mask(t, options);
      for (const [k, v] of Object.entries(r.counts)) counts[k] = (counts[k] ?? 0) + (v ?? 0);
      return r.text;
    });
    return { texts: out, counts };
  }

  /**
   * Engine options per plan. The policy hands out one frozen plan per set of matching rules,
   * so its rules are checked once here and once in the engine, not on every request.
   */
  private optionsFor(plan: MaskPlan): MaskOptions {
    let options = this.options.get(plan);
    if (options === undefined) {
      options = { ...engineOptions(plan), keyring: this.config.MASKING_KEYS };
      this.options.set(plan, options);
    }
    return options;
  }

  maskRemote(
    requestId: string,
    texts: string[],
    plan: MaskPlan,
  ): Promise<{ texts: string[]; counts: Record<string, number> }> {
    return this.client.mask(requestId, texts, plan);
  }
}

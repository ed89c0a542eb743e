import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '@embargo/config';
import { countFindings, engineOptions, mask, type MaskOptions } from '@embargo/masking';
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

  /**
   * Entity type → count over all inputs, for policies whose rules read `findings`: in
   * process for small inputs, in the worker pool for large ones (as masking is).
   */
  countFindings(requestId: string, texts: string[]): Promise<Record<string, number>> {
    if (this.inline(texts)) return Promise.resolve(countFindings(texts));
    return this.client.countFindings(requestId, texts);
  }

  private inline(texts: string[]): boolean {
    const limit = this.config.MASK_INLINE_MAX_BYTES;
    let bytes = 0;
    for (const t of texts) {
      // Masking's cost follows UTF-8 bytes, up to three per UTF-16 unit, never fewer than
      // one: a text longer than what is left cannot fit, and is not measured.
      if (t.length > limit - bytes) return false;
      bytes += Buffer.byteLength(t, 'utf8');
      if (bytes > limit) return false;
    }
    return true;
  }

  /** Masks small inputs in process; undefined when the input belongs to the worker pool. */
  maskInline(
    texts: string[],
    plan: MaskPlan,
  ): { texts: string[]; counts: Record<string, number> } | undefined {
    if (!this.inline(texts)) return undefined;
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

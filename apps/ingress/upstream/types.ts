/** OpenAI-shaped embeddings traffic: what callers send and what the gateway returns. */

export type EmbeddingInput = string | string[] | number[] | number[][];
export type EncodingFormat = 'float' | 'base64';

export interface EmbeddingsRequest {
  /** The model to name upstream: an upstream model id (or, for Azure, the deployment). */
  model: string;
  input: EmbeddingInput;
  encoding_format?: EncodingFormat;
  dimensions?: number;
  user?: string;
}

export interface EmbeddingItem {
  object: 'embedding';
  index: number;
  embedding: number[] | string;
}

export interface EmbeddingsResponse {
  object: 'list';
  data: EmbeddingItem[];
  model: string;
  /** Absent when the upstream reported none: the gateway then reports its own count. */
  usage?: { prompt_tokens: number; total_tokens: number };
}

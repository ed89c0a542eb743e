import { encodeBase64 } from '../upstream';

export interface Usage {
  prompt_tokens: number;
  total_tokens: number;
}

/**
 * The OpenAI embeddings response as JSON text, written directly: a float vector goes out
 * through Float32Array#join, which formats every value the way JSON.stringify does (the
 * shortest text that reads back as the same double) at about a third of the cost of
 * copying it into an array and stringifying that. Vectors are finite by the time they get
 * here (checked where they are decoded), so no value needs JSON's null.
 */
export function embeddingsResponseJson(
  vectors: readonly Float32Array[],
  encoding: 'float' | 'base64',
  model: string,
  usage: Usage,
): string {
  const items = vectors.map(
    (v, index) =>
      `{"object":"embedding","index":${index},"embedding":${
        encoding === 'base64' ? `"${encodeBase64(v)}"` : `[${v.join(',')}]`
      }}`,
  );
  return `{"object":"list","data":[${items.join(',')}],"model":${JSON.stringify(model)},"usage":${JSON.stringify(usage)}}`;
}

/**
 * What the HTTP fallback needs from the platform's fetch (browsers, Node 18+): structural, so the
 * client compiles without DOM or Node types.
 */
export type FetchLike = (
  url: string,
  init?: { method?: string; headers?: Record<string, string>; body?: string; cache?: 'no-store'; signal?: AbortSignal },
) => Promise<FetchResponseLike>;

export interface FetchResponseLike {
  readonly status: number;
  readonly body: { getReader(): { read(): Promise<{ done: boolean; value?: Uint8Array }> } } | null;
}

// The fuzz targets: each file in targets/ exports `fuzz(data: Buffer): void`, and its committed
// seed corpus lives in corpus/<name>/. run-fuzz.ts drives them with jsfuzz; the security project
// replays every committed input through them (test/security/fuzz-corpus.spec.ts).
export const FUZZ_TARGETS = ['frame-parser', 'frame-parser-deflate', 'handshake', 'extension-header', 'envelope-codec'] as const;

export type FuzzTargetName = (typeof FUZZ_TARGETS)[number];

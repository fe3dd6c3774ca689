/**
 * W3C Trace Context ids (lowercase hex: trace 16 bytes, span 8 bytes), generated with the
 * Web Crypto API so this stays runtime-neutral.
 * NOTE: the seed generated 16/8 hex ids from sha256(now+random); those are shorter than W3C
 * and do not round-trip through OTLP, so they are not reproduced.
 */
function randomHex(bytes: number): string {
  const buf = new Uint8Array(bytes);
  // NOTE: an all-zero id is invalid in W3C Trace Context; retry in that (astronomically rare) case.
  do {
    globalThis.crypto.getRandomValues(buf);
  } while (buf.every((b) => b === 0));
  let out = '';
  for (const b of buf) out += b.toString(16).padStart(2, '0');
  return out;
}

/** 32 lowercase hex characters. */
export function generateTraceId(): string {
  return randomHex(16);
}

/** 16 lowercase hex characters. */
export function generateSpanId(): string {
  return randomHex(8);
}

import { z } from 'zod';

/**
 * A target URL: at most 2 KiB, http or https (which of the two is allowed is the SSRF
 * guard's decision at send time), no credentials in it. The messages name what the caller
 * expects (a webhook URL, a push service endpoint).
 */
export function targetUrlSchema(messages: { protocol: string; credentials: string }) {
  return z
    .string()
    .trim()
    .max(2048)
    .superRefine((v, ctx) => {
      let u: URL;
      try {
        u = new URL(v);
      } catch {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `not a URL: "${v.slice(0, 100)}"` });
        return;
      }
      if (u.protocol !== 'http:' && u.protocol !== 'https:') {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: messages.protocol });
      }
      if (u.username || u.password) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: messages.credentials });
      }
    });
}

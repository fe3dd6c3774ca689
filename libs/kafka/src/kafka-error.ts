/** librdkafka reports plain objects ({message, code}); turn them into real Errors. */
export function kafkaError(err: { message?: string; code?: number } | Error): Error {
  if (err instanceof Error) return err;
  const e = new Error(err.message ?? 'Kafka error') as Error & { code?: number };
  e.code = err.code;
  return e;
}

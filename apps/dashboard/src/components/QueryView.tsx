/** A query's three states around its content: loading, error with retry, empty. */
import type { ReactNode } from 'react';
import { Empty, ErrorBox, Loading } from './ui';

interface QueryLike<T> {
  data: T | undefined;
  error: unknown;
  isPending: boolean;
  refetch: () => unknown;
}

export function QueryView<T>({
  q,
  what,
  isEmpty,
  empty,
  children,
}: {
  q: QueryLike<T>;
  what: string;
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  children: (data: T) => ReactNode;
}) {
  const retry = () => void q.refetch();
  if (q.data === undefined) {
    if (q.error) return <ErrorBox error={q.error} retry={retry} />;
    return <Loading what={what} />;
  }
  return (
    <>
      {/* A failed refresh keeps the last answer on screen, under the error. */}
      {q.error ? <ErrorBox error={q.error} retry={retry} /> : null}
      {isEmpty?.(q.data) ? <Empty>{empty ?? `No ${what}.`}</Empty> : children(q.data)}
    </>
  );
}

/** A delivery's status as a coloured badge (delivered green, failed/dead red, waiting amber). */
import type { DeliveryStatus } from './alerting-model';

const CLASS: Record<DeliveryStatus, string> = {
  pending: 'pending',
  delivering: 'pending',
  delivered: 'resolved',
  failed: 'firing',
  dead: 'firing',
  skipped: '',
};

export function DeliveryStatusBadge({ status }: { status: DeliveryStatus }) {
  return (
    <span className={`badge ${CLASS[status]}`} data-status={status}>
      {status}
    </span>
  );
}

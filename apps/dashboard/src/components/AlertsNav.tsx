/** The alerting section's own navigation: alerts, rules, channels, the delivery log. */
import { NavLink } from 'react-router';

const LINKS = [
  { to: '/alerts', label: 'Alerts', end: true },
  { to: '/alerts/rules', label: 'Rules', end: false },
  { to: '/alerts/channels', label: 'Channels', end: true },
  { to: '/alerts/deliveries', label: 'Deliveries', end: true },
] as const;

export function AlertsNav() {
  return (
    <nav className="subnav" aria-label="Alerting">
      {LINKS.map((l) => (
        <NavLink key={l.to} to={l.to} end={l.end}>
          {l.label}
        </NavLink>
      ))}
    </nav>
  );
}

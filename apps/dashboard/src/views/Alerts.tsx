/** Alerts: not built yet. */
export default function Alerts() {
  return <h1>Alerts</h1>;
}

/** Anomalies: not built yet. */
export default function Anomalies() {
  return <h1>Anomalies</h1>;
}

/** Deliveries: not built yet. */
export default function Deliveries() {
  return <h1>Deliveries</h1>;
}

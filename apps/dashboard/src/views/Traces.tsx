/** Traces: not built yet. */
export default function Traces() {
  return <h1>Traces</h1>;
}

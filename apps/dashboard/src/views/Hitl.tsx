/** Hitl: not built yet. */
export default function Hitl() {
  return <h1>Hitl</h1>;
}

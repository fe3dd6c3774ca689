/** Sql: not built yet. */
export default function Sql() {
  return <h1>Sql</h1>;
}

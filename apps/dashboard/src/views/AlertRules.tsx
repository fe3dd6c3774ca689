/** AlertRules: not built yet. */
export default function AlertRules() {
  return <h1>AlertRules</h1>;
}

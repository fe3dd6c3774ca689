/** SessionDetail: not built yet. */
export default function SessionDetail() {
  return <h1>SessionDetail</h1>;
}

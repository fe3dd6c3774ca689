/** TraceDetail: not built yet. */
export default function TraceDetail() {
  return <h1>TraceDetail</h1>;
}

/** ServiceMap: not built yet. */
export default function ServiceMap() {
  return <h1>ServiceMap</h1>;
}

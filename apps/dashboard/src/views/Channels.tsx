/** Channels: not built yet. */
export default function Channels() {
  return <h1>Channels</h1>;
}

import { Link } from 'react-router';

export default function NotFound() {
  return (
    <section>
      <h1>Not found</h1>
      <p>
        There is no view at this address. <Link to="/">Back to the live view</Link>.
      </p>
    </section>
  );
}

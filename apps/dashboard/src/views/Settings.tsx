/** Settings of this browser: the API key, and alert notifications (Web Push) on this device. */
import { useEffect, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { apiKey, setApiKey } from '../api/http';
import { live } from '../api/live';
import { ErrorBox } from '../components/ui';
import {
  clearApiCache,
  disablePush,
  enablePush,
  pushState,
  testPush,
  type PushState,
} from '../lib/pwa';

export default function Settings() {
  const qc = useQueryClient();
  const [key, setKey] = useState(apiKey());
  const [saved, setSaved] = useState(false);
  const [push, setPush] = useState<PushState | null>(null);
  const [minSeverity, setMinSeverity] = useState('warning');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [note, setNote] = useState('');

  useEffect(() => {
    void pushState().then(setPush);
  }, []);

  const run = async (what: () => Promise<void>, done: string) => {
    setBusy(true);
    setError(null);
    setNote('');
    try {
      await what();
      setNote(done);
      setPush(await pushState());
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <h1>Settings</h1>
      <form
        className="panel"
        aria-label="API key"
        onSubmit={(e) => {
          e.preventDefault();
          setApiKey(key.trim());
          void clearApiCache();
          live.reconnectNow();
          void qc.invalidateQueries();
          setSaved(true);
        }}
      >
        <h2>API key</h2>
        <p className="muted">
          Needed when the server runs with ENABLE_AUTH=true. It stays in this browser (local
          storage) and is sent as a bearer token.
        </p>
        <div className="row">
          <label className="grow">
            API key
            <input
              type="password"
              autoComplete="off"
              value={key}
              onChange={(e) => {
                setKey(e.target.value);
                setSaved(false);
              }}
            />
          </label>
          <button type="submit" className="btn primary">
            Save
          </button>
        </div>
        {saved ? <p role="status">Saved. The live connection restarted with the new key.</p> : null}
      </form>

      <div className="panel" aria-label="Notifications" style={{ marginTop: 16 }}>
        <h2>Alert notifications on this device</h2>
        {push === 'unsupported' ? (
          <p>
            This browser cannot receive push notifications
            {window.isSecureContext ? '' : ' (they need HTTPS)'}.
          </p>
        ) : push === 'denied' ? (
          <p>Notifications are blocked for this site in the browser&apos;s settings.</p>
        ) : (
          <>
            <p className="muted">
              Firing alerts reach this device as notifications, even with the app closed. Status:{' '}
              <strong data-testid="push-state">{push ?? '…'}</strong>
            </p>
            <div className="row">
              <label>
                From severity
                <select value={minSeverity} onChange={(e) => setMinSeverity(e.target.value)}>
                  <option value="info">info</option>
                  <option value="warning">warning</option>
                  <option value="critical">critical</option>
                </select>
              </label>
              {push === 'on' ? (
                <>
                  <button
                    type="button"
                    className="btn"
                    disabled={busy}
                    onClick={() => void run(testPush, 'Test notification sent.')}
                  >
                    Send test
                  </button>
                  <button
                    type="button"
                    className="btn danger"
                    disabled={busy}
                    onClick={() => void run(disablePush, 'Notifications are off.')}
                  >
                    Turn off
                  </button>
                </>
              ) : (
                <button
                  type="button"
                  className="btn primary"
                  disabled={busy}
                  onClick={() => void run(() => enablePush(minSeverity), 'Notifications are on.')}
                >
                  Turn on
                </button>
              )}
            </div>
          </>
        )}
        {note ? <p role="status">{note}</p> : null}
        <ErrorBox error={error} />
      </div>
    </section>
  );
}

// Live event page: subscribes over /ws with the filters in the form and prepends events.
// Text goes into the DOM with textContent only (event fields are untrusted input).
const MAX_ROWS = 500;
const list = document.getElementById('events');
const statusEl = document.getElementById('status');
const countEl = document.getElementById('count');
const form = document.getElementById('filters');
const pauseBtn = document.getElementById('pause');
let ws;
let paused = false;
let count = 0;
let retryMs = 500;

form.api_key.value = localStorage.getItem('fleetscope.apiKey') ?? '';

function filterFromForm() {
  const f = {};
  for (const k of ['app', 'session_id', 'event_type'])
    if (form[k].value.trim()) f[k] = form[k].value.trim();
  if (form.severity.value) f.severity = Number(form.severity.value);
  return f;
}

function render(e) {
  const li = document.createElement('li');
  li.className = `sev-${e.severity}`;
  li.dataset.id = e.id;
  const time = document.createElement('time');
  time.dateTime = e.ts;
  time.textContent = new Date(e.ts).toLocaleTimeString();
  const meta = document.createElement('span');
  meta.className = 'meta';
  const type = document.createElement('span');
  type.className = 'type';
  type.textContent = e.event_type;
  meta.append(
    type,
    ` · ${e.app} · ${e.session_id.slice(0, 8)}${e.tool_name ? ` · ${e.tool_name}` : ''}`,
  );
  const summary = document.createElement('span');
  summary.className = 'summary';
  summary.textContent = e.summary ?? '';
  li.append(time, meta, summary);
  list.prepend(li);
  while (list.children.length > MAX_ROWS) list.lastElementChild.remove();
  countEl.textContent = String(++count);
}

function connect() {
  const key = form.api_key.value.trim();
  const url = new URL('/ws', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  if (key) url.searchParams.set('api_key', key);
  ws = new WebSocket(url);
  ws.onopen = () => {
    retryMs = 500;
    statusEl.textContent = 'live';
    statusEl.classList.add('live');
    ws.send(JSON.stringify({ type: 'subscribe', id: 'page', filter: filterFromForm() }));
  };
  ws.onmessage = (m) => {
    const msg = JSON.parse(m.data);
    if (msg.type === 'event' && !paused) render(msg.data);
    else if (msg.type === 'lagged')
      statusEl.textContent = `live (skipped ${msg.dropped} while behind)`;
    else if (msg.type === 'error') statusEl.textContent = `error: ${msg.message}`;
  };
  ws.onclose = () => {
    statusEl.classList.remove('live');
    statusEl.textContent = 'reconnecting…';
    setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, 10_000);
  };
}

form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  localStorage.setItem('fleetscope.apiKey', form.api_key.value.trim());
  if (ws && ws.readyState === WebSocket.OPEN) {
    ws.send(JSON.stringify({ type: 'subscribe', id: 'page', filter: filterFromForm() }));
  } else if (ws) ws.close();
});
pauseBtn.addEventListener('click', () => {
  paused = !paused;
  pauseBtn.textContent = paused ? 'Resume' : 'Pause';
  pauseBtn.setAttribute('aria-pressed', String(paused));
});
connect();

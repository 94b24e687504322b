/**
 * The page that hosts the server Worker: starts it with the relay URL
 * (`?relay=ws://127.0.0.1:8080`), shows the CA to trust, and draws each connection's
 * handshake. The tests read `window.workerEvents`.
 */
import { sequenceDiagram } from './diagram.js';
import type { WorkerMessage } from './server-worker.js';

const params = new URLSearchParams(location.search);
const relay = params.get('relay') ?? `ws://${location.hostname}:8080`;
const events: WorkerMessage[] = [];
(window as unknown as { workerEvents: WorkerMessage[] }).workerEvents = events;

const worker = new Worker('server-worker.js', { type: 'module' });
worker.onerror = (event) => events.push({ type: 'stopped', reason: `worker error: ${event.message}` });
worker.onmessage = ({ data }: MessageEvent<WorkerMessage>) => {
  events.push(data);
  const status = document.getElementById('status')!;
  if (data.type === 'ready') {
    document.getElementById('ca')!.textContent = data.caPem;
    status.textContent = `certificate made in ${data.certificateMs.toFixed(0)} ms; connecting to ${relay}`;
  } else if (data.type === 'listening') {
    status.textContent = `listening through ${relay}`;
    document.body.dataset.listening = 'yes';
  } else if (data.type === 'stopped') {
    status.textContent = data.reason;
  } else {
    const { result } = data;
    const figure = document.createElement('figure');
    const caption = document.createElement('figcaption');
    caption.textContent = result.ok
      ? `${result.peer}: ${result.response}`
      : `${result.peer}: ${result.error!.name}: ${result.error!.message}`;
    figure.append(
      caption,
      sequenceDiagram(result.events, { self: 'Worker (noble server)', peer: `${result.peer} via relay`, negotiated: result.negotiated, handshakeMs: result.handshakeMs }),
    );
    document.getElementById('connections')!.prepend(figure);
  }
};
worker.postMessage({ relay });

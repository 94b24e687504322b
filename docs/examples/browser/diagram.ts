/**
 * Draws a decoded IO trace as an SVG sequence diagram: two lifelines (this tab and its
 * peer), one arrow per IO call (a write is a flight leaving; a read is what arrived),
 * each labelled with its size and the records in it, and the agreed parameters on top.
 */
import type { NegotiatedParameters } from 'tlsservice/engine';
import type { TraceEvent } from './trace.js';

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 760;
const LEFT = 150;
const RIGHT = 610;
const LINE = 15;

function element(name: string, attributes: Record<string, string | number>, text?: string): SVGElement {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The widest label line, in characters. */
const MAX_LINE = 84;

/** `head` followed by `items` comma-separated, broken into lines of at most MAX_LINE characters. */
function wrap(head: string, items: readonly string[]): string[] {
  const lines: string[] = [];
  let line = head;
  items.forEach((item, i) => {
    const piece = i < items.length - 1 ? `${item}, ` : item;
    if (line.length + piece.length > MAX_LINE && line.trim() !== '' && line !== head) {
      lines.push(line.trimEnd());
      line = '';
    }
    line += piece;
  });
  lines.push(line);
  return lines;
}

/** What the diagram needs besides the trace. */
export interface DiagramLabels {
  /** The traced side, drawn on the left. */
  readonly self: string;
  /** The peer, drawn on the right. */
  readonly peer: string;
  readonly negotiated?: Omit<NegotiatedParameters, 'peerCertificates'> | undefined;
  /** The handshake time in ms, measured by the page. */
  readonly handshakeMs?: number | undefined;
}

/** An SVG sequence diagram of `events`. */
export function sequenceDiagram(events: readonly TraceEvent[], labels: DiagramLabels): SVGSVGElement {
  const svg = element('svg', { xmlns: SVG, width: WIDTH, class: 'sequence' }) as SVGSVGElement;
  svg.append(
    element('style', {}, `
      text { font: 12px ui-monospace, Menlo, Consolas, monospace; fill: #222 }
      .head { font-weight: bold; font-size: 14px }
      .meta { fill: #555 }
      .sent { stroke: #1565c0 } .received { stroke: #2e7d32 }
      .life { stroke: #999; stroke-dasharray: 4 4 }
    `),
    element('defs', {}),
  );
  const defs = svg.lastChild as SVGElement;
  for (const kind of ['sent', 'received']) {
    const marker = element('marker', { id: `arrow-${kind}`, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 8, markerHeight: 8, orient: 'auto' });
    marker.append(element('path', { d: 'M0,0 L10,5 L0,10 z', fill: kind === 'sent' ? '#1565c0' : '#2e7d32' }));
    defs.append(marker);
  }
  const n = labels.negotiated;
  const summary = n
    ? `${n.protocol}  ${n.cipherSuite}  ${n.group}${n.alpnProtocol ? `  ALPN ${n.alpnProtocol}` : ''}  provider ${n.cryptoProvider ?? '?'}`
    : 'handshake failed';
  const timing = labels.handshakeMs === undefined ? '' : `handshake ${labels.handshakeMs.toFixed(1)} ms, `;
  const totals = `${timing}${events.filter((e) => e.direction === 'sent').length} writes, ${events.filter((e) => e.direction === 'received').length} reads`;
  svg.append(
    element('text', { x: 10, y: 20, class: 'head' }, summary),
    element('text', { x: 10, y: 38, class: 'meta' }, totals),
    element('text', { x: LEFT, y: 70, 'text-anchor': 'middle', class: 'head' }, labels.self),
    element('text', { x: RIGHT, y: 70, 'text-anchor': 'middle', class: 'head' }, labels.peer),
  );
  const lifelines = [LEFT, RIGHT].map((x) => element('line', { x1: x, y1: 80, x2: x, class: 'life' }));
  svg.append(...lifelines);
  let y = 100;
  events.forEach((event, i) => {
    const sent = event.direction === 'sent';
    const lines = event.records.length === 0
      ? [event.bytes === 0 ? 'end of stream' : `${event.bytes} B (record continues)`]
      : event.records.flatMap((r) => wrap(`${r.outer} ${r.length} B: `, r.contents));
    const title = `${sent ? 'write' : 'read'} ${event.bytes} B`;
    svg.append(element('text', { x: 10, y: y + 4, class: 'meta' }, `${event.at.toFixed(1)} ms`));
    svg.append(element('text', { x: (LEFT + RIGHT) / 2, y, 'text-anchor': 'middle', class: 'head' }, `${i + 1}. ${title}`));
    lines.forEach((line, k) => svg.append(element('text', { x: (LEFT + RIGHT) / 2, y: y + LINE * (k + 1), 'text-anchor': 'middle' }, line)));
    const arrowY = y + LINE * lines.length + 8;
    svg.append(
      element('line', {
        x1: sent ? LEFT : RIGHT, y1: arrowY, x2: sent ? RIGHT : LEFT, y2: arrowY + 10,
        class: event.direction, 'stroke-width': 2, 'marker-end': `url(#arrow-${event.direction})`,
      }),
    );
    y = arrowY + 34;
  });
  for (const line of lifelines) line.setAttribute('y2', String(y));
  svg.setAttribute('height', String(y + 10));
  svg.setAttribute('viewBox', `0 0 ${WIDTH} ${y + 10}`);
  return svg;
}

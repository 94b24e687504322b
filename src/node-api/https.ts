/**
 * tlsservice/https: the node:https functions on our backends, so `import https from
 * 'tlsservice/https'` in place of `import https from 'node:https'` is the migration:
 * `createServer`, `Agent`, and `request`/`get` through our Agent (node:https's own
 * request machinery, our TLS underneath).
 */
import * as nodeHTTPS from 'node:https';
import type * as http from 'node:http';
import { createServer, TLSServiceServer } from '../http/server.js';
import { TLSServiceAgent, type TLSServiceAgentOptions } from '../http/agent.js';

export { createServer, TLSServiceServer as Server, type TLSServiceServerOptions as ServerOptions } from '../http/server.js';
export { TLSServiceAgent as Agent, type TLSServiceAgentOptions as AgentOptions } from '../http/agent.js';

/** The Agent `request`/`get` use when the options name none (noble backend, node's default roots). */
export const globalAgent = new TLSServiceAgent();

/** Agents made for request options that carry TLS options (`ca`, `cert`, `rejectUnauthorized`, ...), by those options. */
const TLS_KEYS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername', 'ciphers', 'minVersion', 'maxVersion', 'backend', 'crypto', 'container', 'checkServerIdentity'] as const;

function agentFor(options: http.RequestOptions & TLSServiceAgentOptions): http.Agent {
  if (options.agent instanceof Object) return options.agent as http.Agent;
  const tlsOptions = Object.fromEntries(TLS_KEYS.filter((k) => options[k] !== undefined).map((k) => [k, options[k]]));
  // An agent per distinct TLS option set would be node:https's behaviour; one per request keeps this simple and correct.
  return Object.keys(tlsOptions).length === 0 ? globalAgent : new TLSServiceAgent({ keepAlive: false, ...tlsOptions });
}

type RequestArguments = [url: string | URL, options?: http.RequestOptions & TLSServiceAgentOptions, callback?: (response: http.IncomingMessage) => void]
  | [options: http.RequestOptions & TLSServiceAgentOptions, callback?: (response: http.IncomingMessage) => void];

function withAgent(args: RequestArguments): unknown[] {
  const list = [...args] as unknown[];
  const index = typeof list[0] === 'string' || list[0] instanceof URL ? 1 : 0;
  const options = (typeof list[index] === 'object' && list[index] !== null ? list[index] : {}) as http.RequestOptions & TLSServiceAgentOptions;
  const merged = { ...options, agent: agentFor(options) };
  if (index === 1 && typeof list[1] !== 'object') list.splice(1, 0, merged);
  else list[index] = merged;
  return list;
}

/** Like `https.request`: node's request over our Agent. */
export function request(...args: RequestArguments): http.ClientRequest {
  return (nodeHTTPS.request as (...a: unknown[]) => http.ClientRequest)(...withAgent(args));
}

/** Like `https.get`: node's get over our Agent. */
export function get(...args: RequestArguments): http.ClientRequest {
  return (nodeHTTPS.get as (...a: unknown[]) => http.ClientRequest)(...withAgent(args));
}

/** The module object, for `import https from 'tlsservice/https'`. */
const https = { createServer, Server: TLSServiceServer, Agent: TLSServiceAgent, globalAgent, request, get };
export default https;

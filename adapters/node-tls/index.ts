/** The node-tls backend: OpenSSL through node:tls, over any RawConnection. */
export { NodeTLSService } from './service.js';
export { RawConnectionDuplex } from './raw-duplex.js';
export { mapNodeTLSError } from './error-mapping.js';

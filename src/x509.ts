/**
 * tlsservice/x509: certificate and key parsing, chain verification with host-name
 * checks, trust anchors and development certificates. Runs in browsers too; outside
 * Node the default trust anchors are empty.
 */
export * from '../adapters/noble/x509/index.js';

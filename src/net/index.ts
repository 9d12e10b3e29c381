// The one guarded HTTP client and its parts (contract sections 4 and 5).
export { defaultDecodeLimits, HttpClient } from './http-client.js';
export type { FetchInit, HttpClientOptions, HttpMethod, RetryOptions } from './http-client.js';
export { RecordedExchange } from './exchange.js';
export type { HttpExchange } from './exchange.js';
export type { DecodeLimits } from './content-encoding.js';
export { hostPlace, InProcessHostGate } from './host-gate.js';
export type { HostGate, HostPlace, InProcessHostGateOptions } from './host-gate.js';
export { parseConnectTo } from './routes.js';
export type { ConnectRoute } from './routes.js';
export { backoffDelay, parseRetryAfter } from './retry-timing.js';
export type { BackoffOptions } from './retry-timing.js';

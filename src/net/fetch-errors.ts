import { errors as undiciErrors } from 'undici';
import { errnoCode, FetchError, isErrnoException } from '../errors.js';
import type { ErrorCode } from '../model/index.js';

// EAI_AGAIN is the resolver failing to answer in time, not a name that does not exist:
// a timeout (status failed, asked again next run), not a dead link.
const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
  'EAI_AGAIN',
]);
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME']);
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_SOCKET', // the other side closed mid-response
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
]);
/** OpenSSL's certificate verification failures, as Node reports them. */
const CERTIFICATE_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_CHAIN_TOO_LONG',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'PATH_LENGTH_EXCEEDED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);
const BAD_RESPONSE_CODES = new Set(['UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'UND_ERR_HEADERS_OVERFLOW', 'UND_ERR_INFO']);

/**
 * The stable code of a failed request, from undici's and Node's error codes.
 * Undefined for errors that are not about the network (a caller's bad header,
 * a bug), which must surface as they are.
 */
function codeOf(error: unknown): ErrorCode | undefined {
  if (error instanceof FetchError) return error.code;
  // llhttp could not parse the response (its code is not always set).
  if (error instanceof undiciErrors.HTTPParserError) return 'BAD_RESPONSE';
  const code = errnoCode(error);
  if (typeof code !== 'string') return undefined;
  if (TIMEOUT_CODES.has(code)) return 'TIMEOUT';
  if (DNS_CODES.has(code)) return 'DNS';
  // EPROTO and ERR_SSL_*: the handshake failed, e.g. TLS spoken to a plain HTTP port.
  if (CERTIFICATE_CODES.has(code) || code === 'EPROTO' || /^ERR_(SSL|TLS)_/.test(code)) return 'TLS';
  if (CONNECTION_CODES.has(code)) return 'CONNECTION';
  if (BAD_RESPONSE_CODES.has(code)) return 'BAD_RESPONSE';
  // Any other failed system call on the socket (ENOBUFS, EACCES, ...).
  if (isErrnoException(error) && error.syscall !== undefined) return 'CONNECTION';
  return undefined;
}

/**
 * `error` as a FetchError whose message starts with `label` ("GET https://…"),
 * FetchErrors from the connector included (they do not know the request).
 * Errors that are not about the network are returned unchanged.
 */
export function toFetchError(error: unknown, label: string): unknown {
  const code = codeOf(error);
  if (code === undefined) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new FetchError(code, `${label}: ${reason}`, { cause: error });
}

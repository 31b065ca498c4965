import {
  AbortError,
  ClientClosedError,
  ClientOfflineError,
  ConnectionTimeoutError,
  DisconnectsClientError,
  ErrorReply,
  MaxCommandRedirectionsError,
  ReconnectStrategyError,
  RootNodesUnavailableError,
  SocketClosedUnexpectedlyError,
  SocketTimeoutError,
  TimeoutError,
  WatchError,
} from 'redis';
import { contextOf } from '../core/command.js';
import {
  AuthError,
  CommandError,
  ConnectionError,
  RedisextError,
  WrongTypeError,
  type ErrorContext,
  type Outcome,
} from '../core/errors.js';
import { redact } from './dsn.js';

/** Socket error codes, in words; those of the first group mean "nothing was sent". */
const NOT_CONNECTED: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOENT: 'no such socket file',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS: self-signed certificate not trusted',
  SELF_SIGNED_CERT_IN_CHAIN: 'TLS: certificate chain not trusted (check the ca option)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS: certificate not trusted (check the ca option)',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS: certificate does not match the host name',
  CERT_HAS_EXPIRED: 'TLS: certificate expired',
};
const DROPPED: Record<string, string> = {
  ECONNRESET: 'connection reset by the server',
  ETIMEDOUT: 'connection timed out',
  EPIPE: 'connection closed by the server',
};

const AUTH_CODES = new Set(['WRONGPASS', 'NOAUTH', 'NOPERM']);

/** node-redis' own error classes (its exports): everything else a driver call throws is a socket's. */
const DRIVER_ERRORS = [
  ErrorReply,
  AbortError,
  ConnectionTimeoutError,
  SocketTimeoutError,
  ClientClosedError,
  ClientOfflineError,
  DisconnectsClientError,
  SocketClosedUnexpectedlyError,
  ReconnectStrategyError,
  TimeoutError,
  RootNodesUnavailableError,
  MaxCommandRedirectionsError,
  WatchError,
];

/** Errors raised before a command could be written: the command did not run. */
const BEFORE_SENDING = [ClientClosedError, ClientOfflineError, ConnectionTimeoutError];

/** True for errors that come from node-redis or the socket (not from user code). */
export function isDriverError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return (
    DRIVER_ERRORS.some((type) => error instanceof type) ||
    typeof (error as NodeJS.ErrnoException).code === 'string'
  );
}

/** The first word of a Redis error reply (`ERR`, `WRONGTYPE`, `READONLY`...), if it is one. */
export function replyCode(error: unknown): string | undefined {
  return error instanceof ErrorReply ? error.message.split(' ', 1)[0] : undefined;
}

/** What a mapped error needs to know about where it happened. */
export interface ErrorSite {
  /** `host:port` (or socket path) of the server. */
  readonly address: string;
  /** A secret to hide from foreign messages. */
  readonly secret?: string;
  /** Why we closed the connection ourselves, if we did. */
  readonly dropReason?: string;
}

/** Whether a connection-level failure may have let the command run. */
function outcomeOf(error: Error): Outcome {
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== undefined && code in NOT_CONNECTED) return 'not-sent';
  if (error instanceof ConnectionError) return error.outcome;
  return BEFORE_SENDING.some((type) => error instanceof type) ? 'not-sent' : 'unknown';
}

/** Maps a node-redis or socket error to a typed redisext error naming the model and key. */
export function mapError(error: unknown, site: ErrorSite, about?: ErrorContext): Error {
  if (error instanceof RedisextError) return error;
  const context: ErrorContext = about ? contextOf(about) : {};
  if (error instanceof ErrorReply) {
    const message = redact(error.message, site.secret);
    const code = message.split(' ', 1)[0];
    if (code === 'WRONGTYPE') {
      return new WrongTypeError('the key holds a value of another Redis type', context, {
        cause: error,
      });
    }
    if (AUTH_CODES.has(code)) return new AuthError(code, message, context);
    return new CommandError(code, message, context);
  }
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    let message = NOT_CONNECTED[code] ?? DROPPED[code] ?? redact(error.message, site.secret);
    if (
      site.dropReason &&
      (error instanceof DisconnectsClientError || error instanceof ClientClosedError)
    ) {
      message = site.dropReason;
    }
    return new ConnectionError(site.address, message, context, { outcome: outcomeOf(error) });
  }
  return new ConnectionError(site.address, redact(String(error), site.secret), context);
}

/**
 * redisext: typed, atomic Redis data-structure models for TypeScript.
 *
 * @packageDocumentation
 */
import 'reflect-metadata';

export { Connection, type ServerSpec } from './connection/connection.js';
export { parseDsn, type ParsedDsn, type ServerOptions, type TlsOptions } from './transport/dsn.js';
export type { BlockingEndpoint } from './transport/blocking-endpoint.js';
export {
  DEFAULT_OPTIONS,
  type ConnectionOptions,
  type ResolvedOptions,
} from './transport/options.js';
export type {
  NodeRedisOptions,
  RedisClient,
  RedisClusterClient,
} from './transport/client-types.js';
export type { ConnectionMetrics } from './transport/metrics.js';
export {
  traceKeys,
  type BatchContext,
  type ConnectionEvent,
  type ModelEvent,
  type OperationContext,
  type OperationKind,
} from './core/tracing.js';
export type { SentinelConfig } from './transport/sentinel.js';
export {
  model,
  type ModelOptions,
  type ConnectionRef,
  type ModelStatics,
  type SchemaClass,
} from './models/config.js';
export type { WaitOptions } from './models/durable.js';
export { Model, type Operation } from './models/model.js';
export type { NearCacheOptions, NearCacheStats } from './models/near-cache/index.js';
export { Handle, type Identify, type Tools } from './models/handle.js';
export { Namespace } from './models/namespace.js';
export type { Executor } from './core/executor.js';
export type { CommandOrigin, RedisArg } from './core/command.js';
export type { Script } from './core/script.js';
export { ListModel, type ListEnd } from './models/list-model.js';
export { Counter } from './models/counter.js';
export { Map, type SetOptions } from './models/map.js';
/**
 * `RedisMap` is the same class as {@link Map} (`RedisMap === Map`), under a name that does not
 * shadow JavaScript's global `Map` where it is imported: `import { RedisMap } from 'redisext'`.
 * `Map` stays exported, as the Python ancestor names it.
 */
export { Map as RedisMap } from './models/map.js';
export { HashMap, type HashSetOptions } from './models/hash-map.js';
export {
  Document,
  type DocumentFields,
  type DocumentSaveOptions,
  type FieldName,
  type NumericField,
} from './models/document/index.js';
export type { FieldOptions, FieldType } from './serializers/decorators.js';
export { Pool } from './models/pool.js';
export {
  SortedSet,
  exclusive,
  type ScoreBound,
  type ScoreRangeOptions,
  type SortedSetAddOptions,
  type WithScoresOption,
} from './models/sorted-set/index.js';
export type { ScanOptions } from './models/collection.js';
export { Queue } from './models/queue.js';
export { Stack } from './models/stack.js';
export { PriorityQueue, type PriorityItem } from './models/priority-queue.js';
export type { BlockingPopOptions, ConsumeOptions } from './models/blocking-pop.js';
export {
  Cache,
  type CacheId,
  type CacheSetOptions,
  type GetOrSetOptions,
  type CacheScanOptions,
  type CacheClearOptions,
  type CacheStats,
  type CacheProgress,
} from './models/cache/index.js';
export { Lock, type LockOptions } from './models/lock/lock.js';
export type { LockStats } from './models/lock/stats.js';
export { ReliableQueue, type QueueStats } from './models/reliable-queue/reliable-queue.js';
export { Delivery, type NackOptions, type Settler } from './models/reliable-queue/delivery.js';
export { DeadLetters, type DeadLetter } from './models/reliable-queue/dead-letters.js';
export { DeliveryLostError } from './models/reliable-queue/errors.js';
export type { BackoffOptions } from './models/reliable-queue/settings.js';
export type { Handler } from './models/reliable-queue/process.js';
export type {
  ProcessOptions,
  PushOptions,
  ReliableConsumeOptions,
  ReliablePopOptions,
} from './models/reliable-queue/call-options.js';
export { LockError, LockNotAcquiredError, LockLostError } from './models/lock/errors.js';
export { RateLimiter } from './models/rate-limiter/rate-limiter.js';
export type { LimitOptions, OnError } from './models/rate-limiter/settings.js';
export type { RateLimitResult, RateLimitWaitOptions } from './models/rate-limiter/types.js';
export { Semaphore, type SemaphoreOptions } from './models/semaphore/semaphore.js';
export { Lease } from './models/semaphore/lease.js';
export type { SemaphoreStats } from './models/semaphore/stats.js';
export {
  SemaphoreError,
  SemaphoreNotAcquiredError,
  LeaseLostError,
} from './models/semaphore/errors.js';
export { Batch, Queued, type Batched, type BatchResults, type RawOptions } from './batch/batch.js';
export type { BatchOperation, DirectOnly } from './batch/types.js';
export type { BatchBuilder, PipelineOptions, WatchOptions } from './batch/run.js';
export { WatchSession } from './batch/watch-session.js';
export { serializer } from './serializers/index.js';
export type { Serializer, ValueOf } from './serializers/serializer.js';
export {
  field,
  registerClass,
  serializable,
  type DualClassDecorator,
  type DualFieldDecorator,
  type TypedClass,
} from './serializers/typed.js';
export {
  ArgumentError,
  type BatchFailure,
  AuthError,
  CommandError,
  ConfigError,
  ConnectionError,
  CrossSlotError,
  DecodeError,
  DsnError,
  EncodeError,
  KeyError,
  PipelineError,
  RedisextError,
  ReplicationError,
  TransactionError,
  WatchConflictError,
  WrongTypeError,
  ValidationError,
  type ErrorContext,
  type FieldProblem,
  type Outcome,
} from './core/errors.js';

import {
  incrConcurrent,
  incrSequential,
  jsonSetGet,
  queuePushPop,
  setAddContains,
} from './commands.js';
import { lockPairs } from './lock.js';
import { pipeline10k } from './pipeline.js';
import { reuseOff } from './reuse.js';
import { serializerClass, serializerDoc } from './serializer.js';
import { documentPairs } from './document.js';
import type { Workload } from './workload.js';

export type { Context, Subject, Workload } from './workload.js';

/** Every throughput workload, in the order they run (the memory workload runs last). */
export const WORKLOADS: readonly Workload[] = [
  incrSequential,
  incrConcurrent,
  pipeline10k,
  jsonSetGet,
  queuePushPop,
  setAddContains,
  lockPairs,
  serializerDoc,
  serializerClass,
  documentPairs,
  reuseOff,
];

/** The id of the memory workload (model instances + a million operations, in a child process). */
export const MEMORY = 'memory';

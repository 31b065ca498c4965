/** What the memory workloads measured (the child process prints it as JSON). */
export interface MemoryResult {
  readonly instances: {
    /** Model handles created and kept alive. */
    readonly count: number;
    /** Heap growth per handle, everything included (handle, its key string, array slot). */
    readonly bytesPerInstance: number;
    /** Heap growth per key string alone, made the same way (for reference). */
    readonly bytesPerKey: number;
    /** Connections the server saw from the handles' Connection class (must be 0). */
    readonly connectionsOpened: number;
    readonly ms: number;
  };
  readonly operations: {
    /** Operations run (a mix of every model, 100 in flight). */
    readonly count: number;
    readonly opsPerSec: number;
    /** Heap after the run minus heap before it (both after a full GC), bytes. */
    readonly heapGrowthBytes: number;
    /** Most connections the server saw from the Connection class during the run. */
    readonly maxConnections: number;
    /** At the end, blocking consumer still running. */
    readonly connectionsAtEnd: number;
    /** Allowed: 1 per role (one master) + 1 per active blocking consumer. */
    readonly allowedConnections: number;
    /** Blocking consumers active during the run. */
    readonly consumers: number;
  };
}

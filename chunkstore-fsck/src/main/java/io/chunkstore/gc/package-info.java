/**
 * Garbage collection as a plan and its execution: {@link io.chunkstore.gc.GcPlanner} decides
 * which blocks to drop and which packs to delete or rewrite, {@link io.chunkstore.gc.GcExecutor}
 * carries the plan out so that a kill at any point leaves a consistent store and the next gc
 * finishes the work. {@code --dry-run} stops after the plan.
 */
package io.chunkstore.gc;

package io.chunkstore.gc;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** A gc's plan or result as JSON: what {@code chunkstore gc --json} prints and a mount's daemon sends back. */
public final class GcJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private GcJson() {}

  /** What {@code --dry-run} shows. */
  public static ObjectNode plan(GcPlan plan) {
    ObjectNode o = JSON.createObjectNode();
    o.put("dryRun", true);
    o.put("blocksToDrop", plan.blocksToDrop());
    o.put("packsToDelete", plan.with(GcPlan.Action.DELETE).size() + plan.retired().size());
    o.put("packsToRewrite", plan.with(GcPlan.Action.REWRITE).size());
    o.put("bytesToRewrite", plan.bytesToRewrite());
    o.put("bytesToFree", plan.bytesToFree());
    o.put("orphanPacks", plan.orphanPacks().size());
    return o;
  }

  /** What a gc did, and how long it took. */
  public static ObjectNode result(GcExecutor.GcResult r, double seconds) {
    ObjectNode o = JSON.createObjectNode();
    o.put("blocksDropped", r.blocksDropped());
    o.put("packsDeleted", r.packsDeleted());
    o.put("packsWritten", r.packsWritten());
    o.put("bytesWritten", r.bytesWritten());
    o.put("bytesFreed", r.bytesFreed());
    o.put("seconds", Math.round(seconds * 1000) / 1000.0);
    return o;
  }
}

package io.chunkstore.fsck;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;

/** A {@link Report} as JSON: what {@code chunkstore-fsck --json} prints and a mount's daemon sends back. */
public final class ReportJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ReportJson() {}

  /** The report of a run on {@code store}. */
  public static ObjectNode of(String store, Report r) {
    ObjectNode root = JSON.createObjectNode();
    root.put("store", store);
    root.put("exitStatus", r.exitStatus());
    root.put("status", switch (r.exitStatus()) {
      case 0 -> "clean";
      case 1 -> "fixed";
      default -> "errors";
    });
    ObjectNode figures = root.putObject("figures");
    r.figures().forEach(figures::put);
    findings(root.putArray("findings"), r.findings());
    findings(root.putArray("fixed"), r.fixedFindings());
    return root;
  }

  private static void findings(ArrayNode out, List<Finding> list) {
    for (Finding f : list) {
      ObjectNode o = out.addObject();
      o.put("kind", f.kind().name().toLowerCase(Locale.ROOT));
      o.put("severity", f.kind().severity().name().toLowerCase(Locale.ROOT));
      o.put("subject", f.subject());
      o.put("detail", f.detail());
      ArrayNode paths = o.putArray("paths");
      f.paths().forEach(paths::add);
    }
  }
}

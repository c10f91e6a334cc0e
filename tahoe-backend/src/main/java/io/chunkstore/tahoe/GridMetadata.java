package io.chunkstore.tahoe;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The store's metadata on the grid, beside its packs, so that the directory cap alone restores the
 * store: {@code meta/chunkstore.json} (the store's settings) and {@code meta/index-backups/}, a
 * copy of {@code STORE/meta} (RocksDB BackupEngine's directory, the same tree of files).
 *
 * <p><b>Incremental.</b> BackupEngine never rewrites a file under the same name: shared SST files
 * are named by their checksum and size, a backup's private files and descriptor by its number. So a
 * file whose name and size the grid has already is not sent again, and a backup costs the upload
 * of what is new since the last one (the SSTs RocksDB wrote since, a small MANIFEST and
 * descriptor) plus one {@code set_children} per directory that changed; purged backups are
 * unlinked. {@code chunkstore.json} is written once, when the store is made.
 *
 * <p><b>Always whole.</b> Files go up before the descriptors that name them (BackupEngine's
 * {@code meta/} last), and unlinking comes after every addition, so the newest backup on the grid
 * is complete at every moment, also when a mirror is cut short.
 *
 * <p>Not thread-safe: the store runs one backup at a time.
 */
final class GridMetadata {
  static final String DIR = "meta";
  static final String CONFIG = "chunkstore.json";
  static final String BACKUPS = "index-backups";
  /** BackupEngine's backup descriptors: they go up last and are unlinked first. */
  private static final String DESCRIPTORS = "meta";

  private final TahoeClient client;
  private final String rootCap;

  GridMetadata(TahoeClient client, String rootCap) {
    this.client = client;
    this.rootCap = rootCap;
  }

  /** Brings the grid's copy in step with {@code configFile} and the backups in {@code metaDir}. */
  void mirror(Path configFile, Path metaDir) throws IOException {
    String meta = subdirectory(rootCap, client.list(rootCap), DIR);
    Map<String, TahoeClient.Child> there = client.list(meta);
    String backups = subdirectory(meta, there, BACKUPS);
    add(backups, metaDir);
    TahoeClient.Child config = there.get(CONFIG);
    if (config == null || config.size() != Files.size(configFile)) {
      client.setChildren(meta, Map.of(CONFIG, client.upload(configFile)));
    }
    prune(backups, metaDir);
  }

  /**
   * Downloads the store's settings to {@code target/chunkstore.json} and its backups to
   * {@code target/meta}.
   *
   * @throws TahoeException if the directory is not a chunkstore store's, or holds no backup yet
   */
  void fetch(Path target) throws IOException {
    TahoeClient.Child meta = client.list(rootCap).get(DIR);
    Map<String, TahoeClient.Child> there = meta != null && meta.directory() ? client.list(meta.cap()) : Map.of();
    TahoeClient.Child config = there.get(CONFIG);
    TahoeClient.Child backups = there.get(BACKUPS);
    if (config == null || config.directory() || backups == null || !backups.directory()) {
      throw new TahoeException("the directory cap does not name a chunkstore store's directory on the grid: it has"
          + " no " + DIR + "/" + CONFIG + " and " + DIR + "/" + BACKUPS + " (a store made with chunkstore init --backend"
          + " tahoe:URL has them from its first close)");
    }
    client.download(config.cap(), config.size(), target.resolve(CONFIG));
    Files.createDirectory(target.resolve("meta"));
    download(backups.cap(), target.resolve("meta"));
  }

  /** The caps of every directory and file of the copy, for lease renewal; empty if there is none. */
  List<String> caps() throws IOException {
    List<String> out = new ArrayList<>();
    TahoeClient.Child meta = client.list(rootCap).get(DIR);
    if (meta != null && meta.directory()) {
      collect(meta.cap(), out);
    }
    return out;
  }

  private void collect(String dircap, List<String> out) throws IOException {
    out.add(dircap);
    for (TahoeClient.Child c : client.list(dircap).values()) {
      if (c.directory()) {
        collect(c.cap(), out);
      } else {
        out.add(c.cap());
      }
    }
  }

  /** Uploads and links what {@code local} has and the grid directory {@code dircap} lacks, depth first. */
  private void add(String dircap, Path local) throws IOException {
    Map<String, TahoeClient.Child> there = client.list(dircap);
    List<Path> files = new ArrayList<>();
    List<Path> dirs = new ArrayList<>();
    for (Path p : entries(local)) {
      (Files.isDirectory(p) ? dirs : files).add(p);
    }
    for (Path d : dirs) {
      add(subdirectory(dircap, there, d.getFileName().toString()), d);
    }
    Map<String, String> links = new LinkedHashMap<>();
    for (Path f : files) {
      String name = f.getFileName().toString();
      TahoeClient.Child c = there.get(name);
      if (c == null || c.directory() || c.size() != Files.size(f)) {
        links.put(name, client.upload(f));
      }
    }
    if (!links.isEmpty()) {
      client.setChildren(dircap, links);
    }
  }

  /** Unlinks from {@code dircap} what {@code local} no longer has, descriptors first. */
  private void prune(String dircap, Path local) throws IOException {
    List<Map.Entry<String, TahoeClient.Child>> there = new ArrayList<>(client.list(dircap).entrySet());
    there.sort(Comparator.comparing((Map.Entry<String, TahoeClient.Child> e) -> !e.getKey().equals(DESCRIPTORS)));
    for (Map.Entry<String, TahoeClient.Child> e : there) {
      Path p = local.resolve(e.getKey());
      boolean keep = e.getValue().directory() ? Files.isDirectory(p) && !skipped(p) : Files.isRegularFile(p) && !skipped(p);
      if (!keep) {
        client.unlink(dircap, e.getKey());
      } else if (e.getValue().directory()) {
        prune(e.getValue().cap(), p);
      }
    }
  }

  private void download(String dircap, Path local) throws IOException {
    for (Map.Entry<String, TahoeClient.Child> e : client.list(dircap).entrySet()) {
      String name = e.getKey();
      if (name.isEmpty() || name.equals(".") || name.equals("..") || name.contains("/")) {
        throw new TahoeException("the store's index backups on the grid hold an entry that is not a file name");
      }
      Path p = local.resolve(name);
      if (e.getValue().directory()) {
        Files.createDirectory(p);
        download(e.getValue().cap(), p);
      } else {
        client.download(e.getValue().cap(), e.getValue().size(), p);
      }
    }
  }

  /** The subdirectory {@code name} of {@code dircap} (whose listing is {@code there}), made if missing. */
  private String subdirectory(String dircap, Map<String, TahoeClient.Child> there, String name) throws IOException {
    TahoeClient.Child c = there.get(name);
    if (c != null) {
      if (!c.directory()) {
        throw new TahoeException("the store's directory on the grid has '" + name + "' but it is not a directory");
      }
      return c.cap();
    }
    return client.mkdirChild(dircap, name).orElseThrow(
        () -> new TahoeException("the store's directory on the grid changed while its metadata was being copied there"));
  }

  /**
   * The entries of {@code dir} in the order they go up: subdirectories with BackupEngine's
   * descriptors last; temporary files of a backup in progress are left out.
   */
  private static List<Path> entries(Path dir) throws IOException {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        if (!skipped(p)) {
          out.add(p);
        }
      }
    }
    out.sort(Comparator.comparing((Path p) -> p.getFileName().toString().equals(DESCRIPTORS))
        .thenComparing(p -> p.getFileName().toString()));
    return out;
  }

  private static boolean skipped(Path p) {
    String n = p.getFileName().toString();
    return n.startsWith(".") || n.endsWith(".tmp");
  }
}

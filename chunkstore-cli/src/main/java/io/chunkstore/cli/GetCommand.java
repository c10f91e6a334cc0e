package io.chunkstore.cli;

import io.chunkstore.ChunkStore;
import io.chunkstore.FileInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "get", mixinStandardHelpOptions = true,
    description = {"Copy a file or directory out of the store, keeping modes and times (and owners, as root).",
        "DEST is the new file or directory, an existing directory to put it in, or - for standard output."})
final class GetCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "STORE", description = "The store's directory.")
  Path store;

  @Parameters(index = "1", paramLabel = "PATH", description = "Path inside the store.")
  String path;

  @Parameters(index = "2", paramLabel = "DEST", description = "Where to write it.")
  Path dest;

  private final boolean root = "root".equals(System.getProperty("user.name"));

  @Override
  public Integer call() throws Exception {
    try (ChunkStore cs = Stores.open(store)) {
      FileInfo src = cs.stat(path);
      if (dest.toString().equals("-")) {
        if (!src.isFile()) {
          throw new IOException("only a regular file can be written to standard output; " + path + " is not one");
        }
        try (InputStream in = cs.newInputStream(src.path())) {
          in.transferTo(System.out);
        }
        System.out.flush();
        return 0;
      }
      Path target = dest;
      if (Files.isDirectory(dest) && !(src.isDirectory() && path.equals("/"))) {
        String name = src.path().replaceAll("/+$", "");
        target = dest.resolve(name.substring(name.lastIndexOf('/') + 1));
      }
      long total = src.isDirectory() ? 0 : src.size();
      try (Progress progress = new Progress("get", total)) {
        copyOut(cs, src, target, progress);
      }
    }
    return 0;
  }

  private void copyOut(ChunkStore cs, FileInfo src, Path target, Progress progress) throws IOException {
    switch (src.type()) {
      case DIRECTORY -> {
        Files.createDirectories(target);
        List<FileInfo> children = new ArrayList<>(cs.list(src.path()));
        for (FileInfo child : children) {
          copyOut(cs, child, target.resolve(child.path().substring(child.path().lastIndexOf('/') + 1)), progress);
        }
        applyAttributes(src, target);
      }
      case SYMLINK -> {
        Files.deleteIfExists(target);
        Files.createSymbolicLink(target, Path.of(src.symlinkTarget()));
        if (root) {
          Files.setAttribute(target, "unix:uid", src.uid(), LinkOption.NOFOLLOW_LINKS);
          Files.setAttribute(target, "unix:gid", src.gid(), LinkOption.NOFOLLOW_LINKS);
        }
      }
      case FILE -> {
        Path parent = target.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
          throw new java.nio.file.NoSuchFileException(parent.toString());
        }
        Path tmp = target.resolveSibling("." + target.getFileName() + ".chunkstore-tmp");
        try (InputStream in = cs.newInputStream(src.path()); OutputStream out = Files.newOutputStream(tmp)) {
          in.transferTo(new java.io.FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
              out.write(b, off, len);
            }
          });
        } catch (IOException e) {
          Files.deleteIfExists(tmp);
          throw e;
        }
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        applyAttributes(src, target);
      }
      default -> System.err.println("get: skipping " + src.path() + ": not a file, directory or symlink");
    }
  }

  private void applyAttributes(FileInfo src, Path target) throws IOException {
    Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] all = PosixFilePermission.values();
    for (int i = 0; i < 9; i++) {
      if ((src.permissions() & (1 << (8 - i))) != 0) {
        perms.add(all[i]);
      }
    }
    if (root) {
      Files.setAttribute(target, "unix:uid", src.uid());
      Files.setAttribute(target, "unix:gid", src.gid());
    }
    Files.setPosixFilePermissions(target, perms);
    Files.setLastModifiedTime(target, FileTime.from(src.modified()));
  }
}

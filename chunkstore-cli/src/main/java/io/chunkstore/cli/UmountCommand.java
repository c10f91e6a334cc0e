package io.chunkstore.cli;

import io.chunkstore.fuse.MountInfo;
import io.chunkstore.fuse.Mounter;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "umount", aliases = "unmount", mixinStandardHelpOptions = true,
    description = {"Unmount a mounted store and wait until its process has stored every write and closed the store."})
final class UmountCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "MOUNTPOINT", description = "Where the store is mounted.")
  Path mountPoint;

  @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "300",
      description = "How long to wait for the store to close (default: ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  @Override
  public Integer call() throws Exception {
    if (!Mounter.isMountPoint(mountPoint)) {
      throw new IOException(mountPoint + " is not a mount point");
    }
    Path store = storeOf(mountPoint);
    int status = run(List.of("fusermount", "-u", mountPoint.toString()));
    if (status != 0) {
      status = run(List.of("umount", mountPoint.toString()));
    }
    if (status != 0) {
      throw new IOException("cannot unmount " + mountPoint + ": it is busy or not ours (close the files open in it)");
    }
    if (store != null && !waitForClose(store)) {
      throw new IOException("unmounted " + mountPoint + ", but the store " + store + " was still open after "
          + timeoutSeconds + " s; see " + store.resolve("mount.log"));
    }
    System.err.println("unmounted " + mountPoint + (store == null ? "" : "; store " + store + " closed"));
    return 0;
  }

  private static int run(List<String> cmd) throws InterruptedException {
    try {
      return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start().waitFor();
    } catch (IOException e) {
      return 127;
    }
  }

  /** The store directory, from the mount's source ({@code chunkstore:/path/to/store}). */
  private static Path storeOf(Path mp) throws IOException {
    return MountInfo.at(mp).flatMap(MountInfo::store).orElse(null);
  }

  /** Waits until the mount process releases the store's lock. */
  private boolean waitForClose(Path store) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
    Path lock = store.resolve("lock");
    while (System.nanoTime() < deadline) {
      try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.WRITE)) {
        FileLock l = ch.tryLock();
        if (l != null) {
          l.release();
          return true;
        }
      } catch (OverlappingFileLockException e) {
        return true;
      }
      Thread.sleep(50);
    }
    return false;
  }
}

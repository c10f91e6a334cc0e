package io.chunkstore.fuse;

import io.chunkstore.ChunkStore;
import io.chunkstore.StoreStats;
import io.chunkstore.Attributes;
import io.chunkstore.fs.FileTree;
import io.chunkstore.fs.DirectoryEntry;
import io.chunkstore.fs.Stat;
import io.chunkstore.internal.Internals;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import jnr.ffi.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import ru.serce.jnrfuse.ErrorCodes;

/**
 * The FUSE adapter on the kernel's own protocol (what libfuse's low-level API wraps): requests
 * name inodes, so a lookup is one directory-entry read and a hard-linked file is one kernel inode
 * whose attributes every name shares. Node ids are the store's inode numbers, which are never
 * reused, and the kernel may cache entries, attributes and pages as long as it likes: every
 * change goes through this daemon and the kernel sees it.
 *
 * <p>It only translates: each request becomes one {@link FileTree} call, exceptions become errno
 * values in {@link Errno}. Several threads serve requests at once.
 */
final class LowLevelFuse {
  private static final Logger log = LoggerFactory.getLogger(LowLevelFuse.class);

  /** The protocol this adapter speaks: 7.33 (Linux 5.11), where the kernel lets it clear set-id bits itself. */
  static final int MAJOR = 7;
  static final int MINOR = 33;
  /** The oldest kernel protocol it works with: 7.31 (Linux 5.4) has everything else it asks for. */
  static final int OLDEST_MINOR = 31;
  private static final int IN_HEADER = 40;
  private static final int OUT_HEADER = 16;
  private static final int NO_REPLY = 1;
  private static final int BLOCK = 4096;
  private static final String POSIX_ACL = "system.posix_acl_";

  // opcodes (fuse_kernel.h)
  private static final int LOOKUP = 1;
  private static final int FORGET = 2;
  private static final int GETATTR = 3;
  private static final int SETATTR = 4;
  private static final int READLINK = 5;
  private static final int SYMLINK = 6;
  private static final int MKNOD = 8;
  private static final int MKDIR = 9;
  private static final int UNLINK = 10;
  private static final int RMDIR = 11;
  private static final int RENAME = 12;
  private static final int LINK = 13;
  private static final int OPEN = 14;
  private static final int READ = 15;
  private static final int WRITE = 16;
  private static final int STATFS = 17;
  private static final int RELEASE = 18;
  private static final int FSYNC = 20;
  private static final int SETXATTR = 21;
  private static final int GETXATTR = 22;
  private static final int LISTXATTR = 23;
  private static final int REMOVEXATTR = 24;
  private static final int FLUSH = 25;
  private static final int INIT = 26;
  private static final int OPENDIR = 27;
  private static final int READDIR = 28;
  private static final int RELEASEDIR = 29;
  private static final int FSYNCDIR = 30;
  private static final int ACCESS = 34;
  private static final int CREATE = 35;
  private static final int INTERRUPT = 36;
  private static final int DESTROY = 38;
  private static final int BATCH_FORGET = 42;
  private static final int READDIRPLUS = 44;
  private static final int RENAME2 = 45;
  private static final int FALLOCATE = 43;
  private static final int COPY_FILE_RANGE = 47;

  // INIT flags
  private static final int ASYNC_READ = 1;
  private static final int ATOMIC_O_TRUNC = 1 << 3;
  private static final int BIG_WRITES = 1 << 5;
  private static final int DO_READDIRPLUS = 1 << 13;
  private static final int READDIRPLUS_AUTO = 1 << 14;
  private static final int ASYNC_DIO = 1 << 15;
  private static final int WRITEBACK_CACHE = 1 << 16;
  private static final int PARALLEL_DIROPS = 1 << 18;
  private static final int MAX_PAGES = 1 << 22;
  private static final int CACHE_SYMLINKS = 1 << 23;
  private static final int HANDLE_KILLPRIV_V2 = 1 << 28;

  // what the kernel asks of a server that handles set-id bits (HANDLE_KILLPRIV_V2): clear them
  private static final int WRITE_KILL_SUIDGID = 1 << 2;
  private static final int OPEN_KILL_SUIDGID = 1;
  private static final int FATTR_KILL_SUIDGID = 1 << 11;

  // SETATTR valid bits
  private static final int FATTR_MODE = 1;
  private static final int FATTR_UID = 1 << 1;
  private static final int FATTR_GID = 1 << 2;
  private static final int FATTR_SIZE = 1 << 3;
  private static final int FATTR_ATIME = 1 << 4;
  private static final int FATTR_MTIME = 1 << 5;
  private static final int FATTR_FH = 1 << 6;
  private static final int FATTR_ATIME_NOW = 1 << 7;
  private static final int FATTR_MTIME_NOW = 1 << 8;

  private static final int FOPEN_KEEP_CACHE = 1 << 1;
  private static final int FOPEN_CACHE_DIR = 1 << 3;
  private static final int O_TRUNC = 01000;
  private static final int RENAME_NOREPLACE = 1;
  private static final int XATTR_CREATE = 1;
  private static final int XATTR_REPLACE = 2;

  /**
   * How the kernel is told to cache and how requests are served.
   *
   * @param entryTimeout seconds the kernel may keep a name
   * @param attrTimeout seconds the kernel may keep attributes
   * @param negativeTimeout seconds the kernel may remember that a name does not exist
   * @param maxWrite the largest write request, bytes (at most 1 MiB)
   * @param writebackCache let the kernel gather small writes in its page cache
   * @param threads how many threads serve requests
   * @param debug log every request
   */
  record Settings(double entryTimeout, double attrTimeout, double negativeTimeout, int maxWrite,
      boolean writebackCache, int threads, boolean debug) {}

  private final ChunkStore store;
  private final FileTree tree;
  private final Settings settings;
  private final FuseChannel channel;
  private final jnr.ffi.Runtime runtime = jnr.ffi.Runtime.getRuntime(Libc.get());
  private final CountDownLatch ready = new CountDownLatch(1);
  private volatile String refusal;
  private final DirectoryListings listings =
      new DirectoryListings(java.util.concurrent.ThreadLocalRandom.current().nextLong());
  private final KernelInodes kernelInodes;
  private static final byte[] ZERO_ENTRY = new byte[128];
  private final long entrySec;
  private final int entryNsec;
  private final long attrSec;
  private final int attrNsec;
  private final long negativeSec;
  private final int negativeNsec;

  LowLevelFuse(ChunkStore store, FuseChannel channel, Settings settings) {
    this.store = store;
    this.tree = Internals.tree(store);
    this.channel = channel;
    this.settings = settings;
    entrySec = (long) settings.entryTimeout();
    entryNsec = nanosOf(settings.entryTimeout());
    attrSec = (long) settings.attrTimeout();
    attrNsec = nanosOf(settings.attrTimeout());
    negativeSec = (long) settings.negativeTimeout();
    negativeNsec = nanosOf(settings.negativeTimeout());
    kernelInodes = KernelInodes.forTimeouts(settings.entryTimeout(), settings.attrTimeout());
  }

  private static int nanosOf(double seconds) {
    return (int) Math.round((seconds - Math.floor(seconds)) * 1e9) % 1_000_000_000;
  }

  /** Counts down once the kernel has connected: the mount is usable. */
  CountDownLatch ready() {
    return ready;
  }

  /** Why the kernel's INIT was refused (an unsupported protocol), or null. */
  String refusal() {
    return refusal;
  }

  /** Serves requests on {@link Settings#threads} threads until the file system is unmounted. */
  void serve() throws InterruptedException {
    List<Thread> workers = new ArrayList<>();
    for (int i = 0; i < settings.threads(); i++) {
      Thread t = new Thread(this::work, "fuse-" + i);
      t.setDaemon(true);
      workers.add(t);
      t.start();
    }
    for (Thread t : workers) {
      t.join();
    }
  }

  private void work() {
    // a write request is its header, fuse_write_in and up to max_write bytes
    ByteBuffer in = ByteBuffer.allocateDirect(settings.maxWrite() + 64 * 1024 + 4096).order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer out = ByteBuffer.allocateDirect(settings.maxWrite() + 4096).order(ByteOrder.LITTLE_ENDIAN);
    Pointer inPtr = Pointer.wrap(runtime, in);
    Pointer outPtr = Pointer.wrap(runtime, out);
    byte[] scratch = new byte[settings.maxWrite()];
    try {
      while (true) {
        int n = channel.read(inPtr, in.capacity());
        if (n < 0) {
          return;
        }
        if (n < IN_HEADER) {
          continue;
        }
        int opcode = in.getInt(4);
        long unique = in.getLong(8);
        long node = in.getLong(16);
        out.clear();
        out.position(OUT_HEADER);
        int error;
        try {
          error = handle(opcode, node, in, n, out, scratch);
        } catch (Exception | StackOverflowError e) {
          error = Errno.of(e, name(opcode), "inode " + node);
        }
        if (settings.debug()) {
          log.info("{} #{} inode {}: {}", name(opcode), unique, node, error == NO_REPLY ? "-" : error);
        }
        if (error == NO_REPLY) {
          continue;
        }
        if (error != 0) {
          out.position(OUT_HEADER);
        }
        int len = out.position();
        out.putInt(0, len);
        out.putInt(4, error);
        out.putLong(8, unique);
        channel.write(outPtr, len);
        if (opcode == INIT) {
          ready.countDown();
        }
      }
    } catch (IOException | RuntimeException e) {
      log.error("a FUSE worker stopped: {}", e.toString(), e);
    }
  }

  private int handle(int opcode, long node, ByteBuffer in, int len, ByteBuffer out, byte[] scratch)
      throws IOException {
    int p = IN_HEADER;
    switch (opcode) {
      case INIT:
        return init(in, out);
      case LOOKUP: {
        Optional<Stat> found = tree.find(node, string(in, p, len));
        if (found.isPresent()) {
          putEntry(out, found.get());
        } else if (negativeSec == 0 && negativeNsec == 0) {
          return -ErrorCodes.ENOENT();
        } else {
          // node id 0: the kernel remembers for negative_timeout that the name does not exist
          out.putLong(0).putLong(0).putLong(negativeSec).putLong(0).putInt(negativeNsec).putInt(0);
          out.put(new byte[88]);
        }
        return 0;
      }
      case FORGET:
        kernelInodes.forgotten(node);
        return NO_REPLY;
      case BATCH_FORGET: // count, then (node id, lookup count) pairs
        for (int i = 0, count = in.getInt(p); i < count && p + 8 + 16 * i + 16 <= len; i++) {
          kernelInodes.forgotten(in.getLong(p + 8 + 16 * i));
        }
        return NO_REPLY;
      case INTERRUPT:
        return NO_REPLY; // requests are not abandoned halfway
      case GETATTR:
        putAttrOut(out, tree.statInode(node));
        return 0;
      case SETATTR:
        return setattr(node, in, out);
      case READLINK:
        out.put(tree.readSymlink(node).getBytes(StandardCharsets.UTF_8));
        return 0;
      case SYMLINK: {
        int end = nul(in, p, len);
        String name = decode(in, p, end);
        String target = string(in, end + 1, len);
        int uid = in.getInt(24);
        int gid = in.getInt(28);
        putEntry(out, tree.symlink(node, name, target,
            new Attributes(Attributes.KEEP, uid, gid, Attributes.NOW, Attributes.NOW)));
        return 0;
      }
      case MKNOD: {
        int mode = in.getInt(p);
        int rdev = in.getInt(p + 4);
        putEntry(out, tree.mknod(node, string(in, p + 16, len), mode, rdev & 0xffffffffL, in.getInt(24), in.getInt(28)));
        return 0;
      }
      case MKDIR: {
        int mode = in.getInt(p);
        putEntry(out, tree.mkdir(node, string(in, p + 8, len),
            new Attributes(mode & 07777, in.getInt(24), in.getInt(28), Attributes.NOW, Attributes.NOW)));
        return 0;
      }
      case UNLINK:
        tree.unlink(node, string(in, p, len));
        return 0;
      case RMDIR:
        tree.rmdir(node, string(in, p, len));
        return 0;
      case RENAME:
        return rename(node, in.getLong(p), 0, in, p + 8, len);
      case RENAME2:
        return rename(node, in.getLong(p), in.getInt(p + 8), in, p + 16, len);
      case LINK:
        putEntry(out, tree.link(in.getLong(p), node, string(in, p + 8, len)));
        return 0;
      case OPEN: {
        int flags = in.getInt(p);
        long fh = tree.open(node);
        if ((flags & O_TRUNC) != 0) {
          tree.truncate(fh, 0);
        }
        if ((in.getInt(p + 4) & OPEN_KILL_SUIDGID) != 0) {
          dropSetIdBits(node, in);
        }
        out.putLong(fh).putInt(FOPEN_KEEP_CACHE).putInt(0);
        return 0;
      }
      case CREATE: {
        int mode = in.getInt(p + 4);
        long fh = tree.create(node, string(in, p + 16, len), mode & 07777, in.getInt(24), in.getInt(28));
        putEntry(out, tree.stat(fh));
        out.putLong(fh).putInt(FOPEN_KEEP_CACHE).putInt(0);
        return 0;
      }
      case READ:
        return read(in.getLong(p), in.getLong(p + 8), in.getInt(p + 16), out, scratch);
      case WRITE: {
        int size = in.getInt(p + 16);
        tree.write(in.getLong(p), in.getLong(p + 8), in.slice(p + 40, size));
        if ((in.getInt(p + 20) & WRITE_KILL_SUIDGID) != 0) {
          dropSetIdBits(node, in);
        }
        out.putInt(size).putInt(0);
        return 0;
      }
      case FLUSH:
        tree.flush(in.getLong(p));
        return 0;
      case FSYNC:
        tree.fsync(in.getLong(p));
        return 0;
      case RELEASE:
        tree.release(in.getLong(p));
        return 0;
      case STATFS:
        return statfs(out);
      case SETXATTR: {
        int size = in.getInt(p);
        int flags = in.getInt(p + 4);
        int end = nul(in, p + 8, len);
        String name = decode(in, p + 8, end);
        if (name.startsWith(POSIX_ACL)) {
          return -ErrorCodes.EOPNOTSUPP();
        }
        byte[] value = new byte[size];
        in.get(end + 1, value, 0, size);
        tree.setXattr(node, name, value, (flags & XATTR_CREATE) != 0, (flags & XATTR_REPLACE) != 0);
        return 0;
      }
      case GETXATTR: {
        String name = string(in, p + 8, len);
        if (name.startsWith(POSIX_ACL)) {
          return -ErrorCodes.EOPNOTSUPP();
        }
        Optional<byte[]> value = tree.findXattr(node, name);
        return value.isEmpty() ? -ErrorCodes.ENODATA() : sized(value.get(), in.getInt(p), out);
      }
      case LISTXATTR: {
        StringBuilder sb = new StringBuilder();
        for (String n : tree.listXattrs(node)) {
          sb.append(n).append('\0');
        }
        return sized(sb.toString().getBytes(StandardCharsets.UTF_8), in.getInt(p), out);
      }
      case REMOVEXATTR:
        tree.removeXattr(node, string(in, p, len));
        return 0;
      case OPENDIR:
        // no handles: the kernel stops sending OPENDIR and RELEASEDIR (see DirectoryListings)
        return -ErrorCodes.ENOSYS();
      case READDIR:
      case READDIRPLUS:
        return readdir(node, in.getLong(p + 8), in.getInt(p + 16), opcode == READDIRPLUS, out);
      case RELEASEDIR:
        return 0;
      case FSYNCDIR:
        tree.flushAll();
        return 0;
      case ACCESS:
        tree.statInode(node);
        return 0;
      case FALLOCATE: // fh, offset, length, mode
        return Fallocate.apply(tree, in.getLong(p), in.getInt(p + 24), in.getLong(p + 8), in.getLong(p + 16))
            ? 0 : -ErrorCodes.EOPNOTSUPP();
      case COPY_FILE_RANGE: {
        long copied = tree.cloneRange(in.getLong(p), in.getLong(p + 8), in.getLong(p + 24), in.getLong(p + 32),
            in.getLong(p + 40));
        if (copied < 0) {
          return -ErrorCodes.EOPNOTSUPP(); // the kernel copies the bytes itself
        }
        out.putInt((int) copied).putInt(0);
        return 0;
      }
      case DESTROY:
        return 0;
      default:
        return -ErrorCodes.ENOSYS();
    }
  }

  private int init(ByteBuffer in, ByteBuffer out) {
    int major = in.getInt(IN_HEADER);
    int minor = in.getInt(IN_HEADER + 4);
    int maxReadahead = in.getInt(IN_HEADER + 8);
    int offered = in.getInt(IN_HEADER + 12);
    if (major > MAJOR) {
      // the kernel asks again with our major version
      out.putInt(MAJOR).putInt(MINOR).put(new byte[56]);
      return 0;
    }
    if (major < MAJOR || minor < OLDEST_MINOR) {
      refusal = "the kernel speaks FUSE protocol " + major + "." + minor + ", older than the " + MAJOR + "." + OLDEST_MINOR
          + " (Linux 5.4) this mount needs; mount with -o libfuse2 instead";
      log.error(refusal);
      return -ErrorCodes.EPROTO();
    }
    int wanted = ASYNC_READ | ATOMIC_O_TRUNC | BIG_WRITES | DO_READDIRPLUS | READDIRPLUS_AUTO | ASYNC_DIO
        | PARALLEL_DIROPS | MAX_PAGES | CACHE_SYMLINKS | (settings.writebackCache() ? WRITEBACK_CACHE : 0)
        // set-id bits are cleared here, so the kernel need not ask for security.capability before every write
        | HANDLE_KILLPRIV_V2;
    out.putInt(MAJOR).putInt(MINOR).putInt(maxReadahead).putInt(offered & wanted);
    out.putShort((short) 64).putShort((short) 48); // max_background, congestion_threshold
    out.putInt(settings.maxWrite()).putInt(1); // max_write, time_gran (ns)
    out.putShort((short) (settings.maxWrite() / BLOCK)).putShort((short) 0).putInt(0); // max_pages, map_alignment, flags2
    out.put(new byte[28]);
    log.info("FUSE protocol {}.{} (kernel {}.{}), max_write {}, entry/attr timeout {}/{} s", MAJOR, Math.min(MINOR, minor),
        major, minor,
        settings.maxWrite(), settings.entryTimeout(), settings.attrTimeout());
    return 0;
  }

  private int setattr(long node, ByteBuffer in, ByteBuffer out) throws IOException {
    int p = IN_HEADER;
    int valid = in.getInt(p);
    long fh = in.getLong(p + 8);
    if ((valid & FATTR_SIZE) != 0) {
      long size = in.getLong(p + 16);
      if ((valid & FATTR_FH) != 0) {
        tree.truncate(fh, size);
      } else {
        tree.truncateInode(node, size);
      }
      if ((valid & FATTR_KILL_SUIDGID) != 0) {
        dropSetIdBits(node, in);
      }
    }
    int mode = (valid & FATTR_MODE) != 0 ? in.getInt(p + 68) & 07777 : Attributes.KEEP;
    int uid = (valid & FATTR_UID) != 0 ? in.getInt(p + 76) : Attributes.KEEP;
    int gid = (valid & FATTR_GID) != 0 ? in.getInt(p + 80) : Attributes.KEEP;
    long atime = (valid & FATTR_ATIME) == 0 ? Attributes.KEEP
        : (valid & FATTR_ATIME_NOW) != 0 ? Attributes.NOW : nanos(in.getLong(p + 32), in.getInt(p + 56));
    long mtime = (valid & FATTR_MTIME) == 0 ? Attributes.KEEP
        : (valid & FATTR_MTIME_NOW) != 0 ? Attributes.NOW : nanos(in.getLong(p + 40), in.getInt(p + 60));
    Stat now = (valid & (FATTR_MODE | FATTR_UID | FATTR_GID | FATTR_ATIME | FATTR_MTIME)) != 0
        ? tree.setAttributes(node, new Attributes(mode, uid, gid, mtime, atime))
        : tree.statInode(node);
    putAttrOut(out, now);
    return 0;
  }

  /**
   * The kernel asks the set-id bits of a file cleared because its writer may not keep them. The
   * request names the writer's gid and pid; its other groups are in /proc, read only for the rare
   * set-group-ID file without group execute, where membership decides.
   */
  private void dropSetIdBits(long node, ByteBuffer in) throws IOException {
    int gid = in.getInt(28);
    int pid = in.getInt(32);
    tree.dropSetIdBits(node, g -> g == gid || supplementaryGroups(pid).contains(String.valueOf(g)));
  }

  private static List<String> supplementaryGroups(int pid) {
    try {
      for (String line : Files.readAllLines(java.nio.file.Path.of("/proc", String.valueOf(pid), "status"))) {
        if (line.startsWith("Groups:")) {
          return List.of(line.substring("Groups:".length()).trim().split("\\s+"));
        }
      }
    } catch (IOException e) {
      // the writer is gone: it is in no group any more
    }
    return List.of();
  }

  private static long nanos(long sec, int nsec) {
    return sec * 1_000_000_000L + (nsec & 0xffffffffL);
  }

  private int rename(long node, long newParent, int flags, ByteBuffer in, int p, int len) throws IOException {
    if ((flags & ~RENAME_NOREPLACE) != 0) {
      return -ErrorCodes.EINVAL(); // RENAME_EXCHANGE, RENAME_WHITEOUT
    }
    int end = nul(in, p, len);
    String from = decode(in, p, end);
    String to = string(in, end + 1, len);
    tree.rename(node, from, newParent, to, (flags & RENAME_NOREPLACE) != 0);
    return 0;
  }

  private int read(long fh, long offset, int size, ByteBuffer out, byte[] scratch) throws IOException {
    int want = Math.min(size, scratch.length);
    int got = 0;
    while (got < want) {
      int n = tree.read(fh, offset + got, scratch, got, want - got);
      if (n <= 0) {
        break;
      }
      got += n;
    }
    out.put(scratch, 0, got);
    return 0;
  }

  private int statfs(ByteBuffer out) throws IOException {
    FileStore fs = Files.getFileStore(store.directory());
    StoreStats s = store.stats();
    long files = Math.max(s.uniqueBlocks(), 1);
    out.putLong(fs.getTotalSpace() / BLOCK).putLong(fs.getUnallocatedSpace() / BLOCK).putLong(fs.getUsableSpace() / BLOCK);
    out.putLong(files + 1_000_000_000L).putLong(1_000_000_000L);
    out.putInt(BLOCK).putInt(255).putInt(BLOCK).putInt(0).put(new byte[24]);
    return 0;
  }

  /** A getxattr/listxattr reply: the size alone when asked with size 0, else the value if it fits. */
  private static int sized(byte[] value, int size, ByteBuffer out) {
    if (size == 0) {
      out.putInt(value.length).putInt(0);
      return 0;
    }
    if (size < value.length) {
      return -ErrorCodes.ERANGE();
    }
    out.put(value);
    return 0;
  }

  private int readdir(long node, long offset, int size, boolean plus, ByteBuffer out) throws IOException {
    long now = System.nanoTime();
    DirectoryListings.Listing listing = offset == 0 ? null : listings.get(node, now);
    if (listing == null) { // a fresh listing at every (re)start: rewinddir sees changes
      listing = listings.put(node, tree.list(node), now);
    }
    int limit = OUT_HEADER + Math.min(size, out.capacity() - OUT_HEADER);
    if (offset < DirectoryListings.DOT
        && !putDirent(node, ".", node, Stat.S_IFDIR, DirectoryListings.DOT, plus, now, out, limit)
        || offset < DirectoryListings.DOT_DOT
            && !putDirent(node, "..", node, Stat.S_IFDIR, DirectoryListings.DOT_DOT, plus, now, out, limit)) {
      return 0;
    }
    long[] cookies = listing.cookies();
    int first = listing.firstAfter(offset);
    if (first == cookies.length && offset >= DirectoryListings.DOT_DOT) {
      listings.finished(node); // the empty page that ends the listing
      return 0;
    }
    int run = first; // the first entry that shares the current entry's cookie
    int runAt = out.position();
    for (int i = first; i < cookies.length; i++) {
      if (i > first && cookies[i] != cookies[i - 1]) {
        run = i;
        runAt = out.position();
      }
      DirectoryEntry e = listing.entries()[i];
      if (!putDirent(node, e.name(), e.ino(), e.mode(), cookies[i], plus, now, out, limit)) {
        if (run > first) {
          out.position(runAt); // a reader resumes after a whole cookie: its entries share one page
        }
        break;
      }
    }
    return 0;
  }

  /** Appends one entry (with its attributes for READDIRPLUS) if it fits before {@code limit}. */
  private boolean putDirent(long dir, String name, long ino, int mode, long cookie, boolean plus, long now,
      ByteBuffer out, int limit) throws IOException {
    byte[] nb = name.getBytes(StandardCharsets.UTF_8);
    int dirent = (24 + nb.length + 7) & ~7;
    if (out.position() + dirent + (plus ? 128 : 0) > limit) {
      return false;
    }
    if (plus) {
      Stat n = null;
      if (ino != dir && !kernelInodes.holds(ino, now)) {
        try {
          n = tree.statInode(ino);
        } catch (NoSuchFileException gone) {
          // removed since the listing: no attributes, the kernel looks it up if it must
        }
      }
      if (n == null) {
        out.put(ZERO_ENTRY); // node id 0: the kernel links nothing for this entry (and keeps what it has)
      } else {
        putEntry(out, n);
      }
    }
    int start = out.position();
    out.putLong(ino).putLong(cookie).putInt(nb.length).putInt((mode & Stat.S_IFMT) >> 12).put(nb);
    while (out.position() < start + dirent) {
      out.put((byte) 0);
    }
    return true;
  }

  private void putEntry(ByteBuffer out, Stat n) {
    kernelInodes.entered(n.ino(), System.nanoTime());
    out.putLong(n.ino()).putLong(0).putLong(entrySec).putLong(attrSec).putInt(entryNsec).putInt(attrNsec);
    putAttr(out, n);
  }

  private void putAttrOut(ByteBuffer out, Stat n) {
    out.putLong(attrSec).putInt(attrNsec).putInt(0);
    putAttr(out, n);
  }

  private void putAttr(ByteBuffer out, Stat n) {
    // blocks count what is stored, not holes: cp and tar keep a file sparse by them
    out.putLong(n.ino()).putLong(n.size()).putLong((tree.allocatedBytes(n) + 511) / 512);
    out.putLong(Math.floorDiv(n.atimeNanos(), 1_000_000_000L));
    out.putLong(Math.floorDiv(n.mtimeNanos(), 1_000_000_000L));
    out.putLong(Math.floorDiv(n.ctimeNanos(), 1_000_000_000L));
    out.putInt((int) Math.floorMod(n.atimeNanos(), 1_000_000_000L));
    out.putInt((int) Math.floorMod(n.mtimeNanos(), 1_000_000_000L));
    out.putInt((int) Math.floorMod(n.ctimeNanos(), 1_000_000_000L));
    out.putInt(n.mode()).putInt(n.nlink()).putInt(n.uid()).putInt(n.gid()).putInt((int) n.rdev());
    // st_blksize, the I/O size tools choose by (cat, cp): one write request of max_write bytes
    // instead of eight of 128 KiB, each a round trip that the writer waits for
    out.putInt(settings.maxWrite()).putInt(0);
  }

  /** The index of the NUL that ends the string at {@code from}. */
  private static int nul(ByteBuffer in, int from, int len) throws IOException {
    for (int i = from; i < len; i++) {
      if (in.get(i) == 0) {
        return i;
      }
    }
    throw new IOException("a FUSE request's name is not NUL-terminated");
  }

  private static String decode(ByteBuffer in, int from, int to) {
    byte[] b = new byte[to - from];
    in.get(from, b, 0, b.length);
    return new String(b, StandardCharsets.UTF_8);
  }

  private static String string(ByteBuffer in, int from, int len) throws IOException {
    return decode(in, from, nul(in, from, len));
  }

  private static String name(int opcode) {
    return switch (opcode) {
      case LOOKUP -> "lookup";
      case GETATTR -> "getattr";
      case SETATTR -> "setattr";
      case READLINK -> "readlink";
      case SYMLINK -> "symlink";
      case MKNOD -> "mknod";
      case MKDIR -> "mkdir";
      case UNLINK -> "unlink";
      case RMDIR -> "rmdir";
      case RENAME, RENAME2 -> "rename";
      case LINK -> "link";
      case OPEN -> "open";
      case READ -> "read";
      case WRITE -> "write";
      case STATFS -> "statfs";
      case RELEASE -> "release";
      case FSYNC -> "fsync";
      case SETXATTR -> "setxattr";
      case GETXATTR -> "getxattr";
      case LISTXATTR -> "listxattr";
      case REMOVEXATTR -> "removexattr";
      case FLUSH -> "flush";
      case INIT -> "init";
      case OPENDIR -> "opendir";
      case READDIR -> "readdir";
      case READDIRPLUS -> "readdirplus";
      case RELEASEDIR -> "releasedir";
      case CREATE -> "create";
      case COPY_FILE_RANGE -> "copy_file_range";
      case FALLOCATE -> "fallocate";
      default -> "opcode " + opcode;
    };
  }
}

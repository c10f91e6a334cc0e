package io.chunkstore;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Who may open a store's files: its owner only (directories 0700, files 0600), or its owner and
 * one group (directories 2770, files 0660); never anyone else. The packs hold every file's
 * content, merely compressed, so whoever can read them can read everything in the store, whatever
 * modes the files have inside it.
 *
 * <p>A store's choice is its root directory's mode: a set-group-id root (2770) is shared with the
 * root's group, any other is private. Everything chunkstore creates in a store gets these modes
 * at once, whatever the umask. RocksDB creates its files with the process umask, which a Java
 * library cannot set: the 0700 (or 2770) directories keep them out of reach, and the store
 * gives them the right modes again when it opens and closes.
 */
public final class StorePermissions {
  private static final int SETGID = 02000;
  private static final Pattern SHELL_SAFE = Pattern.compile("[A-Za-z0-9_@%+=:,./-]+");

  /**
   * A path that lets in more users than its store allows.
   *
   * @param mode its permission bits (as {@code stat} gives them, without the file type)
   */
  public record Exposure(Path path, int mode, boolean directory) {
    /** The mode as {@code ls -l} shows it, e.g. {@code drwxr-xr-x}. */
    public String modeString() {
      return (directory ? "d" : "-") + rwx(mode);
    }
  }

  /** The group that shares the store; null for a private one. */
  private final GroupPrincipal group;

  private StorePermissions(GroupPrincipal group) {
    this.group = group;
  }

  /** A store only its owner can open. */
  public static StorePermissions ownerOnly() {
    return new StorePermissions(null);
  }

  /**
   * A store its owner and the members of {@code groupName} can open.
   *
   * @throws StoreException if there is no such group
   */
  public static StorePermissions sharedWith(String groupName) throws IOException {
    try {
      return new StorePermissions(
          FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByGroupName(groupName));
    } catch (UserPrincipalNotFoundException e) {
      throw new StoreException("there is no group named " + groupName + " on this machine", e);
    }
  }

  /** The permissions of the store whose root (or any directory in it) is {@code dir}. */
  public static StorePermissions of(Path dir) throws IOException {
    if ((mode(dir) & SETGID) != 0) {
      return new StorePermissions(
          Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS).group());
    }
    return ownerOnly();
  }

  /** The group that shares the store, if one does. */
  public Optional<String> group() {
    return group == null ? Optional.empty() : Optional.of(group.getName());
  }

  /** The mode of the store's directories: 0700, or 2770 when shared. */
  public int directoryMode() {
    return group == null ? 0700 : 02770;
  }

  /** The mode of the store's files: 0600, or 0660 when shared. */
  public int fileMode() {
    return group == null ? 0600 : 0660;
  }

  /** Permission bits that would let in someone the store does not allow. */
  private int forbidden() {
    return group == null ? 077 : 007;
  }

  /** Makes a directory with the store's mode and group. */
  public void createDirectory(Path dir) throws IOException {
    Files.createDirectory(dir, attribute(directoryMode()));
    apply(dir);
  }

  /** Makes an empty file with the store's mode and group unless {@code file} exists. */
  public void createFileIfMissing(Path file) throws IOException {
    if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try {
      Files.createFile(file, attribute(fileMode()));
    } catch (FileAlreadyExistsException raced) {
      return; // another process made it: its creator set the mode
    }
    apply(file);
  }

  /**
   * Gives a file or directory that chunkstore has just created the store's mode and group. The
   * mode given at creation is cut by the umask; this sets it exactly.
   */
  public void apply(Path p) throws IOException {
    if (group != null) {
      PosixFileAttributeView view = Files.getFileAttributeView(p, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
      if (!view.readAttributes().group().equals(group)) {
        view.setGroup(group); // before the mode: a chown may clear the set-group-id bit
      }
    }
    Files.setAttribute(p, "unix:mode", Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? directoryMode() : fileMode(),
        LinkOption.NOFOLLOW_LINKS);
  }

  /**
   * The paths under {@code root} (itself included) that let in more users than this store
   * allows, in walk order, at most {@code limit} of them. Paths it cannot read are left out.
   */
  public List<Exposure> check(Path root, int limit) throws IOException {
    return check(root, limit, true);
  }

  /**
   * As {@link #check(Path, int)}; without {@code packFiles}, the files in the fan-out directories
   * of {@code packs/} are left out. A store holds tens of thousands of them, and while those
   * directories are closed the files in them are out of reach whatever their modes.
   */
  private List<Exposure> check(Path root, int limit, boolean packFiles) throws IOException {
    List<Exposure> found = new ArrayList<>();
    Path packs = root.resolve("packs");
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
        FileVisitResult r = visit(dir, attrs);
        return r == FileVisitResult.CONTINUE && !packFiles && packs.equals(dir.getParent())
            ? FileVisitResult.SKIP_SUBTREE : r;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        return attrs.isSymbolicLink() ? FileVisitResult.CONTINUE : visit(file, attrs);
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) {
        return FileVisitResult.CONTINUE; // removed while we walked, or not ours to read
      }

      private FileVisitResult visit(Path p, BasicFileAttributes attrs) throws IOException {
        int mode = mode(p);
        if ((mode & forbidden()) != 0) {
          found.add(new Exposure(p, mode & 0777, attrs.isDirectory()));
        }
        return found.size() >= limit ? FileVisitResult.TERMINATE : FileVisitResult.CONTINUE;
      }
    });
    return found;
  }

  /**
   * One sentence saying that the store at {@code root} is open to users it should not be, and
   * the {@code chmod} that closes it; empty if it is not (or cannot be walked). Quick: it checks
   * every directory and every file but the packs in their closed directories.
   */
  public Optional<String> warning(Path root) {
    List<Exposure> open;
    try {
      open = check(root, 1, false);
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
    if (open.isEmpty()) {
      return Optional.empty();
    }
    Exposure e = open.get(0);
    String who = group == null ? "other users" : "users outside group " + group.getName();
    String chmod = "chmod -R " + (group == null ? "go-rwx " : "o-rwx ") + shellQuoted(root.toString());
    return Optional.of("the store at " + root + " is open to " + who + " (" + e.path() + " is " + e.modeString()
        + "); close it with: " + chmod);
  }

  /**
   * Gives every directory and file under {@code root} (itself included) the store's mode and
   * group, and returns how many it changed. Tries every path.
   *
   * @throws IOException naming the first path it could not change (another user's file, say)
   */
  public int fix(Path root) throws IOException {
    int[] changed = {0};
    List<IOException> failures = new ArrayList<>();
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
        visit(dir, attrs);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
        if (!attrs.isSymbolicLink()) {
          visit(file, attrs);
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) {
        if (!(e instanceof java.nio.file.NoSuchFileException)) {
          failures.add(e);
        }
        return FileVisitResult.CONTINUE;
      }

      private void visit(Path p, BasicFileAttributes attrs) {
        try {
          int want = attrs.isDirectory() ? directoryMode() : fileMode();
          Map<String, Object> now = Files.readAttributes(p, "unix:mode,group", LinkOption.NOFOLLOW_LINKS);
          boolean groupRight = group == null || group.equals(now.get("group"));
          if (((int) now.get("mode") & 07777) != want || !groupRight) {
            apply(p);
            changed[0]++;
          }
        } catch (java.nio.file.NoSuchFileException gone) {
          // removed while we walked
        } catch (IOException e) {
          failures.add(e);
        }
      }
    });
    if (!failures.isEmpty()) {
      IOException first = failures.get(0);
      throw new IOException("cannot fix the permissions of " + failures.size() + " path(s) under " + root
          + ", the first: " + first.getMessage(), first);
    }
    return changed[0];
  }

  private static int mode(Path p) throws IOException {
    return (int) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
  }

  private static FileAttribute<Set<PosixFilePermission>> attribute(int mode) {
    return PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(rwx(mode)));
  }

  /** The nine permission bits of {@code mode} as {@code ls} shows them: {@code rwxr-x---}. */
  private static String rwx(int mode) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < 9; i++) {
      s.append((mode & (0400 >> i)) != 0 ? "rwx".charAt(i % 3) : '-');
    }
    return s.toString();
  }

  private static String shellQuoted(String s) {
    return SHELL_SAFE.matcher(s).matches() ? s : "'" + s.replace("'", "'\\''") + "'";
  }
}

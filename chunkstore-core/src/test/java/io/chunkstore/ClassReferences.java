package io.chunkstore;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

/**
 * The {@code io.chunkstore} types that compiled classes refer to, read from their constant pools
 * (class entries, descriptors and generic signatures): what the JVM resolves when it links them,
 * so what a module's exports must allow.
 */
public final class ClassReferences {
  private static final Pattern TYPE = Pattern.compile("io/chunkstore/(?:[a-z0-9_]+/)*[A-Z][\\w$]*");

  private ClassReferences() {}

  /**
   * For every class under {@code classes} (a directory or a jar), the {@code io.chunkstore} types
   * it refers to, as binary names ({@code io.chunkstore.index.InodeRecord}).
   */
  public static Map<String, Set<String>> of(Path classes) throws IOException {
    Map<String, Set<String>> out = new TreeMap<>();
    if (Files.isDirectory(classes)) {
      try (Stream<Path> files = Files.walk(classes)) {
        for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".class"))::iterator) {
          try (InputStream in = Files.newInputStream(f)) {
            out.put(classes.relativize(f).toString(), referencedTypes(in));
          }
        }
      }
    } else {
      try (ZipFile jar = new ZipFile(classes.toFile())) {
        for (java.util.zip.ZipEntry e : java.util.Collections.list(jar.entries())) {
          if (e.getName().endsWith(".class") && !e.getName().startsWith("META-INF/")) {
            try (InputStream in = jar.getInputStream(e)) {
              out.put(e.getName(), referencedTypes(in));
            }
          }
        }
      }
    }
    out.remove("module-info.class");
    return out;
  }

  /** The {@code io.chunkstore} types named in one class file's constant pool. */
  public static Set<String> referencedTypes(InputStream classFile) throws IOException {
    DataInputStream in = new DataInputStream(classFile);
    if (in.readInt() != 0xCAFEBABE) {
      throw new IOException("not a class file");
    }
    in.readUnsignedShort(); // minor
    in.readUnsignedShort(); // major
    int count = in.readUnsignedShort();
    Set<String> types = new TreeSet<>();
    for (int i = 1; i < count; i++) {
      int tag = in.readUnsignedByte();
      switch (tag) {
        case 1 -> { // Utf8: class names, descriptors and signatures all live here
          Matcher m = TYPE.matcher(in.readUTF());
          while (m.find()) {
            types.add(m.group().replace('/', '.'));
          }
        }
        case 7, 8, 16, 19, 20 -> in.skipBytes(2); // Class, String, MethodType, Module, Package
        case 15 -> in.skipBytes(3); // MethodHandle
        case 3, 4, 9, 10, 11, 12, 17, 18 -> in.skipBytes(4); // Integer, Float, refs, NameAndType, (Invoke)Dynamic
        case 5, 6 -> { // Long, Double: two slots
          in.skipBytes(8);
          i++;
        }
        default -> throw new IOException("unknown constant pool tag " + tag);
      }
    }
    return types;
  }

  /** The package of a binary class name. */
  public static String packageOf(String type) {
    return type.substring(0, type.lastIndexOf('.'));
  }

  /** Where the class {@code c} was loaded from: a directory or a jar. */
  public static Path locationOf(Class<?> c) {
    try {
      return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** chunkstore-core's module descriptor, from the classes or jar this build made. */
  public static ModuleDescriptor coreModule() throws IOException {
    Path core = locationOf(ChunkStore.class);
    if (Files.isDirectory(core)) {
      try (InputStream in = Files.newInputStream(core.resolve("module-info.class"))) {
        return ModuleDescriptor.read(in);
      }
    }
    try (ZipFile jar = new ZipFile(core.toFile()); InputStream in = jar.getInputStream(jar.getEntry("module-info.class"))) {
      return ModuleDescriptor.read(in);
    }
  }

  /** The packages of chunkstore-core that the module {@code reader} may use: the API and what is exported to it. */
  public static Set<String> packagesExportedTo(ModuleDescriptor core, String reader) {
    Set<String> out = new TreeSet<>();
    for (ModuleDescriptor.Exports e : core.exports()) {
      if (!e.isQualified() || e.targets().contains(reader)) {
        out.add(e.source());
      }
    }
    return out;
  }
}

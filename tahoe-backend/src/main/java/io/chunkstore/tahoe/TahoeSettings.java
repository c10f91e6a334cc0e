package io.chunkstore.tahoe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chunkstore.StoreException;
import java.io.IOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A store's connection to its grid, in {@code STORE/backend.json} (mode 0600): the client node's
 * URL and the cap of the store's directory. Not part of the store's format (the same store can be
 * reached through another node), and secret: the directory cap gives full access to every pack.
 *
 * @param nodeUrl the client node's web API, such as {@code http://127.0.0.1:3456}
 * @param dircap the write cap of the store's directory on the grid
 */
record TahoeSettings(URI nodeUrl, String dircap) {
  static final String FILE = "backend.json";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  @Override
  public String toString() {
    return "TahoeSettings[nodeUrl=" + nodeUrl + ", dircap=(secret)]";
  }

  static TahoeSettings read(Path storeRoot) throws IOException {
    Path f = storeRoot.resolve(FILE);
    JsonNode json;
    try {
      json = JSON.readTree(Files.readAllBytes(f));
    } catch (NoSuchFileException e) {
      throw new StoreException("the store at " + storeRoot + " keeps its packs on Tahoe-LAFS, but its connection"
          + " settings (" + f + ") are missing");
    } catch (IOException e) {
      throw new StoreException(f + " is damaged: it is not JSON", e);
    }
    String url = json.path("nodeUrl").asText("");
    String cap = json.path("dircap").asText("");
    if (url.isEmpty() || !cap.startsWith("URI:DIR2:")) {
      throw new StoreException(f + " is damaged: it needs a nodeUrl and a dircap (URI:DIR2:...)");
    }
    try {
      return new TahoeSettings(TahoeClient.parseNodeUrl(url), cap);
    } catch (IllegalArgumentException e) {
      throw new StoreException(f + ": " + e.getMessage(), e);
    }
  }

  /** Writes the settings durably, readable by the owner only. */
  void write(Path storeRoot) throws IOException {
    ObjectNode json = JSON.createObjectNode();
    json.put("nodeUrl", nodeUrl.toString());
    json.put("dircap", dircap);
    Path f = storeRoot.resolve(FILE);
    Path tmp = storeRoot.resolve(FILE + ".tmp");
    Files.deleteIfExists(tmp);
    Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.write(tmp, JSON.writeValueAsBytes(json));
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    try (FileChannel d = FileChannel.open(storeRoot, StandardOpenOption.READ)) {
      d.force(true);
    }
  }
}

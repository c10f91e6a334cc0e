package io.chunkstore.cli;

/** Entry point of the chunkstore launcher. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.err.println("chunkstore: not built yet");
    System.exit(1);
  }
}

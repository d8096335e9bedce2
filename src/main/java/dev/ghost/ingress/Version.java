package dev.ghost.ingress;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The build's version and git commit, from {@code ghost-build.properties} (written by the build: the Maven project
 * version, and {@code git rev-parse} of the work tree, "unknown" when built outside one). Without that resource
 * (classes compiled by something else than Maven) the version is the jar manifest's, else "dev".
 */
public final class Version {

  private static final Properties BUILD = load();

  private Version() {}

  /** The project version, e.g. {@code 0.1.0-SNAPSHOT}. */
  public static String current() {
    String v = BUILD.getProperty("version");
    if (v != null) {
      return v;
    }
    v = Version.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  /** The abbreviated git commit the build was made from, or "unknown". */
  public static String commit() {
    return BUILD.getProperty("commit", "unknown");
  }

  private static Properties load() {
    Properties p = new Properties();
    try (InputStream in = Version.class.getResourceAsStream("/ghost-build.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException unreadable) {
      // a jar that cannot read its own resource: report what the manifest says, and an unknown commit
    }
    return p;
  }
}

package dev.ghost.ingress.admin;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.CopyOptions;
import io.vertx.core.file.FileSystemException;
import io.vertx.core.json.JsonObject;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The admin drain state on disk, beside the state file, so drains and undrains outlive a restart of the whole
 * fleet (a node that restarts alone gets them back from the others' broadcasts anyway). The content is the
 * broadcast form ({@code {"node_id", "entries": [...]}}), merged at start like a message from another node, so the
 * newest stamp still wins. Written whole to a temporary file and renamed; a missing file is an empty state, an
 * unreadable one is logged by the caller and ignored.
 */
final class DrainsFile {

  private final Vertx vertx;
  private final Path path;

  DrainsFile(Vertx vertx, Path path) {
    this.vertx = vertx;
    this.path = path;
  }

  /** {@code /dir/ingress-state.json} → {@code /dir/ingress-state-drains.json}: one per node, even in a shared dir. */
  static Path beside(String stateFile) {
    Path state = Path.of(stateFile);
    String name = state.getFileName().toString();
    String stem = name.endsWith(".json") ? name.substring(0, name.length() - ".json".length()) : name;
    return state.resolveSibling(stem + "-drains.json");
  }

  Path path() {
    return path;
  }

  /** The saved state; an empty object when there is no file yet. Fails when the file cannot be read or parsed. */
  Future<JsonObject> read() {
    return vertx.fileSystem().readFile(path.toString())
        .map(Buffer::toJsonObject)
        .recover(err -> missing(err) ? Future.succeededFuture(new JsonObject()) : Future.failedFuture(err));
  }

  /** Replaces the file atomically with {@code state}. */
  Future<Void> write(JsonObject state) {
    String tmp = path + ".tmp";
    return vertx.fileSystem().writeFile(tmp, Buffer.buffer(state.encode()))
        .compose(v -> vertx.fileSystem().move(tmp, path.toString(),
            new CopyOptions().setReplaceExisting(true).setAtomicMove(true)));
  }

  private static boolean missing(Throwable err) {
    return err instanceof FileSystemException && err.getCause() instanceof NoSuchFileException;
  }
}

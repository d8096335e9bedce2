package dev.ghost.ingress.sync;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;

/**
 * Reads a control-plane response body into memory, never more than a cap: a body that announces a larger
 * {@code Content-Length}, or grows past the cap while it arrives, fails with {@link SyncFailure#BODY_TOO_LARGE} and
 * its connection is closed at once, so whatever the control plane sends, the node holds at most the cap per
 * request. Must be called in the callback that receives the response, before any of its bytes are delivered.
 */
final class ResponseBody {

  private ResponseBody() {}

  static Future<Buffer> read(HttpClientResponse resp, int max, String requestId) {
    Promise<Buffer> done = Promise.promise();
    String announced = resp.getHeader("content-length");
    if (announced != null && announcedOver(announced, max)) {
      fail(resp, done, max, requestId);
      return done.future();
    }
    Buffer body = Buffer.buffer();
    resp.handler(chunk -> {
      if (done.future().isComplete()) {
        return; // already refused; the connection is closing
      }
      if ((long) body.length() + chunk.length() > max) {
        fail(resp, done, max, requestId);
        return;
      }
      body.appendBuffer(chunk);
    });
    resp.exceptionHandler(err -> done.tryFail(ControlPlaneClient.classify(err, requestId)));
    resp.endHandler(v -> done.tryComplete(body));
    return done.future();
  }

  private static boolean announcedOver(String contentLength, int max) {
    try {
      return Long.parseLong(contentLength.trim()) > max;
    } catch (NumberFormatException e) {
      return false; // a garbled length is the HTTP codec's business; the running count still caps the body
    }
  }

  private static void fail(HttpClientResponse resp, Promise<Buffer> done, int max, String requestId) {
    if (done.tryFail(new SyncException(SyncFailure.BODY_TOO_LARGE, "response body over " + max + " bytes", true,
        requestId))) {
      // Closing the connection is the only way to stop the bytes: the rest of the body is never read
      resp.request().connection().close();
    }
  }
}

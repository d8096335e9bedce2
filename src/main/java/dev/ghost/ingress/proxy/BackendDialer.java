package dev.ghost.ingress.proxy;

import dev.ghost.ingress.route.Backend;
import io.netty.channel.Channel;
import io.netty.channel.IoEventLoop;
import java.util.function.BiConsumer;

/**
 * What a {@link ProxyConnection} needs to reach a backend: a connected socket of the kind its relay takes, on the
 * client's own event loop. {@link Dialer} is the one implementation that dials; tests hand out channels of their own.
 */
interface BackendDialer {

  /**
   * Connects to {@code backend} from {@code client}'s event loop with a channel of the client's type; {@code done}
   * gets the channel (reads off, half closure on, {@link Dialer#PLACEHOLDER} in its pipeline) or the cause, on that
   * loop.
   */
  void dial(Backend backend, Channel client, int timeoutMs, boolean keepAlive, BiConsumer<Channel, Throwable> done);

  /**
   * Connects to {@code backend} from the client's event loop {@code loop} (native epoll) with a bare descriptor for the
   * splice relay; {@code done} gets the socket or the cause, on that loop.
   */
  void dialSocket(Backend backend, IoEventLoop loop, int timeoutMs, boolean keepAlive,
      BiConsumer<BackendSocket, Throwable> done);
}

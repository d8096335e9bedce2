package dev.ghost.ingress.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A plain blocking TCP backend on loopback port 0: every accepted socket is handed to a {@link Handler} on its own
 * thread. Closing stops accepting and closes every socket still open. Ready-made handlers: echo, capture (record
 * every byte and the EOF), banner (server speaks first).
 */
public final class RawServer implements AutoCloseable {

  /** What a backend does with one accepted connection; runs on its own thread. */
  @FunctionalInterface
  public interface Handler {
    void handle(Socket socket) throws Exception;
  }

  private final ServerSocket server;
  private final String host;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final List<Recorded> recorded = new CopyOnWriteArrayList<>();
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "raw-backend");
    t.setDaemon(true);
    return t;
  });

  private RawServer(ServerSocket server, String host) {
    this.server = server;
    this.host = host;
  }

  /** Listens on {@code host} port 0 and runs {@code handler} for each connection. */
  public static RawServer start(String host, Handler handler) throws IOException {
    return start(host, 0, handler);
  }

  /** Listens on {@code host:port} (0 for any) and runs {@code handler} for each connection. */
  public static RawServer start(String host, int port, Handler handler) throws IOException {
    ServerSocket ss = new ServerSocket();
    ss.setReuseAddress(true);
    // room for a thousand connections arriving at once (SpliceRelayIT), so none waits for a SYN retransmit
    ss.bind(new InetSocketAddress(InetAddress.getByName(host), port), 1024);
    RawServer server = new RawServer(ss, host);
    server.threads.execute(() -> server.acceptLoop(handler));
    return server;
  }

  /** Echoes every byte and, after the client's FIN, sends its own FIN. */
  public static RawServer echo(String host) throws IOException {
    return echo(host, 0);
  }

  /** {@link #echo(String)} on a given port. */
  public static RawServer echo(String host, int port) throws IOException {
    return start(host, port, s -> {
      InputStream in = s.getInputStream();
      byte[] buf = new byte[64 * 1024];
      int n;
      while ((n = in.read(buf)) >= 0) {
        s.getOutputStream().write(buf, 0, n);
      }
      s.shutdownOutput();
    });
  }

  /** Records every byte of each connection until EOF (see {@link #connections()}); never writes. */
  public static RawServer capture(String host) throws IOException {
    RawServer[] self = new RawServer[1];
    self[0] = start(host, s -> self[0].record(s).readToEof());
    return self[0];
  }

  /** Writes {@code banner} on accept before reading, then records what the client sends. */
  public static RawServer banner(String host, byte[] banner) throws IOException {
    RawServer[] self = new RawServer[1];
    self[0] = start(host, s -> {
      Recorded r = self[0].record(s);
      s.getOutputStream().write(banner);
      s.getOutputStream().flush();
      r.readToEof();
    });
    return self[0];
  }

  private void acceptLoop(Handler handler) {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        sockets.add(s);
        threads.execute(() -> {
          try {
            handler.handle(s);
          } catch (Exception ignored) {
            // the test asserts on what the client and the recordings saw
          }
        });
      } catch (IOException e) {
        return;
      }
    }
  }

  /** A port that refuses connections: bound once, then closed. */
  public static int refusedPort(String host) throws IOException {
    try (ServerSocket ss = new ServerSocket()) {
      ss.bind(new InetSocketAddress(InetAddress.getByName(host), 0));
      return ss.getLocalPort();
    }
  }

  /** Starts recording {@code socket}; the handler then reads with {@link Recorded#readToEof()}. */
  public Recorded record(Socket socket) {
    Recorded r = new Recorded(socket);
    recorded.add(r);
    return r;
  }

  public int port() {
    return server.getLocalPort();
  }

  /** {@code host:port} as a route backend. */
  public String backend() {
    return TestNode.hostPort(host, port());
  }

  /** Connections accepted so far. */
  public int accepted() {
    return sockets.size();
  }

  /** Recorded connections, in accept order. */
  public List<Recorded> connections() {
    return recorded;
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    for (Socket s : sockets) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
    threads.shutdownNow();
  }

  /** One recorded backend connection: the bytes received so far and whether EOF was seen. */
  public static final class Recorded {
    private final Socket socket;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private volatile boolean eof;

    Recorded(Socket socket) {
      this.socket = socket;
    }

    public Socket socket() {
      return socket;
    }

    /** Reads until EOF or an error, recording every byte. */
    public void readToEof() throws IOException {
      InputStream in = socket.getInputStream();
      byte[] buf = new byte[16 * 1024];
      int n;
      try {
        while ((n = in.read(buf)) >= 0) {
          synchronized (bytes) {
            bytes.write(buf, 0, n);
          }
        }
        eof = true;
      } catch (IOException e) {
        // a reset is not an EOF
      }
    }

    public byte[] bytes() {
      synchronized (bytes) {
        return bytes.toByteArray();
      }
    }

    public int size() {
      synchronized (bytes) {
        return bytes.size();
      }
    }

    /** True once the peer's FIN was read. */
    public boolean eof() {
      return eof;
    }
  }
}

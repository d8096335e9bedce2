package dev.ghost.ingress.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ConnectTimeoutException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;

class TcpProberTest {

  @Test
  void classifiesConnectFailures() {
    // Netty's timeout is a ConnectException too: it must not count as refused
    assertThat(TcpProber.classify(new ConnectTimeoutException("connection timed out"))).isEqualTo(ProbeResult.TIMEOUT);
    assertThat(TcpProber.classify(new ConnectException("Connection refused"))).isEqualTo(ProbeResult.REFUSED);
    assertThat(TcpProber.classify(new NoRouteToHostException())).isEqualTo(ProbeResult.ERROR);
    assertThat(TcpProber.classify(new UnknownHostException("backend.invalid"))).isEqualTo(ProbeResult.ERROR);
  }
}

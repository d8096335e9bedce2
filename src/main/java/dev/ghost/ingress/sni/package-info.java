/**
 * SNI sniffing for {@code tls_passthrough}: pure functions from the bytes a client sent to an
 * {@link dev.ghost.ingress.sni.SniResult}. No sockets, no Vert.x, no Netty; the caller owns buffering, the
 * sniff timeout and what each outcome means for the connection.
 *
 * <p>Entry point: {@link dev.ghost.ingress.sni.ClientHelloParser#parse(byte[], int, int)}. Host name rules:
 * {@link dev.ghost.ingress.sni.SniHostName#normalize(String)}.
 */
package dev.ghost.ingress.sni;

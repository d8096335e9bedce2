package dev.ghost.ingress.sync;

import dev.ghost.ingress.route.Backend;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A real journal for the fuzzer: a base (the state file test's sample) and records of four changes of every kind
 * (a route created with its backends, one updated, one deleted, an env's IPv4), as its writer encodes them, and the
 * states each prefix of it must read back as. {@link #damaged} cuts, overwrites, drops, repeats or swaps its bytes
 * and lines the way a crash, a disk or a faulty writer could.
 */
final class JournalSample {

  static final Instant AT = Instant.parse("2025-12-20T10:00:00Z");
  /** The base as read from its file. */
  static final StateFile.Loaded.Ok BASE;
  static final byte[] HEADER;
  /** The header, then one line per change. */
  static final byte[] JOURNAL;
  /** The states the base and each prefix of records read back as: index = records applied. */
  static final List<ControlPlaneState> WRITTEN = new ArrayList<>();

  static {
    ControlPlaneState base = StateFileTest.sample();
    BASE = (StateFile.Loaded.Ok) StateFile.parse(StateFile.toJson(base, AT).encode()
        .getBytes(StandardCharsets.UTF_8));
    StateJournal.Line header = StateJournal.header(base, AT);
    HEADER = header.bytes();
    List<ControlPlaneState> states = new ArrayList<>(List.of(base));
    ControlPlaneState s = base;
    s = s.apply(List.of(ControlPlaneStateTest.created(60, "rt_f", "f.example.com"))).next()
        .withBackends("rt_f", List.of(new Backend("fd00::f", 9443)));
    states.add(s);
    s = s.apply(List.of(new CpEvent.RouteUpdated(61, "rt_f", new RoutePatch(null, 8444, null, null, null, null))))
        .next();
    states.add(s);
    s = s.apply(List.of(new CpEvent.EnvIpv4Enabled(62, "env_1", "app_1", "203.0.113.9"))).next();
    states.add(s);
    s = s.apply(List.of(new CpEvent.RouteDeleted(63, "rt_f"))).next();
    states.add(s);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(HEADER);
    int chain = header.chain();
    for (int i = 1; i < states.size(); i++) {
      StateJournal.Line record = StateJournal.record(StateDelta.diff(states.get(i - 1), states.get(i)),
          states.get(i).contentHash(), AT.plusSeconds(i), chain);
      out.writeBytes(record.bytes());
      chain = record.chain();
    }
    JOURNAL = out.toByteArray();
    for (ControlPlaneState state : states) {
      WRITTEN.add(((StateFile.Loaded.Ok) StateFile.parse(StateFile.toJson(state, AT).encode()
          .getBytes(StandardCharsets.UTF_8))).state());
    }
  }

  private JournalSample() {}

  /** {@code journal} damaged one to three times. */
  static byte[] damaged(Random r, byte[] journal) {
    byte[] out = journal.clone();
    for (int i = 0, n = 1 + r.nextInt(3); i < n; i++) {
      out = damage(r, out);
    }
    return out;
  }

  private static byte[] damage(Random r, byte[] j) {
    if (j.length == 0) {
      return j;
    }
    switch (r.nextInt(5)) {
      case 0: // a crash mid-append
        return java.util.Arrays.copyOf(j, r.nextInt(j.length + 1));
      case 1: { // a byte overwritten
        byte[] out = j.clone();
        out[r.nextInt(out.length)] = (byte) r.nextInt(256);
        return out;
      }
      case 2: { // a run of bytes overwritten with a character JSON holds
        byte[] out = j.clone();
        int at = r.nextInt(out.length);
        String chars = "0123456789\",:{}[]ab\n";
        byte c = (byte) chars.charAt(r.nextInt(chars.length()));
        for (int k = at; k < Math.min(out.length, at + 1 + r.nextInt(8)); k++) {
          out[k] = c;
        }
        return out;
      }
      default: { // whole lines dropped, repeated or swapped
        List<String> lines = new ArrayList<>(List.of(new String(j, StandardCharsets.ISO_8859_1).split("\n", -1)));
        int a = r.nextInt(lines.size());
        int b = r.nextInt(lines.size());
        switch (r.nextInt(3)) {
          case 0 -> lines.remove(a);
          case 1 -> lines.add(a, lines.get(b));
          default -> java.util.Collections.swap(lines, a, b);
        }
        return String.join("\n", lines).getBytes(StandardCharsets.ISO_8859_1);
      }
    }
  }
}

package dev.ghost.ingress.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.ghost.ingress.testing.FuzzValues;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Fuzzes what the control plane and the disk hand the sync: event feed items and stream lines (both payload
 * encodings), instance pages, and the state file, each as arbitrary JSON built from the contract's own field names
 * (so the decoders get past their first checks) and as real documents with a random part replaced. The decoders
 * answer with their typed results (a rejected event, a corrupt state file, an {@link IllegalArgumentException} for
 * a body that is not a page) and never throw anything else. The state file's journal, as arbitrary bytes and as a
 * real journal cut, overwritten or with lines dropped, repeated or swapped ({@link JournalSample}), replays to a
 * state its writer wrote: the base or the state after one of its records, never another. Tries and generation as in
 * {@code ClientHelloParserFuzzTest}.
 */
class SyncInputFuzzTest {

  /** The contract's field names and values, so generated documents look like the real thing. */
  private static final List<String> KEYS = List.of("event_id", "event_type", "seq", "type", "payload", "app_id",
      "env_id", "route_id", "id", "hostname", "listen_port", "protocol", "protocol_hint", "proxy_protocol",
      "backend_process_type", "backend_port", "backend_expects_proxy_protocol", "ipv4_required", "env_ipv4_address",
      "ipv4_address", "status", "overlay_ipv6", "items", "next_cursor", "format", "cursor", "routes", "backends",
      "written_at", "env_ipv4", "deleted_routes", "applied_event_ids", "field_versions", "env_event_ids",
      "created_event_id", "enabled_event_id", "routeId", "listenPort", "backendPort", "x");
  private static final List<Object> VALUES = List.of("route.created", "route.updated", "route.deleted",
      "env.ipv4_addon_enabled", "env.ipv4_addon_disabled", "instance.status_changed", "tls_passthrough", "tcp_raw",
      "TLS_PASSTHROUGH", "v2", "off", "ready", "READY", "draining", "shop.example.com", "203.0.113.7",
      "fd5a:1:2:1::7/128", "::ffff:10.0.0.1/128", "not an address", "", "rt_1", "env_1", "app_1", "web",
      "ghost-ingress-state/1", 0, 1, -1, 443, 65536, Long.MAX_VALUE, 1.5, true, false);
  private static final List<Long> EDGE_LONGS = List.of(0L, -1L, 1L, (long) Integer.MAX_VALUE,
      Integer.MAX_VALUE + 1L, (long) Integer.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE);
  private static final List<Double> EDGE_DOUBLES = List.of(0.0, -0.0, Double.NaN, Double.POSITIVE_INFINITY,
      Double.NEGATIVE_INFINITY, Double.MIN_VALUE, Double.MAX_VALUE, 1e300);

  @Property
  void feedItemsDecodeOrAreRejected(@ForAll("objects") JsonObject item) {
    assertThat(EventDecoder.fromFeedItem(item)).isNotNull();
  }

  @Property
  void streamLinesDecodeOrAreRejected(@ForAll("objects") JsonObject line) {
    assertThat(EventDecoder.fromStreamLine(line)).isNotNull();
  }

  @Property
  void mutatedRealEventsDecodeOrAreRejected(@ForAll("mutatedEvents") JsonObject item) {
    assertThat(EventDecoder.fromFeedItem(item)).isNotNull();
    assertThat(EventDecoder.fromStreamLine(item)).isNotNull();
  }

  @Property
  void instancePagesParseOrAreRefusedAsNotAPage(@ForAll("pages") JsonObject body) {
    Throwable t = catchThrowable(() -> InstancePage.parse(body));
    if (t != null) {
      assertThat(t).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Property
  void stateFileJsonLoadsOrIsCorrupt(@ForAll("mutatedStates") JsonObject json) {
    assertThat(StateFile.fromJson(json)).isNotNull();
  }

  @Property
  void stateFileBytesLoadOrAreCorrupt(@ForAll("bytes") byte[] bytes) {
    assertThat(StateFile.parse(bytes)).isNotNull();
  }

  @Property
  void mutatedStateFileTextLoadsOrIsCorrupt(@ForAll("mutatedStates") JsonObject json, @ForAll("cuts") int cut) {
    byte[] text = json.encode().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    // a truncated write, as a crash mid-write would leave without the rename
    assertThat(StateFile.parse(java.util.Arrays.copyOf(text, Math.floorMod(cut, text.length + 1)))).isNotNull();
  }

  @Property
  void theStreamedStateFileDecodesOnlyWhatTheTreeDecodesAndAlike(@ForAll("mutatedStates") JsonObject json) {
    byte[] text = json.encodePrettily().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    StateFile.Loaded tree = StateFile.parseTree(text);
    StateFile.Loaded streamed = StateFileStream.read(text);
    if (streamed != null) {
      assertThat(tree).isEqualTo(streamed);
    }
    assertThat(StateFile.parse(text)).isEqualTo(tree);
  }

  @Property
  void journalBytesReplayToTheBaseOrStop(@ForAll("bytes") byte[] bytes, @ForAll boolean afterAHeader) {
    byte[] journal = afterAHeader ? concat(JournalSample.HEADER, bytes) : bytes;
    StateFile.Loaded.Ok ok = StateJournal.replay(journal, JournalSample.BASE);
    assertThat(ok.state()).isEqualTo(JournalSample.BASE.state());
    assertThat(ok.journal().records()).isZero();
  }

  @Property
  void aDamagedJournalServesAStateItsWriterWrote(@ForAll("damagedJournals") byte[] journal) {
    StateFile.Loaded.Ok ok = StateJournal.replay(journal, JournalSample.BASE);
    assertThat(JournalSample.WRITTEN).contains(ok.state());
    assertThat(ok.state()).isEqualTo(JournalSample.WRITTEN.get(ok.journal().records()));
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Provide
  Arbitrary<byte[]> damagedJournals() {
    return FuzzValues.from(r -> JournalSample.damaged(r, JournalSample.JOURNAL));
  }

  @Provide
  Arbitrary<JsonObject> objects() {
    return FuzzValues.from(r -> object(r, 3));
  }

  @Provide
  Arbitrary<JsonObject> pages() {
    return FuzzValues.from(r -> {
      JsonObject page = object(r, 1);
      if (r.nextInt(10) != 0) {
        JsonArray items = new JsonArray();
        for (int i = 0, n = r.nextInt(7); i < n; i++) {
          items.add(r.nextBoolean() ? object(r, 2) : value(r, 1));
        }
        page.put("items", items);
      }
      return page.put("next_cursor", r.nextInt(5) == 0 ? null : value(r, 1));
    });
  }

  @Provide
  Arbitrary<JsonObject> mutatedEvents() {
    List<JsonObject> real = new ArrayList<>();
    JsonArray contract = new JsonObject(EventDecoderTest.CONTRACT_PAGE).getJsonArray("items");
    contract.forEach(o -> real.add((JsonObject) o));
    real.add(EventDecoderTest.item(7, "route.created", EventDecoderTest.legacyCreated("rt_L")));
    return mutated(real);
  }

  @Provide
  Arbitrary<JsonObject> mutatedStates() {
    return mutated(List.of(StateFile.toJson(StateFileTest.sample(), Instant.EPOCH)));
  }

  @Provide
  Arbitrary<byte[]> bytes() {
    return FuzzValues.bytes(2048);
  }

  @Provide
  Arbitrary<Integer> cuts() {
    return FuzzValues.from(Random::nextInt);
  }

  /** A real document with one to three values, anywhere in it, replaced by arbitrary JSON. */
  private Arbitrary<JsonObject> mutated(List<JsonObject> real) {
    return FuzzValues.from(r -> {
      JsonObject copy = FuzzValues.pick(r, real).copy();
      for (int i = 0, n = 1 + r.nextInt(3); i < n; i++) {
        new Replacement(r.nextInt(10_001), value(r, 2)).applyTo(copy);
      }
      return copy;
    });
  }

  /**
   * Replaces the {@code index}-th value met walking the document (modulo their count) with {@code value}. Counts,
   * then walks to it: no list of every slot (that walk was a tenth of this class's time at a million tries).
   */
  private record Replacement(int index, Object value) {
    void applyTo(JsonObject doc) {
      int slots = count(doc);
      if (slots > 0) {
        replace(doc, new int[] {index % slots});
      }
    }

    private static int count(Object node) {
      int n = 0;
      if (node instanceof JsonObject o) {
        for (String key : o.fieldNames()) {
          n += 1 + count(o.getValue(key));
        }
      } else if (node instanceof JsonArray a) {
        for (int i = 0; i < a.size(); i++) {
          n += 1 + count(a.getValue(i));
        }
      }
      return n;
    }

    /** Walks in {@link #count}'s order, replacing the slot {@code left[0]} counts down to; true once done. */
    private boolean replace(Object node, int[] left) {
      if (node instanceof JsonObject o) {
        for (String key : o.fieldNames()) {
          if (left[0]-- == 0) {
            o.put(key, value); // an existing key: no structural change under the iteration, which ends here
            return true;
          }
          if (replace(o.getValue(key), left)) {
            return true;
          }
        }
      } else if (node instanceof JsonArray a) {
        for (int i = 0; i < a.size(); i++) {
          if (left[0]-- == 0) {
            a.set(i, value);
            return true;
          }
          if (replace(a.getValue(i), left)) {
            return true;
          }
        }
      }
      return false;
    }
  }

  /** Up to eight fields, named from the contract or at random, with values up to {@code depth} deep. */
  private static JsonObject object(Random r, int depth) {
    JsonObject o = new JsonObject();
    for (int i = 0, n = r.nextInt(9); i < n; i++) {
      o.put(r.nextBoolean() ? FuzzValues.pick(r, KEYS) : FuzzValues.string(r, 8), value(r, depth - 1));
    }
    return o;
  }

  /** A contract value, a string, a long, a double (NaN and infinities too), null, or below depth 1 a container. */
  private static Object value(Random r, int depth) {
    return switch (r.nextInt(depth > 0 ? 7 : 5)) {
      case 0 -> FuzzValues.pick(r, VALUES);
      case 1 -> FuzzValues.string(r, 40);
      case 2 -> r.nextInt(4) == 0 ? FuzzValues.pick(r, EDGE_LONGS) : r.nextLong();
      case 3 -> r.nextInt(4) == 0 ? FuzzValues.pick(r, EDGE_DOUBLES) : r.nextDouble() * r.nextLong();
      case 4 -> null;
      case 5 -> object(r, depth);
      default -> {
        JsonArray a = new JsonArray();
        for (int i = 0, n = r.nextInt(5); i < n; i++) {
          a.add(value(r, depth - 1));
        }
        yield a;
      }
    };
  }
}

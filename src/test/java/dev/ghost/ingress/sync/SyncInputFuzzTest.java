package dev.ghost.ingress.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * Fuzzes what the control plane and the disk hand the sync: event feed items and stream lines (both payload
 * encodings), instance pages, and the state file, each as arbitrary JSON built from the contract's own field names
 * (so the decoders get past their first checks) and as real documents with a random part replaced. The decoders
 * answer with their typed results (a rejected event, a corrupt state file, an {@link IllegalArgumentException} for
 * a body that is not a page) and never throw anything else. Tries as in {@code ClientHelloParserFuzzTest}.
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
  void stateFileBytesLoadOrAreCorrupt(@ForAll @Size(max = 2048) byte[] bytes) {
    assertThat(StateFile.parse(bytes)).isNotNull();
  }

  @Property
  void mutatedStateFileTextLoadsOrIsCorrupt(@ForAll("mutatedStates") JsonObject json, @ForAll int cut) {
    byte[] text = json.encode().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    // a truncated write, as a crash mid-write would leave without the rename
    assertThat(StateFile.parse(java.util.Arrays.copyOf(text, Math.floorMod(cut, text.length + 1)))).isNotNull();
  }

  @Provide
  Arbitrary<JsonObject> objects() {
    return object(3);
  }

  @Provide
  Arbitrary<JsonObject> pages() {
    Arbitrary<JsonObject> instance = object(2);
    Arbitrary<JsonArray> items = Arbitraries.oneOf(instance, value(1)).list().ofMaxSize(6).map(JsonArray::new);
    return Combinators.combine(items.injectNull(0.1), value(1).injectNull(0.2), object(1))
        .as((list, next, extra) -> {
          JsonObject page = extra.copy();
          if (list != null) {
            page.put("items", list);
          }
          return page.put("next_cursor", next);
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

  /** A real document with one to three values, anywhere in it, replaced by arbitrary JSON. */
  private Arbitrary<JsonObject> mutated(List<JsonObject> real) {
    Arbitrary<Replacement> replacement = Combinators.combine(Arbitraries.integers().between(0, 10_000), value(2))
        .as(Replacement::new);
    return Combinators.combine(Arbitraries.of(real), replacement.list().ofMinSize(1).ofMaxSize(3))
        .as((doc, changes) -> {
          JsonObject copy = doc.copy();
          changes.forEach(c -> c.applyTo(copy));
          return copy;
        });
  }

  /** Replaces the {@code index}-th value met walking the document (modulo their count) with {@code value}. */
  private record Replacement(int index, Object value) {
    void applyTo(JsonObject doc) {
      List<Runnable> slots = new ArrayList<>();
      collect(doc, slots);
      if (!slots.isEmpty()) {
        slots.get(index % slots.size()).run();
      }
    }

    private void collect(Object node, List<Runnable> slots) {
      if (node instanceof JsonObject o) {
        for (String key : new ArrayList<>(o.fieldNames())) {
          slots.add(() -> o.put(key, value));
          collect(o.getValue(key), slots);
        }
      } else if (node instanceof JsonArray a) {
        for (int i = 0; i < a.size(); i++) {
          int at = i;
          slots.add(() -> a.set(at, value));
          collect(a.getValue(i), slots);
        }
      }
    }
  }

  private static Arbitrary<JsonObject> object(int depth) {
    return Combinators.combine(Arbitraries.oneOf(Arbitraries.of(KEYS), Arbitraries.strings().ofMaxLength(8)),
        value(depth - 1)).as(java.util.AbstractMap.SimpleEntry<String, Object>::new).list().ofMaxSize(8).map(entries -> {
          JsonObject o = new JsonObject();
          entries.forEach(e -> o.put(e.getKey(), e.getValue()));
          return o;
        });
  }

  private static Arbitrary<Object> value(int depth) {
    List<Arbitrary<?>> choices = new ArrayList<>(List.of(
        Arbitraries.of(VALUES),
        Arbitraries.strings().ofMaxLength(40),
        Arbitraries.longs(),
        Arbitraries.doubles(),
        Arbitraries.just(null)));
    if (depth > 0) {
      choices.add(Arbitraries.lazy(() -> object(depth)));
      choices.add(Arbitraries.lazy(() -> value(depth - 1).list().ofMaxSize(4).map(JsonArray::new)));
    }
    return Arbitraries.oneOf(choices);
  }
}

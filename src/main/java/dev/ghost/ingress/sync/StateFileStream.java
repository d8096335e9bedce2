package dev.ghost.ingress.sync;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.ghost.ingress.route.Backend;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The state file decoded as it is read, one route at a time, for the start from the state file: the whole file as
 * one JSON tree (55 MB of text at 100 000 routes, several times that as maps) took most of that start and its peak
 * heap. Each route and backend set goes through the same checks as {@link StateFile#fromJson} ({@link
 * StateFile.Parts}).
 *
 * <p>Only a well-formed file of this format is decoded here: anything else (not JSON, truncated, another format, a
 * key twice, a wrong type, an inconsistent state) gives null, and the caller decodes the file as a tree, which
 * says what is wrong. So this path decides nothing the tree path would decide differently.
 */
final class StateFileStream {

  /** Field names are not interned: the backend sets are keyed by 100 000 route ids read once. */
  private static final JsonFactory JSON = JsonFactory.builder().disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
      .build();

  private StateFileStream() {}

  /** The decoded state, or null when the tree decoder has to say what is wrong. Never throws. */
  static StateFile.Loaded.Ok read(InputStream in) {
    try (JsonParser p = JSON.createParser(in)) {
      return read(p);
    } catch (IOException | StateFile.Bad | IllegalArgumentException | NullPointerException | ClassCastException
        | DateTimeParseException e) {
      return null;
    }
  }

  /** Like {@link #read(InputStream)}, from the file's bytes. */
  static StateFile.Loaded.Ok read(byte[] bytes) {
    try (JsonParser p = JSON.createParser(bytes)) {
      return read(p);
    } catch (IOException | StateFile.Bad | IllegalArgumentException | NullPointerException | ClassCastException
        | DateTimeParseException e) {
      return null;
    }
  }

  private static StateFile.Loaded.Ok read(JsonParser p) throws IOException {
    if (p.nextToken() != JsonToken.START_OBJECT) {
      return null;
    }
    StateFile.Parts parts = new StateFile.Parts();
    JsonObject head = new JsonObject();
    Set<String> seen = new HashSet<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      if (!seen.add(name)) {
        return null; // the tree keeps the last of the two; not worth copying
      }
      p.nextToken();
      boolean ok = switch (name) {
        case "routes" -> routes(p, parts);
        case "backends" -> backends(p, parts);
        default -> {
          head.put(name, value(p));
          yield true;
        }
      };
      if (!ok) {
        return null;
      }
    }
    if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null
        || !StateFile.FORMAT.equals(head.getValue("format")) || !seen.contains("routes")
        || !seen.contains("backends")) {
      return null;
    }
    parts.head(head);
    return parts.finish(head);
  }

  /** {@code routes}: an array of route objects, each decoded as soon as it is read. */
  private static boolean routes(JsonParser p, StateFile.Parts parts) throws IOException {
    if (p.currentToken() != JsonToken.START_ARRAY) {
      return false;
    }
    while (p.nextToken() == JsonToken.START_OBJECT) {
      parts.route(object(p));
    }
    return p.currentToken() == JsonToken.END_ARRAY;
  }

  /** {@code backends}: route id to an array of address strings. */
  private static boolean backends(JsonParser p, StateFile.Parts parts) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      return false;
    }
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String id = p.currentName();
      if (p.nextToken() != JsonToken.START_ARRAY) {
        return false;
      }
      List<Backend> set = new ArrayList<>(2);
      while (p.nextToken() == JsonToken.VALUE_STRING) {
        set.add(parts.dedup.backend(p.getText()));
      }
      if (p.currentToken() != JsonToken.END_ARRAY) {
        return false;
      }
      parts.backends(id, set);
    }
    return true;
  }

  /** The value at the current token, as the tree decoder would hold it. */
  private static Object value(JsonParser p) throws IOException {
    return switch (p.currentToken()) {
      case START_OBJECT -> object(p);
      case START_ARRAY -> array(p);
      case VALUE_STRING -> p.getText();
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> p.getNumberValue();
      case VALUE_TRUE -> Boolean.TRUE;
      case VALUE_FALSE -> Boolean.FALSE;
      case VALUE_NULL -> null;
      default -> throw new StateFile.Bad("unexpected " + p.currentToken());
    };
  }

  private static JsonObject object(JsonParser p) throws IOException {
    JsonObject o = new JsonObject();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      p.nextToken();
      o.put(name, value(p));
    }
    return o;
  }

  private static JsonArray array(JsonParser p) throws IOException {
    JsonArray a = new JsonArray();
    while (p.nextToken() != JsonToken.END_ARRAY) {
      a.add(value(p));
    }
    return a;
  }
}

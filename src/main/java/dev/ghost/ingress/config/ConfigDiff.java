package dev.ghost.ingress.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a re-read configuration changes against the one in force (pure). Each setting says when it takes effect
 * ({@link Settings#applied}): a live change is applied, a restart-only change is reported and not applied
 * ({@link #effective()} keeps the value in force for it). The static environments and routes are live.
 *
 * @param effective   the configuration to put in force: {@code next}, with every restart-only value kept
 * @param changed     keys applied by this reload (dotted TOML keys, or {@code env} / {@code route} for the static
 *                    tables), in settings order
 * @param restartOnly restart-only keys whose new value is ignored until the node restarts
 */
public record ConfigDiff(IngressConfig effective, List<String> changed, List<String> restartOnly) {

  public ConfigDiff {
    changed = List.copyOf(changed);
    restartOnly = List.copyOf(restartOnly);
  }

  /** True when the reload changes something in force. */
  public boolean applies() {
    return !changed.isEmpty();
  }

  /** Compares {@code next} (freshly read and validated) with {@code current} (in force). */
  public static ConfigDiff of(IngressConfig current, IngressConfig next) {
    List<String> changed = new ArrayList<>();
    List<String> restartOnly = new ArrayList<>();
    for (Settings s : Settings.values()) {
      if (!Objects.equals(s.valueIn(current), s.valueIn(next))) {
        (s.applied() == Settings.Applied.LIVE ? changed : restartOnly).add(s.key());
      }
    }
    if (!current.envs().equals(next.envs())) {
      changed.add("env");
    }
    if (!current.routes().equals(next.routes())) {
      changed.add("route");
    }
    return new ConfigDiff(next.keepingRestartOnly(current), changed, restartOnly);
  }
}

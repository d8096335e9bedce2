package dev.ghost.ingress.observe;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;
import java.util.Map;

/**
 * Gives every meter declared in {@link MetricNames} its HELP text, whichever code registers it: a registry filter,
 * so no registration site repeats (or forgets) a description. A description set at registration is kept.
 */
public final class HelpText implements MeterFilter {

  private final Map<String, String> help;

  /** The texts of {@link MetricNames#help()}. */
  public HelpText() {
    this(MetricNames.help());
  }

  HelpText(Map<String, String> help) {
    this.help = help;
  }

  @Override
  public Meter.Id map(Meter.Id id) {
    String text = help.get(id.getName());
    if (text == null || id.getDescription() != null) {
      return id;
    }
    return new Meter.Id(id.getName(), Tags.of(id.getTags()), id.getBaseUnit(), text, id.getType());
  }
}

package dev.ghost.ingress.observe;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.config.MeterFilterReply;
import java.lang.management.ManagementFactory;

/**
 * Brings the two standard meters whose Micrometer names break the Prometheus naming rules ({@code promtool check
 * metrics}) into line: {@code process_cpu_time_ns_total} (a non-base unit) is replaced by the usual
 * {@code process_cpu_seconds_total}, and {@code system_cpu_count} (a {@code _count} suffix outside a histogram) is
 * shown as {@code system_cpu_available_processors}.
 */
public final class PrometheusConventions implements MeterFilter {

  static final String MICROMETER_CPU_TIME = "process.cpu.time";
  static final String MICROMETER_CPU_COUNT = "system.cpu.count";
  /** Shown as {@code system_cpu_available_processors}. */
  public static final String CPU_COUNT = "system.cpu.available_processors";
  /** Shown as {@code process_cpu_seconds_total}. */
  public static final String CPU_SECONDS = "process.cpu";

  @Override
  public MeterFilterReply accept(Meter.Id id) {
    return MICROMETER_CPU_TIME.equals(id.getName()) ? MeterFilterReply.DENY : MeterFilterReply.NEUTRAL;
  }

  @Override
  public Meter.Id map(Meter.Id id) {
    return MICROMETER_CPU_COUNT.equals(id.getName()) ? id.withName(CPU_COUNT) : id;
  }

  /** Registers {@code process_cpu_seconds_total} where the JVM reports the process's CPU time. */
  public static void bindProcessCpu(MeterRegistry registry) {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
        && os.getProcessCpuTime() >= 0) {
      FunctionCounter.builder(CPU_SECONDS, os, o -> o.getProcessCpuTime() / 1e9).baseUnit("seconds")
          .description("The CPU time used by the JVM process.").register(registry);
    }
  }
}

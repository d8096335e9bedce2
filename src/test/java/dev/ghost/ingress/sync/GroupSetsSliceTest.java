package dev.ghost.ingress.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The periodic refresh in slices: every group in exactly one slice, so a whole period asks each group once, and
 * at 1 000 groups no slice asks for much more than its share (a burst of all groups at once is what it replaces).
 */
class GroupSetsSliceTest {

  @Test
  void aPeriodIsCutIntoSlicesOfAtLeastHalfASecond() {
    assertThat(GroupSets.slices(5_000)).isEqualTo(10);
    assertThat(GroupSets.slices(60_000)).isEqualTo(GroupSets.MAX_SLICES);
    assertThat(GroupSets.slices(1_000)).isEqualTo(2);
    assertThat(GroupSets.slices(200)).as("a short period stays one refresh of everything").isEqualTo(1);
  }

  @Test
  void everyGroupIsAskedExactlyOncePerPeriodAndNoSliceIsABurstOfThemAll() {
    Map<InstanceGroup, List<CpRoute>> byGroup = new HashMap<>();
    for (int i = 0; i < 1_000; i++) {
      byGroup.put(new InstanceGroup("app_" + i, "env_" + i, "web"), List.of());
    }
    int slices = GroupSets.slices(5_000);
    Set<InstanceGroup> seen = new HashSet<>();
    int largest = 0;
    for (int s = 0; s < slices; s++) {
      Map<InstanceGroup, List<CpRoute>> slice = GroupSets.slice(byGroup, s, slices);
      for (InstanceGroup g : slice.keySet()) {
        assertThat(seen.add(g)).as(g + " in two slices").isTrue();
      }
      largest = Math.max(largest, slice.size());
    }
    assertThat(seen).isEqualTo(byGroup.keySet());
    assertThat(largest).as("largest slice of 1 000 groups in " + slices).isLessThan(2 * 1_000 / slices);
  }
}

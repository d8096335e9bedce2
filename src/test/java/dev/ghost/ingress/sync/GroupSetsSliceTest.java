package dev.ghost.ingress.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The periodic refresh in slices: every group in exactly one slice, so a round asks each group once; no slice is a
 * burst of them all; and no slice asks more than {@value GroupSets#MAX_GROUPS_PER_SLICE} groups, however many
 * there are (the round lasts longer instead).
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
  void aRoundHasTheSlicesOfAPeriodUntilTheyWouldAskTooManyGroups() {
    int k = GroupSets.MAX_GROUPS_PER_SLICE;
    assertThat(GroupSets.slicesPerRound(0, 10)).isEqualTo(10);
    assertThat(GroupSets.slicesPerRound(10 * k, 10)).as("every group once per period").isEqualTo(10);
    assertThat(GroupSets.slicesPerRound(10 * k + 1, 10)).isEqualTo(11);
    assertThat(GroupSets.slicesPerRound(1_000, 10)).isEqualTo(Math.max(10, 1_000 / k));
    assertThat(GroupSets.slicesPerRound(1_000, 1)).isEqualTo(1_000 / k);
  }

  @Test
  void everyGroupIsAskedExactlyOncePerRoundAndNoSliceAsksMoreThanTheBound() {
    for (int n : new int[] {7, 100, 1_000, 10_001}) {
      Map<InstanceGroup, List<CpRoute>> byGroup = groups(n);
      int slices = GroupSets.slicesPerRound(n, GroupSets.slices(5_000));
      List<Map<InstanceGroup, List<CpRoute>>> round = GroupSets.partition(byGroup, slices);
      Set<InstanceGroup> seen = new HashSet<>();
      int largest = 0;
      int smallest = Integer.MAX_VALUE;
      for (Map<InstanceGroup, List<CpRoute>> slice : round) {
        for (InstanceGroup g : slice.keySet()) {
          assertThat(seen.add(g)).as(g + " in two slices").isTrue();
          assertThat(slice.get(g)).isSameAs(byGroup.get(g));
        }
        largest = Math.max(largest, slice.size());
        smallest = Math.min(smallest, slice.size());
      }
      assertThat(round).hasSize(slices);
      assertThat(seen).isEqualTo(byGroup.keySet());
      assertThat(largest).as("largest slice of %d groups", n).isLessThanOrEqualTo(GroupSets.MAX_GROUPS_PER_SLICE);
      assertThat(largest - smallest).as("slices of %d groups are even", n).isLessThanOrEqualTo(1);
    }
  }

  @Test
  void aGroupKeepsItsSliceWhenTheGroupsAreTheSame() {
    Map<InstanceGroup, List<CpRoute>> byGroup = groups(1_000);
    int slices = GroupSets.slicesPerRound(1_000, 10);
    assertThat(GroupSets.partition(new HashMap<>(byGroup), slices))
        .isEqualTo(GroupSets.partition(byGroup, slices));
  }

  static Map<InstanceGroup, List<CpRoute>> groups(int n) {
    Map<InstanceGroup, List<CpRoute>> byGroup = new HashMap<>();
    for (int i = 0; i < n; i++) {
      byGroup.put(new InstanceGroup("app_" + i, "env_" + i, "web"), new ArrayList<>());
    }
    return byGroup;
  }
}

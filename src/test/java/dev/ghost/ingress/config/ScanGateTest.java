package dev.ghost.ingress.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link ScanGate}: the two-identical-scans rule, fed with sequences of scan results. */
class ScanGateTest {

  /** Feeds every scan; returns what was acted on, in order. */
  private static List<String> feed(ScanGate<String> gate, String... scans) {
    List<String> acted = new ArrayList<>();
    for (String s : scans) {
      String due = gate.offer(s);
      if (due != null) {
        acted.add(due);
      }
    }
    return acted;
  }

  @Test
  void actsOnTheSecondIdenticalScanOnly() {
    assertThat(feed(new ScanGate<>(), "A", "A", "A", "A")).containsExactly("A");
  }

  @Test
  void aChangeAppliesAfterTwoIdenticalReads() {
    assertThat(feed(new ScanGate<>(), "A", "A", "B", "B", "B")).containsExactly("A", "B");
  }

  @Test
  void aHalfWrittenFileSeenOnceNeverApplies() {
    assertThat(feed(new ScanGate<>(), "A", "A", "half", "B", "B")).containsExactly("A", "B");
  }

  @Test
  void aFileStillBeingWrittenAppliesOnlyWhenItSettles() {
    assertThat(feed(new ScanGate<>(), "A", "A", "h1", "h2", "h3", "full", "full")).containsExactly("A", "full");
  }

  @Test
  void aSteadyFailureIsReportedOnceAndEditingBackAppliesAgain() {
    assertThat(feed(new ScanGate<>(), "A", "A", "bad", "bad", "bad", "bad", "A", "A", "A"))
        .containsExactly("A", "bad", "A");
  }

  @Test
  void flappingBetweenTwoContentsNeverApplies() {
    assertThat(feed(new ScanGate<>(), "A", "A", "B", "A", "B", "A")).containsExactly("A");
  }

  @Test
  void anExplicitReloadSettlesSoScansDoNotActAgain() {
    ScanGate<String> gate = new ScanGate<>();
    feed(gate, "A", "A");
    gate.settle("B");
    assertThat(feed(gate, "B", "B", "B")).isEmpty();
    assertThat(feed(gate, "C", "C")).containsExactly("C");
  }

  @Test
  void goingBackToTheSettledContentAfterOneOddScanDoesNothing() {
    assertThat(feed(new ScanGate<>(), "A", "A", "B", "A", "A")).containsExactly("A");
  }
}

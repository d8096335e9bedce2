package dev.ghost.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every document that code, tests, configuration, scripts and docs cite exists in this repository: a
 * reader of the repository can open whatever a comment points to. Fails with one {@code file:line: reference} per
 * dangling reference ({@link DocReferences} says what is scanned and how names resolve).
 */
class DocReferencesTest {

  /** Markdown file names written in this test, built at run time so this file cites nothing itself. */
  private static final String GONE = "gone" + ".md";
  private static final String NOTES = "notes" + ".md";

  @Test
  void everyCitedDocumentExistsInTheRepository() {
    List<String> dangling = DocReferences.dangling(Path.of(""));

    assertThat(dangling).as("references to documents this repository does not contain").isEmpty();
  }

  @Test
  void reportsEachDanglingNameAndLinkWithItsFileAndLine(@TempDir Path repo) throws IOException {
    write(repo, "docs/" + NOTES, "# Notes\n\nSee [the guide](guide/setup" + ".md#start) and [notes](" + NOTES
        + ").\n[site](https://example.com/" + GONE + ") and [top](#notes)\n```\n# Fenced\n```\n"
        + "[fenced](#fenced) [nowhere](#nowhere)\n");
    write(repo, "src/main/java/A.java", "// fine: docs/" + NOTES + " and " + NOTES + "\n// dangling: " + GONE
        + "\n// generated: $OUT/" + GONE + "\n");
    write(repo, "bench/run.py", "# bench/out/x/" + GONE + " is written by a run\n");
    write(repo, ".gitignore", "target/\nbench/out/\n");
    write(repo, "bench/out/x/" + GONE, "an output of a run, not part of the repository\n");
    write(repo, "target/classes/" + GONE, "build output\n");

    List<String> dangling = DocReferences.dangling(repo);

    assertThat(dangling).containsExactly(
        "src/main/java/A.java:2: " + GONE,
        "docs/" + NOTES + ":3: (guide/setup" + ".md#start)",
        "docs/" + NOTES + ":8: (#fenced)",
        "docs/" + NOTES + ":8: (#nowhere)",
        "bench/run.py:1: bench/out/x/" + GONE);
  }

  @Test
  void resolvesLinksNamesAndHeadingAnchors(@TempDir Path repo) throws IOException {
    write(repo, "docs/guide/setup" + ".md", "# Setup\n\nBack to [notes](../" + NOTES + "#notes).\n"
        + "## Scale bench (`bench/scale.py`, issue 11)\n## Setup\n<a name=\"legacy\"></a>\n");
    write(repo, "docs/" + NOTES, "# Notes\n[setup](guide/setup" + ".md) [root](/README" + ".md)\n"
        + "[scale](guide/setup" + ".md#scale-bench-benchscalepy-issue-11) [again](guide/setup" + ".md#setup-1) "
        + "[old](guide/setup" + ".md#legacy)\n");
    write(repo, "README" + ".md", "See docs/guide/setup" + ".md, guide/setup" + ".md and setup" + ".md.\n");

    assertThat(DocReferences.dangling(repo)).isEmpty();
  }

  private static void write(Path root, String path, String text) throws IOException {
    Path file = root.resolve(path);
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
  }
}

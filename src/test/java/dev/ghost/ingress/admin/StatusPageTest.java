package dev.ghost.ingress.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The status page's files as shipped: all three load, each with its validator, and their source keeps the two
 * promises the browser test checks on one page load only: nothing inline that the page's Content-Security-Policy
 * would block, and no API that parses a string as HTML or code (the script renders every value as text).
 */
class StatusPageTest {

  private final Map<String, StatusPage.Asset> assets = StatusPage.load().assets().stream()
      .collect(Collectors.toMap(StatusPage.Asset::path, Function.identity()));

  private String text(String path) {
    return assets.get(path).body().toString();
  }

  @Test
  void theThreeFilesLoadWithTheirTypesAndValidators() {
    assertThat(assets.keySet()).containsExactlyInAnyOrder("/", "/status.js", "/status.css");
    assertThat(assets.get("/").contentType()).startsWith("text/html");
    assertThat(assets.get("/status.js").contentType()).startsWith("text/javascript");
    assertThat(assets.get("/status.css").contentType()).startsWith("text/css");
    assertThat(assets.values()).allSatisfy(a -> {
      assertThat(a.body().length()).isPositive();
      assertThat(a.etag()).matches("\"[0-9a-f]{24}\"");
    });
    assertThat(assets.values().stream().map(StatusPage.Asset::etag).distinct()).hasSize(3);
    assertThat(StatusPage.load().assets().get(0).etag()).as("stable across loads").isEqualTo(assets.get("/").etag());
  }

  @Test
  void theHtmlHasNoInlineScriptOrStyle() {
    String html = text("/");
    assertThat(Pattern.compile("<script(?![^>]*\\ssrc=)", Pattern.CASE_INSENSITIVE).matcher(html).find())
        .as("every script element has a src").isFalse();
    assertThat(html).doesNotContainIgnoringCase("<style").doesNotContainIgnoringCase(" style=")
        .doesNotContainIgnoringCase("javascript:");
    assertThat(Pattern.compile("\\son[a-z]+=", Pattern.CASE_INSENSITIVE).matcher(html).find())
        .as("no inline event handler").isFalse();
    assertThat(html).contains("<script src=\"/status.js\"", "<link rel=\"stylesheet\" href=\"/status.css\">");
  }

  @Test
  void theScriptUsesNoHtmlOrCodeParsingSink() {
    String js = text("/status.js");
    for (String sink : List.of("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
        "new Function", "createContextualFragment", "DOMParser", "srcdoc", ".href", ".style")) {
      assertThat(js).as("status.js uses " + sink).doesNotContain(sink);
    }
    assertThat(js).contains("createElement", "replaceChildren");
  }
}

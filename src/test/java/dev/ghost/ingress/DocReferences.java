package dev.ghost.ingress;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds references to documents that do not exist in a repository: every Markdown file name written in a scanned file
 * (such as {@code docs/behaviour.md} in a comment), and in Markdown files the target of every link {@code [text](path)}.
 *
 * <p>Resolution. A link target is relative to the file that holds it (or to the root when it starts with {@code /});
 * links with a scheme ({@code https:}, {@code mailto:}) are not checked. An anchor ({@code #section}, alone or after
 * a Markdown file) must be one of that file's headings ({@link #anchorsOf}). A file name with a directory resolves against the root, {@code docs/} or the citing file's
 * directory; a bare file name resolves when a file of that name exists anywhere in the repository. Directories the
 * {@code .gitignore} lists (build output, bench results) are not part of the repository. A name right after
 * {@code $} or <code>}</code> is a path built from a shell variable (an output file), not a reference.
 */
final class DocReferences {

  /** The directories and top-level files scanned, relative to the root; {@code *} is one path segment. */
  static final List<String> SCANNED = List.of("src/main/java", "src/test/java", "docs", "bench/*.md", "bench/*.py",
      "conf", "cluster", "README.md");

  private static final Pattern MD_NAME = Pattern.compile("[A-Za-z0-9_./-]+\\.md(?![A-Za-z0-9_])");
  private static final Pattern LINK = Pattern.compile("\\[[^\\]\\n]*]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");
  private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:");
  private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.*?)(?:\\s+#+)?\\s*$");
  private static final Pattern EXPLICIT_ANCHOR = Pattern.compile("<a\\s+(?:name|id)=\"([^\"]+)\"");

  private final Path root;
  /** Ignored directory names (at any depth) and ignored directories (one place), from {@code .gitignore}. */
  private final Set<String> ignoredNames = new HashSet<>();
  private final Set<Path> ignoredPaths = new HashSet<>();
  private final Set<String> fileNames = new HashSet<>();
  private final Map<Path, Set<String>> anchors = new HashMap<>();

  private DocReferences(Path root) {
    this.root = root.toAbsolutePath().normalize();
    readGitignore();
    files(this.root).forEach(p -> fileNames.add(p.getFileName().toString()));
  }

  /** Every dangling reference under {@code root}, as {@code file:line: reference}, in scan order. */
  static List<String> dangling(Path root) {
    return new DocReferences(root).scan();
  }

  private List<String> scan() {
    List<String> out = new ArrayList<>();
    for (String entry : SCANNED) {
      scanned(entry).forEach(file -> check(file, out));
    }
    return out;
  }

  private List<Path> scanned(String entry) {
    int star = entry.indexOf('*');
    if (star < 0) {
      Path p = root.resolve(entry);
      return Files.isDirectory(p) ? files(p) : Files.isRegularFile(p) ? List.of(p) : List.of();
    }
    Path dir = root.resolve(entry.substring(0, star));
    String suffix = entry.substring(star + 1);
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> list = Files.list(dir)) {
      return list.filter(Files::isRegularFile).filter(p -> p.getFileName().toString().endsWith(suffix)).sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void check(Path file, List<String> out) {
    List<String> lines = read(file);
    boolean markdown = file.getFileName().toString().endsWith(".md");
    String where = root.relativize(file).toString().replace('\\', '/');
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      // In Markdown a link's target is checked as a link; a name inside it is not checked again as a name
      boolean[] inLink = new boolean[line.length()];
      Matcher links = LINK.matcher(line);
      while (markdown && links.find()) {
        Arrays.fill(inLink, links.start(1), links.end(1), true);
        if (!linkExists(file, links.group(1))) {
          out.add(where + ":" + (i + 1) + ": (" + links.group(1) + ")");
        }
      }
      Matcher names = MD_NAME.matcher(line);
      while (names.find()) {
        char before = names.start() == 0 ? ' ' : line.charAt(names.start() - 1);
        if (!inLink[names.start()] && before != '$' && before != '}' && !names.group().startsWith("//")
            && !nameExists(file, names.group())) {
          out.add(where + ":" + (i + 1) + ": " + names.group());
        }
      }
    }
  }

  private boolean nameExists(Path citing, String name) {
    String path = name.startsWith("./") ? name.substring(2) : name;
    if (!path.contains("/")) {
      return fileNames.contains(path);
    }
    return exists(root.resolve(path)) || exists(root.resolve("docs").resolve(path))
        || exists(citing.getParent().resolve(path));
  }

  private boolean linkExists(Path citing, String target) {
    if (SCHEME.matcher(target).find()) {
      return true;
    }
    int hash = target.indexOf('#');
    String path = hash < 0 ? target : target.substring(0, hash);
    Path file = path.isEmpty() ? citing
        : path.startsWith("/") ? root.resolve(path.substring(1)) : citing.getParent().resolve(path);
    if (!exists(file)) {
      return false;
    }
    String anchor = hash < 0 ? "" : target.substring(hash + 1);
    return anchor.isEmpty() || !file.toString().endsWith(".md")
        || anchors.computeIfAbsent(file.toAbsolutePath().normalize(), DocReferences::anchorsOf).contains(anchor);
  }

  /**
   * The anchors a Markdown file offers: GitHub's slug of each heading outside code fences (lower case, punctuation
   * dropped, spaces to hyphens, {@code -1}, {@code -2} for repeats), and explicit {@code <a name>}/{@code id} anchors.
   */
  static Set<String> anchorsOf(Path file) {
    Set<String> out = new HashSet<>();
    Map<String, Integer> seen = new HashMap<>();
    boolean fenced = false;
    for (String line : read(file)) {
      String trimmed = line.trim();
      if (trimmed.startsWith("```") || trimmed.startsWith("~~~")) {
        fenced = !fenced;
        continue;
      }
      Matcher explicit = EXPLICIT_ANCHOR.matcher(line);
      while (explicit.find()) {
        out.add(explicit.group(1));
      }
      Matcher heading = HEADING.matcher(line);
      if (!fenced && heading.matches()) {
        String slug = slug(heading.group(1));
        int n = seen.merge(slug, 1, Integer::sum);
        out.add(n == 1 ? slug : slug + "-" + (n - 1));
      }
    }
    return out;
  }

  /** GitHub's heading slug. */
  static String slug(String heading) {
    return heading.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N}\\p{M}\\p{Pc} -]", "").replace(' ', '-');
  }

  private boolean exists(Path p) {
    Path n = p.toAbsolutePath().normalize();
    return n.startsWith(root) && !ignored(n) && Files.exists(n);
  }

  private boolean ignored(Path p) {
    if (ignoredPaths.stream().anyMatch(p::startsWith)) {
      return true;
    }
    for (Path segment : root.relativize(p)) {
      if (ignoredNames.contains(segment.toString())) {
        return true;
      }
    }
    return false;
  }

  /** Every regular file under {@code dir}, not descending into {@code .git} or ignored directories, sorted. */
  private List<Path> files(Path dir) {
    List<Path> out = new ArrayList<>();
    try {
      Files.walkFileTree(dir, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
          return d.getFileName().toString().equals(".git") || ignored(d) ? FileVisitResult.SKIP_SUBTREE
              : FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
          if (attrs.isRegularFile() && !f.getFileName().toString().equals(".git")) {
            out.add(f);
          }
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.sort(null);
    return out;
  }

  /**
   * The directories {@code .gitignore} names without a wildcard ({@code target/}, {@code bench/out/}): a name alone
   * matches at any depth, a path from the root only there.
   */
  private void readGitignore() {
    Path gitignore = root.resolve(".gitignore");
    if (!Files.isRegularFile(gitignore)) {
      return;
    }
    for (String raw : read(gitignore)) {
      String line = raw.trim();
      if (line.isEmpty() || line.startsWith("#") || !line.endsWith("/") || line.contains("*")) {
        continue;
      }
      String dir = line.substring(line.startsWith("/") ? 1 : 0, line.length() - 1);
      if (dir.contains("/")) {
        ignoredPaths.add(root.resolve(dir));
      } else {
        ignoredNames.add(dir);
      }
    }
  }

  private static List<String> read(Path file) {
    try {
      return new String(Files.readAllBytes(file), StandardCharsets.UTF_8).lines().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

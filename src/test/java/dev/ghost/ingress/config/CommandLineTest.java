package dev.ghost.ingress.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class CommandLineTest {

  @Test
  void configInBothSpellings() {
    assertThat(CommandLine.parse("--config", "conf/dev.toml")).isEqualTo(new CommandLine.Run(Path.of("conf/dev.toml")));
    assertThat(CommandLine.parse("--config=conf/dev.toml")).isEqualTo(new CommandLine.Run(Path.of("conf/dev.toml")));
  }

  @Test
  void noArgumentsRunsTheEmbeddedDefault() {
    CommandLine.Run run = (CommandLine.Run) CommandLine.parse();
    assertThat(run.embeddedDefault()).isTrue();
  }

  @Test
  void helpAndVersion() {
    assertThat(CommandLine.parse("--help")).isInstanceOf(CommandLine.Help.class);
    assertThat(CommandLine.parse("-h")).isInstanceOf(CommandLine.Help.class);
    assertThat(CommandLine.parse("--config", "x.toml", "--help")).isInstanceOf(CommandLine.Help.class);
    assertThat(CommandLine.parse("--version")).isInstanceOf(CommandLine.Version.class);
  }

  @Test
  void firstNonOptionArgumentIsASubcommandWithItsOwnArguments() {
    assertThat(CommandLine.parse("admin", "drain", "--token", "x"))
        .isEqualTo(new CommandLine.Subcommand("admin", List.of("drain", "--token", "x")));
    assertThat(CommandLine.parse("workload")).isEqualTo(new CommandLine.Subcommand("workload", List.of()));
  }

  @Test
  void badFlagsAreOneLineUsageErrors() {
    assertThatThrownBy(() -> CommandLine.parse("--confg", "x.toml"))
        .isInstanceOf(UsageException.class).hasMessage("unknown option '--confg' (try --help)");
    assertThatThrownBy(() -> CommandLine.parse("--config"))
        .isInstanceOf(UsageException.class).hasMessage("option --config needs a FILE");
    assertThatThrownBy(() -> CommandLine.parse("--config="))
        .isInstanceOf(UsageException.class).hasMessage("option --config needs a FILE");
    assertThatThrownBy(() -> CommandLine.parse("--config", "--help"))
        .isInstanceOf(UsageException.class).hasMessage("option --config needs a FILE");
    assertThatThrownBy(() -> CommandLine.parse("--config", "a.toml", "--config=b.toml"))
        .isInstanceOf(UsageException.class).hasMessage("option --config given twice");
    assertThatThrownBy(() -> CommandLine.parse("--config", "a.toml", "stray"))
        .isInstanceOf(UsageException.class).hasMessage("unexpected argument 'stray' (try --help)");
  }
}

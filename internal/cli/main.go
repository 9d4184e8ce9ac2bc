// Package cli is the triage command line: the cobra commands, the mapping of
// errors to exit codes, and the wiring of workspaces, providers and the
// pipeline. Only Main decides an exit code.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/triage-dev/triage/internal/buildinfo"
	"github.com/triage-dev/triage/internal/config"
	"github.com/triage-dev/triage/internal/workspace"
)

// Exit codes.
const (
	ExitOK        = 0
	ExitError     = 1
	ExitUsage     = 2
	ExitPartial   = 3
	ExitConfig    = 4
	ExitInterrupt = 130
)

// IO is what a command reads and writes. Packages below the CLI never touch
// os.Stdout or os.Stderr; commands write the answer to Out and everything
// else to Err.
type IO struct {
	Out    io.Writer
	Err    io.Writer
	OutTTY bool // Out is a terminal: print tables for people
	ErrTTY bool // Err is a terminal: print progress
	Now    func() time.Time
	// ConfigOptions says where configuration is looked for, given --config.
	ConfigOptions func(path string) config.LoadOptions
}

// Main runs the command line with the process's arguments and streams and
// returns the exit code.
func Main() int {
	// SIGTERM too: a stopped server still closes its workspaces (the demo's
	// private copy is removed).
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s := &IO{
		Out: os.Stdout, Err: os.Stderr,
		OutTTY: isTerminal(os.Stdout), ErrTTY: isTerminal(os.Stderr),
		Now: time.Now, ConfigOptions: config.SystemLoadOptions,
	}
	return Run(ctx, s, os.Args[1:])
}

// Run runs the command line with args and returns the exit code.
func Run(ctx context.Context, s *IO, args []string) int {
	root := NewRootCmd(s)
	root.SetArgs(args)
	root.SetOut(s.Out)
	root.SetErr(s.Err)
	cmd, err := root.ExecuteContextC(ctx)
	code := exitCode(ctx, err)
	if err != nil && !errors.Is(err, errSilent) {
		fmt.Fprintln(s.Err, "triage:", err)
		var fe *FlagError
		if errors.As(err, &fe) {
			if cmd == nil {
				cmd = root
			}
			fmt.Fprintf(s.Err, "Usage: %s\nRun '%s --help' for usage.\n", cmd.UseLine(), cmd.CommandPath())
		}
	}
	return code
}

// FlagError is a usage error: a bad flag or argument.
type FlagError struct{ Err error }

func (e *FlagError) Error() string { return e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }

// ConfigError is a configuration or authentication error.
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// errSilent marks an exit code whose reason was already reported.
var errSilent = errors.New("silent")

// errPartial reports that the answer was printed but is incomplete.
var errPartial = fmt.Errorf("%w: partial result", errSilent)

func exitCode(ctx context.Context, err error) int {
	var fe *FlagError
	var ce *ConfigError
	switch {
	case err == nil:
		return ExitOK
	case ctx.Err() != nil:
		return ExitInterrupt
	case errors.Is(err, errPartial):
		return ExitPartial
	case errors.As(err, &fe):
		return ExitUsage
	case errors.As(err, &ce), errors.Is(err, workspace.ErrUnauthorized):
		return ExitConfig
	}
	return ExitError
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// NewRootCmd returns the root command with every subcommand.
func NewRootCmd(s *IO) *cobra.Command {
	opts := &globalOptions{}
	root := &cobra.Command{
		Use:   "triage",
		Short: "Guided triage of security incidents",
		Long: `Guided triage of Microsoft Sentinel incidents: the incident's alerts and
entities, its entity graph, a threat-intel verdict that shows its working,
and the other alerts that share its entities.

With no configuration, every command runs on the built-in demo workspace.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       buildinfo.String(),
	}
	root.SetVersionTemplate("triage {{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &FlagError{err} })
	root.PersistentFlags().StringVar(&opts.config, "config", "", "configuration file (default: $TRIAGE_CONFIG, ./triage.yaml, then the user config dir)")
	root.PersistentFlags().VarP(workspacesValue{&opts.workspace, &opts.workspaces}, "workspace", "w", "workspace to use: a configured name, a workspace file's path, or a name import -w made (default: the configured default, else demo); watch takes several")
	root.PersistentFlags().StringVar(&opts.queries, "queries", "", "directory of your own named queries (YAML), added to the built-in ones")
	root.PersistentFlags().IntVar(&opts.demoScale, "demo-scale", 1, "size multiplier of the demo workspace's logs")
	root.AddCommand(
		newIncidentsCmd(s, opts),
		newShowCmd(s, opts),
		newRunCmd(s, opts),
		newHistoryCmd(s, opts),
		newQueueCmd(s, opts),
		newImportCmd(s, opts),
		newConfigCmd(s, opts),
		newLookupCmd(s, opts),
		newProvidersCmd(s, opts),
		newSummarizeCmd(s, opts),
		newCommentCmd(s, opts), newUpdateCmd(s, opts),
		newGeoIPCmd(s, opts),
		newServeCmd(s, opts),
		newWatchCmd(s, opts),
		newMCPCmd(s, opts),
		newVersionCmd(s),
	)
	root.SetHelpTemplate(root.HelpTemplate() + exitStatusHelp)
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	usageErrors(root)
	return root
}

func newVersionCmd(s *IO) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version and the commit triage was built from",
		Long: `Print triage's version and the commit it was built from, with the commit's
time and "+dirty" when the tree had uncommitted changes; the same as --version.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(s.Out, "triage %s\n", cmd.Root().Version)
			return err
		},
	}
}

// usageErrors makes every mistake in the command line a usage error (exit
// 2), for c and its subcommands, in one place: cobra reports an unknown
// command and a wrong number of arguments (cobra.ExactArgs) as plain errors,
// and answers a command group given an unknown subcommand ("triage geoip
// bogus") with its help and success.
func usageErrors(c *cobra.Command) {
	for _, sub := range c.Commands() {
		usageErrors(sub)
	}
	if c.HasSubCommands() && !c.Runnable() {
		c.Args = cobra.ArbitraryArgs
		c.RunE = func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
			cmd.SuggestionsMinimumDistance = 2 // cobra's own default, which it sets only on its path
			if sug := cmd.SuggestionsFor(args[0]); len(sug) > 0 {
				msg += fmt.Sprintf(" (did you mean %q?)", sug[0])
			}
			return &FlagError{errors.New(msg)}
		}
		return
	}
	if validate := c.Args; validate != nil {
		c.Args = func(cmd *cobra.Command, args []string) error {
			err := validate(cmd, args)
			var fe *FlagError
			if err != nil && !errors.As(err, &fe) {
				err = &FlagError{err}
			}
			return err
		}
	}
}

const exitStatusHelp = `
EXIT STATUS
  0  success (also when nothing matched)
  1  error
  2  usage error
  3  partial result: some lookup or query failed; the output says which
  4  configuration or authentication error
`

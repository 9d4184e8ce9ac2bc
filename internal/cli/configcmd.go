package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/spf13/cobra"

	"github.com/triage-dev/triage/internal/azauth"
	"github.com/triage-dev/triage/internal/config"
)

func newConfigCmd(s *IO, g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Inspect the configuration",
		Long: `Inspect triage's configuration: triage.yaml and an existing
msticpyconfig.yaml, read together.`,
	}
	cmd.AddCommand(newConfigCheckCmd(s, g))
	return cmd
}

func newConfigCheckCmd(s *IO, g *globalOptions) *cobra.Command {
	var asJSON, permissions bool
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Check the configuration without calling out",
		Long: `Read the configuration and say which files were read and, for every
workspace and provider, whether it is usable and exactly what to fix. Sign-in
to each Sentinel workspace is set up as it would be for real, but nothing is
sent: no network call is made, Key Vault references are not read, and no
secret is printed. --json prints the same as one JSON object.

--permissions does call out: it signs in to each defender workspace as a
command would, reads the Microsoft Graph token's roles and scopes, and says
which of the permissions triage's features need are missing (the token is
never printed).

The exit status is 0 when no finding is an error and 4 when one is.`,
		Example: `  triage config check
  triage config check --config ./triage.yaml --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return configCheckRun(cmd.Context(), s, g, asJSON, permissions)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&permissions, "permissions", false, "sign in to defender workspaces and say which Graph permissions the token lacks (calls out)")
	return cmd
}

// configCheck is what triage config check reports; --json prints it.
type configCheck struct {
	// Files are the configuration files read, triage.yaml first.
	Files            []string         `json:"files"`
	TriageFile       string           `json:"triage_file,omitempty"`
	MsticpyFile      string           `json:"msticpy_file,omitempty"`
	DefaultWorkspace string           `json:"default_workspace"`
	Findings         []config.Finding `json:"findings"`
	// Errors and Warnings count the findings of those levels.
	Errors   int `json:"errors"`
	Warnings int `json:"warnings"`
}

func configCheckRun(ctx context.Context, s *IO, g *globalOptions, asJSON, permissions bool) error {
	lo := s.ConfigOptions(g.config)
	cfg, err := config.Load(lo)
	if err != nil {
		return &ConfigError{err}
	}
	getenv := lo.Getenv
	if getenv == nil {
		// As for Load: no Getenv is an empty environment.
		getenv = func(string) string { return "" }
	}
	r := configCheck{
		Files: cfg.Files, TriageFile: cfg.TriageFile, MsticpyFile: cfg.MsticpyFile,
		DefaultWorkspace: cfg.DefaultWorkspace,
		Findings:         withSignIn(cfg, cfg.Check(), getenv, s.Err),
	}
	if permissions {
		r.Findings = withGraphPermissions(ctx, cfg, r.Findings, getenv, s.Err)
	}
	for _, f := range r.Findings {
		switch f.Level {
		case config.LevelError:
			r.Errors++
		case config.LevelWarning:
			r.Warnings++
		}
	}
	if asJSON {
		enc := json.NewEncoder(s.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			return err
		}
	} else {
		printConfigCheck(s.Out, r)
	}
	if r.Errors > 0 {
		return &ConfigError{fmt.Errorf("the configuration has %s; each finding says what to fix", count(r.Errors, "error"))}
	}
	return nil
}

// withSignIn adds to findings what setting up sign-in found: for every
// Sentinel workspace, and for Key Vault when secrets refer to it, the
// credential is built as it would be for real (no network I/O) and a
// failure is an error of that subject. A subject Check already found an
// error in gets none: Check's says more exactly what to fix, and the
// failure is most likely the same.
func withSignIn(cfg *config.Config, findings []config.Finding, getenv func(string) string, prompt io.Writer) []config.Finding {
	hasError := map[string]bool{}
	hasSubject := map[string]bool{}
	for _, f := range findings {
		hasSubject[f.Subject] = true
		if f.Level == config.LevelError {
			hasError[f.Subject] = true
		}
	}
	extra := map[string]config.Finding{}
	try := func(subject string, opts azauth.Options) {
		if hasError[subject] {
			return
		}
		opts.Getenv, opts.Prompt = getenv, prompt
		if _, err := azauth.Credential(opts); err != nil {
			extra[subject] = config.Finding{Subject: subject, Level: config.LevelError,
				Message: "sign-in cannot be set up: " + err.Error()}
		}
	}
	for _, w := range cfg.Workspaces {
		if w.Kind == config.KindSentinel || w.Kind == config.KindDefender {
			try("workspace "+w.Name, azauth.Options{Auth: w.Auth, TenantID: w.TenantID, Endpoints: w.Endpoints})
		}
	}
	const kv = "key vault"
	if hasSubject[kv] {
		try(kv, azauth.Options{Auth: cfg.KeyVault.Auth, TenantID: cfg.KeyVault.TenantID, Endpoints: cfg.KeyVault.Endpoints})
	}
	if len(extra) == 0 {
		return findings
	}
	// Put each after its subject's last finding; a subject with an error
	// is not usable, so its other findings are no longer OK.
	var out []config.Finding
	for i, f := range findings {
		if _, ok := extra[f.Subject]; ok {
			f.OK = false
		}
		out = append(out, f)
		if e, ok := extra[f.Subject]; ok && (i+1 == len(findings) || findings[i+1].Subject != f.Subject) {
			out = append(out, e)
		}
	}
	return out
}

// printConfigCheck prints the report for people: the files, then the
// findings grouped by subject.
func printConfigCheck(w io.Writer, r configCheck) {
	if len(r.Files) == 0 {
		fmt.Fprintln(w, "No configuration file found: triage.yaml and msticpyconfig.yaml are both optional; without them only the demo workspace is configured.")
	}
	for _, f := range r.Files {
		fmt.Fprintln(w, "Read", f)
	}
	prev := ""
	for _, f := range r.Findings {
		if f.Subject != prev {
			fmt.Fprintf(w, "\n%s\n", f.Subject)
			prev = f.Subject
		}
		fmt.Fprintf(w, "  %-8s %s\n", f.Level, f.Message)
	}
	fmt.Fprintf(w, "\n%s, %s\n", count(r.Errors, "error"), count(r.Warnings, "warning"))
}

// count returns "1 error", "2 errors", "no errors".
func count(n int, noun string) string {
	switch n {
	case 0:
		return "no " + noun + "s"
	case 1:
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// withGraphPermissions signs in to every defender workspace without an
// error, reads the Graph token's roles and scopes and adds, after the
// workspace's findings, one saying which permissions of
// config.DefenderPermissions it lacks (a warning) or that it has them all.
// A failure to sign in is an error of the workspace. The token is never
// printed.
func withGraphPermissions(ctx context.Context, cfg *config.Config, findings []config.Finding, getenv func(string) string, prompt io.Writer) []config.Finding {
	hasError := map[string]bool{}
	for _, f := range findings {
		if f.Level == config.LevelError {
			hasError[f.Subject] = true
		}
	}
	extra := map[string]config.Finding{}
	for _, w := range cfg.Workspaces {
		subject := "workspace " + w.Name
		if w.Kind != config.KindDefender || hasError[subject] {
			continue
		}
		extra[subject] = graphPermissions(ctx, w, getenv, prompt)
	}
	var out []config.Finding
	for i, f := range findings {
		out = append(out, f)
		if e, ok := extra[f.Subject]; ok && (i+1 == len(findings) || findings[i+1].Subject != f.Subject) {
			out = append(out, e)
		}
	}
	return out
}

func graphPermissions(ctx context.Context, w config.Workspace, getenv func(string) string, prompt io.Writer) config.Finding {
	subject := "workspace " + w.Name
	fail := func(format string, a ...any) config.Finding {
		return config.Finding{Subject: subject, Level: config.LevelError, Message: fmt.Sprintf(format, a...)}
	}
	cred, err := azauth.Credential(azauth.Options{Auth: w.Auth, TenantID: w.TenantID, Endpoints: w.Endpoints, Getenv: getenv, Prompt: prompt})
	if err != nil {
		return fail("sign-in cannot be set up: %v", err)
	}
	tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{strings.TrimRight(w.Endpoints.Graph, "/") + "/.default"}})
	if err != nil {
		return fail("signing in for Microsoft Graph failed: %v", err)
	}
	grants, err := azauth.TokenGrants(tok.Token)
	if err != nil {
		return config.Finding{Subject: subject, OK: true, Level: config.LevelWarning, Message: "cannot tell the token's permissions: " + err.Error()}
	}
	missing := config.MissingGraphPermissions(grants.All())
	if len(missing) == 0 {
		return config.Finding{Subject: subject, OK: true, Level: config.LevelOK,
			Message: "the Graph token has every permission triage uses: " + strings.Join(grants.All(), ", ")}
	}
	var lacks []string
	for _, p := range missing {
		lacks = append(lacks, p.Name+" (for "+p.For+")")
	}
	return config.Finding{Subject: subject, OK: true, Level: config.LevelWarning,
		Message: "the Graph token lacks " + strings.Join(lacks, "; ") + ": grant them to the app (admin consent) or the user"}
}

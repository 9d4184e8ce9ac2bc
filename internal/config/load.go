package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// The file names and environment variables Load looks for.
const (
	TriageFileName  = "triage.yaml"
	MsticpyFileName = "msticpyconfig.yaml"
	EnvTriageConfig = "TRIAGE_CONFIG"
	EnvMsticpy      = "MSTICPYCONFIG"
)

// LoadOptions says where Load looks. The environment is injected: Load
// itself never reads the process environment.
type LoadOptions struct {
	// ConfigPath is triage.yaml given explicitly (--config); it must exist.
	ConfigPath string
	// MsticpyPath is msticpyconfig.yaml given explicitly; it must exist.
	MsticpyPath string
	// Getenv reads an environment variable; nil means an empty environment.
	Getenv func(string) string
	// Dir is the working directory: triage.yaml and msticpyconfig.yaml are
	// looked for there, and a relative workspace path (--workspace
	// ./lab.db) is read from there. "" skips the first and leaves the
	// second to the process's own working directory.
	Dir string
	// UserConfigDir is where <dir>/triage/triage.yaml is looked for;
	// UserCacheDir is where DataDir defaults to (<dir>/triage); HomeDir
	// replaces a leading ~ in paths. "" skips each.
	UserConfigDir string
	UserCacheDir  string
	HomeDir       string
}

// SystemLoadOptions returns LoadOptions for this process: its environment,
// working directory and user directories, with configPath from --config.
func SystemLoadOptions(configPath string) LoadOptions {
	o := LoadOptions{ConfigPath: configPath, Getenv: os.Getenv}
	o.Dir, _ = os.Getwd()
	o.UserConfigDir, _ = os.UserConfigDir()
	o.UserCacheDir, _ = os.UserCacheDir()
	o.HomeDir, _ = os.UserHomeDir()
	return o
}

// Load finds, reads and builds the configuration.
//
// triage.yaml is opts.ConfigPath, else $TRIAGE_CONFIG (both must exist),
// else ./triage.yaml, else <UserConfigDir>/triage/triage.yaml, else none.
// msticpyconfig.yaml is opts.MsticpyPath, else triage.yaml's msticpy_config
// setting (a path, or "none"), else $MSTICPYCONFIG, else
// ./msticpyconfig.yaml, else none. Neither file is required. Where both set
// something, triage.yaml wins, setting by setting.
//
// Any problem in triage.yaml is an error (an *Error naming file, line and
// setting; several are joined). msticpyconfig.yaml is read as leniently as
// msticpy reads it: what triage cannot use becomes a warning in
// Config.Warnings. Environment variables named for secrets are read now;
// Key Vault references wait for ResolveSecrets.
func Load(opts LoadOptions) (*Config, error) {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	var warnings []string

	triagePath, err := findTriage(opts, getenv)
	if err != nil {
		return nil, err
	}
	var tc *fileConfig
	lines := map[string]int{}
	if triagePath != "" {
		data, err := os.ReadFile(triagePath)
		if err != nil {
			return nil, fmt.Errorf("read configuration: %w", err)
		}
		d := &decoder{file: triagePath, lines: lines}
		tc, err = decodeTriage(d, data)
		if err != nil {
			return nil, err
		}
	}

	b := &builder{getenv: getenv, home: opts.HomeDir, userCacheDir: opts.UserCacheDir, workDir: opts.Dir, triageFile: triagePath, lines: lines}
	msticpyPath, w, err := findMsticpy(opts, getenv, tc, triagePath, lines, b)
	if err != nil {
		return nil, err
	}
	warnings = append(warnings, w...)
	var mc *fileConfig
	if msticpyPath != "" {
		data, err := os.ReadFile(msticpyPath)
		if err != nil {
			return nil, fmt.Errorf("read msticpy configuration: %w", err)
		}
		mc, w, err = readMsticpy(msticpyPath, data, getenv)
		if err != nil {
			return nil, err
		}
		warnings = append(warnings, w...)
	}

	c := b.build(merge(mc, tc))
	if len(b.errs) > 0 {
		return nil, joinErrors(b.errs)
	}
	c.Warnings = append(warnings, c.Warnings...)
	c.TriageFile, c.MsticpyFile = triagePath, msticpyPath
	c.Files = []string{}
	for _, f := range []string{triagePath, msticpyPath} {
		if f != "" {
			c.Files = append(c.Files, f)
		}
	}
	return c, nil
}

// findTriage returns the triage.yaml to read, or "".
func findTriage(opts LoadOptions, getenv func(string) string) (string, error) {
	if opts.ConfigPath != "" {
		return mustExist(opts.ConfigPath, "--config")
	}
	if p := getenv(EnvTriageConfig); p != "" {
		return mustExist(p, EnvTriageConfig)
	}
	var candidates []string
	if opts.Dir != "" {
		candidates = append(candidates, filepath.Join(opts.Dir, TriageFileName))
	}
	if opts.UserConfigDir != "" {
		candidates = append(candidates, filepath.Join(opts.UserConfigDir, "triage", TriageFileName))
	}
	return firstExisting(candidates)
}

// findMsticpy returns the msticpyconfig.yaml to read, or "", and warnings.
func findMsticpy(opts LoadOptions, getenv func(string) string, tc *fileConfig, triagePath string, lines map[string]int, b *builder) (string, []string, error) {
	if opts.MsticpyPath != "" {
		p, err := mustExist(opts.MsticpyPath, "msticpyconfig")
		return p, nil, err
	}
	if tc != nil && tc.MsticpyConfig != nil {
		v := strings.TrimSpace(*tc.MsticpyConfig)
		if v == "" || strings.EqualFold(v, "none") {
			return "", nil, nil
		}
		p := b.path(v, triagePath)
		if _, err := os.Stat(p); err != nil {
			return "", nil, &Error{File: triagePath, Line: lines["msticpy_config"], Key: "msticpy_config", Err: fmt.Errorf("%s: %w", p, errNotThere(err))}
		}
		return p, nil, nil
	}
	var warnings []string
	if p := getenv(EnvMsticpy); p != "" {
		found, err := firstExisting([]string{p})
		if err != nil {
			return "", nil, err
		}
		if found != "" {
			return found, nil, nil
		}
		// msticpy falls back to the working directory too.
		warnings = append(warnings, fmt.Sprintf("%s=%s: no such file; looking for %s in the working directory", EnvMsticpy, p, MsticpyFileName))
	}
	if opts.Dir == "" {
		return "", warnings, nil
	}
	found, err := firstExisting([]string{filepath.Join(opts.Dir, MsticpyFileName)})
	return found, warnings, err
}

func mustExist(p, from string) (string, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return "", fmt.Errorf("configuration file %s (from %s): %w", p, from, errNotThere(err))
	}
	if fi.IsDir() {
		return "", fmt.Errorf("configuration file %s (from %s) is a directory", p, from)
	}
	return filepath.Clean(p), nil
}

func errNotThere(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no such file: %w", fs.ErrNotExist)
	}
	return err
}

// firstExisting returns the first path that is a file; an error other than
// its absence (a permission problem) is returned.
func firstExisting(paths []string) (string, error) {
	for _, p := range paths {
		fi, err := os.Stat(p)
		switch {
		case err == nil && !fi.IsDir():
			return filepath.Clean(p), nil
		case err == nil, errors.Is(err, fs.ErrNotExist):
			continue
		default:
			return "", fmt.Errorf("configuration file %s: %w", p, err)
		}
	}
	return "", nil
}

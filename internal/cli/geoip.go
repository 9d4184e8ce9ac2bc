package cli

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/triage-dev/triage/internal/config"
	"github.com/triage-dev/triage/internal/enrich/geoip"
)

func newGeoIPCmd(s *IO, g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "geoip",
		Short: "Manage the GeoIP databases",
		Long: `Manage the databases that locate IP addresses: MaxMind GeoIP2/GeoLite2
City, Country and ASN files, and ip-location-db's mmdb and CSV files. Which
files are used is set by geoip.db_folder and geoip.databases in triage.yaml.`,
	}
	cmd.AddCommand(newGeoIPUpdateCmd(s, g))
	return cmd
}

// geoipUpdateOptions are the flags of geoip update.
type geoipUpdateOptions struct {
	url string // --url
}

func newGeoIPUpdateCmd(s *IO, g *globalOptions) *cobra.Command {
	o := &geoipUpdateOptions{}
	cmd := &cobra.Command{
		Use:   "update [--url <url>]",
		Short: "Download the configured GeoIP databases",
		Long: `Download the databases named by geoip.databases into the folder that holds
them (geoip.db_folder, by default), replacing each only once the download is
complete and checked: a failed download leaves the old file in use.

From MaxMind (the default geoip.download_url) the edition is the database
file name without .mmdb, e.g. GeoLite2-City.mmdb is the GeoLite2-City
edition; this needs a free MaxMind account: geoip.account_id and
geoip.license_key. A URL ending in .mmdb.gz, .csv.gz, .mmdb or .csv (DB-IP
Lite, ip-location-db) needs no account; {edition} in it stands for each
database's name without extension, and without {edition} the one file at the
URL is downloaded into geoip.db_folder.

The files written are printed, one a line.`,
		Example: `  triage geoip update
  triage geoip update --url 'https://cdn.jsdelivr.net/npm/@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb'`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return geoipUpdateRun(cmd.Context(), s, g, o)
		},
	}
	cmd.Flags().StringVar(&o.url, "url", "", "download from `url` instead of geoip.download_url; {edition} stands for the edition")
	return cmd
}

func geoipUpdateRun(ctx context.Context, s *IO, g *globalOptions, o *geoipUpdateOptions) error {
	if o.url != "" {
		u, err := url.Parse(strings.ReplaceAll(o.url, "{edition}", "edition"))
		if err != nil || u.Host == "" || u.Scheme != "https" && u.Scheme != "http" {
			return &FlagError{fmt.Errorf("--url: want an absolute https:// URL, with {edition} for the database edition, got %q", o.url)}
		}
	}
	cfg, err := config.Load(s.ConfigOptions(g.config))
	if err != nil {
		return &ConfigError{err}
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintln(s.Err, "triage: warning:", w)
	}
	gc := cfg.GeoIP
	raw := gc.DownloadURL
	if o.url != "" {
		raw = o.url
	}
	settings := "triage.yaml"
	if cfg.TriageFile != "" {
		settings = cfg.TriageFile
	}
	if gc.DBFolder == "" {
		return &ConfigError{fmt.Errorf("geoip update: no folder for the databases: set geoip.db_folder in %s", settings)}
	}

	if geoip.NeedsCredentials(raw) {
		if gc.LicenseKey.Source().Kind == config.SecretKeyVault && !gc.LicenseKey.IsSet() {
			if err := resolveSecrets(ctx, s, cfg); err != nil {
				return err
			}
			gc = cfg.GeoIP
		}
		if gc.AccountID == "" || !gc.LicenseKey.IsSet() {
			return &ConfigError{noCredentials(gc, settings)}
		}
	}

	// One download per folder, of the editions whose files are there.
	type batch struct {
		dir      string
		editions []string
	}
	var batches []batch
	if strings.Contains(raw, "{edition}") {
		for _, db := range gc.Databases {
			ed, ok := editionOf(db, raw)
			if !ok {
				fmt.Fprintf(s.Err, "triage: warning: %s is not downloaded: MaxMind serves .mmdb files only; give its address with --url or geoip.download_url\n", db)
				continue
			}
			dir := filepath.Dir(db)
			if n := len(batches); n > 0 && batches[n-1].dir == dir {
				batches[n-1].editions = append(batches[n-1].editions, ed)
			} else {
				batches = append(batches, batch{dir, []string{ed}})
			}
		}
		if len(batches) == 0 {
			return &ConfigError{fmt.Errorf("geoip update: no database to download: name the files in geoip.databases in %s, e.g. GeoLite2-City.mmdb", settings)}
		}
	} else {
		batches = []batch{{dir: gc.DBFolder}}
	}

	var written []string
	var errs []error
	for _, b := range batches {
		files, err := geoip.Update(ctx, geoip.UpdateOptions{
			Dir: b.dir, Editions: b.editions,
			AccountID: gc.AccountID, LicenseKey: gc.LicenseKey.Reveal(),
			URL: raw,
		})
		for _, f := range files {
			fmt.Fprintln(s.Out, f)
		}
		written = append(written, files...)
		if err != nil {
			errs = append(errs, err)
			if errors.Is(err, geoip.ErrUnauthorized) || ctx.Err() != nil {
				break
			}
		}
	}
	err = errors.Join(errs...)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, geoip.ErrUnauthorized):
		return &ConfigError{fmt.Errorf("%w (geoip.account_id and geoip.license_key in %s)", err, settings)}
	case len(written) > 0:
		fmt.Fprintln(s.Err, "triage:", err)
		return errPartial
	}
	return err
}

// editionOf returns the edition of database file db for download URL raw:
// its name without .mmdb (or .csv, and .gz). MaxMind's URLs serve .mmdb
// files only.
func editionOf(db, raw string) (string, bool) {
	name := strings.TrimSuffix(filepath.Base(db), ".gz")
	ext := filepath.Ext(name)
	if geoip.NeedsCredentials(raw) && !strings.EqualFold(ext, ".mmdb") {
		return "", false
	}
	return strings.TrimSuffix(name, ext), true
}

// noCredentials says exactly what to configure for a MaxMind download.
func noCredentials(gc config.GeoIP, settings string) error {
	var missing []string
	if gc.AccountID == "" {
		missing = append(missing, "geoip.account_id")
	}
	if !gc.LicenseKey.IsSet() {
		m := "geoip.license_key"
		if err := gc.LicenseKey.Err(); err != nil {
			m += " (" + err.Error() + ")"
		}
		missing = append(missing, m)
	}
	return fmt.Errorf("geoip update: downloading from MaxMind needs a free MaxMind account (https://www.maxmind.com/en/geolite2/signup): set %s in %s (the key may be given as {env: MAXMIND_LICENSE_KEY}); or download a database that needs no account with --url, e.g. an ip-location-db .mmdb file",
		strings.Join(missing, " and "), settings)
}

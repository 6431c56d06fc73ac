package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/drydock/drydock/vulndb"
	"github.com/drydock/drydock/vulndb/dbartifact"
)

func init() { addCommand(newDBCmd) }

// newDBCmd wires `drydock db update|import|status|push|pull` to the vulndb
// package and its registry transport, vulndb/dbartifact.
func newDBCmd() *cobra.Command {
	var path string
	cmd := &cobra.Command{
		Use:   "db",
		Short: "Manage the local vulnerability database (OSV records, CISA KEV, EPSS)",
		Long: "Manage the local vulnerability database.\n" +
			"Its path is --db, else $DRYDOCK_DB, else <user cache dir>/drydock/vuln.db.",
		Example: `  drydock db update
  drydock db import osv/Debian/all.zip
  drydock db status`,
	}
	cmd.PersistentFlags().StringVar(&path, "db", "", "database file (default $DRYDOCK_DB or "+vulndb.DefaultPath()+")")
	dbPath := func() string {
		if path != "" {
			return path
		}
		return vulndb.DefaultPath()
	}
	cmd.AddCommand(newDBUpdateCmd(dbPath), newDBImportCmd(dbPath), newDBStatusCmd(dbPath),
		newDBPushCmd(dbPath), newDBPullCmd(dbPath), newDBRematchCmd(dbPath))
	return cmd
}

func newDBUpdateCmd(dbPath func() string) *cobra.Command {
	var ecosystems []string
	var baseURL, kevURL, epssURL string
	var partial bool
	cmd := &cobra.Command{
		Use:   "update",
		Short: "Download what changed in the OSV export (and KEV, EPSS)",
		Long: "Download <base>/<Ecosystem>/all.zip for each ecosystem with conditional\n" +
			"requests and import what changed. A source that cannot be fetched keeps\n" +
			"its records; the others are updated.\n" +
			"Base URL: --base-url, else $DRYDOCK_OSV_URL, else " + vulndb.PublicOSVURL + ".\n" +
			"Default ecosystems: " + strings.Join(vulndb.DefaultEcosystems, ", ") + ".\n" +
			"CISA KEV (--kev-url):\n  https://www.cisa.gov/sites/default/files/feeds/\n  known_exploited_vulnerabilities.json\n" +
			"EPSS (--epss-url):\n  https://epss.empiricalsecurity.com/epss_scores-current.csv.gz\n" +
			"Offline, use db import (an OSV all.zip or folder) or db pull instead.",
		Example: `  drydock db update
  drydock db update --ecosystems Debian,Go,npm
  drydock db update --base-url https://mirror.example/osv`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts := []vulndb.Option{vulndb.WithProgress(cmd.ErrOrStderr()), vulndb.WithLogger(warnLogger(cmd.ErrOrStderr()))}
			if len(ecosystems) > 0 {
				opts = append(opts, vulndb.WithEcosystems(ecosystems...))
			}
			if partial {
				opts = append(opts, vulndb.WithAllowPartial())
			}
			for _, u := range []struct {
				flag string
				opt  func(string) vulndb.Option
			}{{baseURL, vulndb.WithBaseURL}, {kevURL, vulndb.WithKEVURL}, {epssURL, vulndb.WithEPSSURL}} {
				if u.flag != "" {
					opts = append(opts, u.opt(u.flag))
				}
			}
			rep, err := vulndb.Update(cmd.Context(), dbPath(), opts...)
			if rep != nil {
				// Some sources were updated even when others failed.
				if perr := printReport(cmd.OutOrStdout(), dbPath(), rep); perr != nil && err == nil {
					return perr
				}
			}
			var oe *vulndb.OptionError
			if errors.As(err, &oe) && oe.Option == "WithEcosystems" {
				return usageError{fmt.Errorf("--ecosystems: %w", oe.Err)}
			}
			return fetchHint(err, rep != nil)
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&ecosystems, "ecosystems", nil, "comma-separated OSV ecosystems to update (default: all drydock catalogs)")
	f.StringVar(&baseURL, "base-url", "", "OSV export or mirror URL (default $DRYDOCK_OSV_URL or "+vulndb.PublicOSVURL+")")
	f.StringVar(&kevURL, "kev-url", "", "CISA KEV catalog URL (JSON)")
	f.StringVar(&epssURL, "epss-url", "", "EPSS scores URL (CSV, gzipped or not)")
	f.BoolVar(&partial, "allow-partial", false, allowPartialHelp)
	return cmd
}

func newDBImportCmd(dbPath func() string) *cobra.Command {
	var kev, epss, source string
	var partial bool
	cmd := &cobra.Command{
		Use:   "import [PATH] [--kev FILE] [--epss FILE]",
		Short: "Import OSV records from a folder or all.zip, and KEV or EPSS files",
		Long: `Import OSV records from a folder or an OSV all.zip (offline), and KEV or
EPSS files. A later import under the same --source replaces its records.`,
		Example: `  drydock db import ~/mirror/osv/Debian/all.zip
  drydock db import ./advisories --source internal
  drydock db import --kev kev.json --epss epss.csv.gz`,
		Args: func(cmd *cobra.Command, args []string) error {
			if err := cobra.MaximumNArgs(1)(cmd, args); err != nil {
				return usageError{err}
			}
			if len(args) == 0 && kev == "" && epss == "" {
				return usageError{fmt.Errorf("give a folder or zip of OSV records, --kev FILE or --epss FILE")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			src := ""
			if len(args) == 1 {
				src = args[0]
			}
			opts := []vulndb.Option{vulndb.WithLogger(warnLogger(cmd.ErrOrStderr()))}
			if kev != "" {
				opts = append(opts, vulndb.WithKEVFile(kev))
			}
			if epss != "" {
				opts = append(opts, vulndb.WithEPSSFile(epss))
			}
			if source != "" {
				opts = append(opts, vulndb.WithSourceName(source))
			}
			if partial {
				opts = append(opts, vulndb.WithAllowPartial())
			}
			rep, err := vulndb.Import(cmd.Context(), dbPath(), src, opts...)
			if err != nil {
				return err
			}
			return printReport(cmd.OutOrStdout(), dbPath(), rep)
		},
	}
	f := cmd.Flags()
	f.StringVar(&kev, "kev", "", "CISA Known Exploited Vulnerabilities catalog (JSON)")
	f.StringVar(&epss, "epss", "", "EPSS scores (CSV, gzipped or not)")
	f.StringVar(&source, "source", "", "name to file the records under; a later import under the same name replaces them (default: the ecosystem for <Ecosystem>/all.zip, else the path)")
	f.BoolVar(&partial, "allow-partial", false, allowPartialHelp)
	return cmd
}

func newDBStatusCmd(dbPath func() string) *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show what the vulnerability database holds and how old it is",
		Example: `  drydock db status
  drydock db status --db /srv/vuln.db`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := vulndb.Open(cmd.Context(), dbPath())
			if err != nil {
				return err
			}
			defer db.Close()
			st, err := db.Status(cmd.Context())
			if err != nil {
				return err
			}
			return printStatus(cmd.OutOrStdout(), st, time.Now())
		},
	}
}

// dbRegistryFlags are the registry flags of db push and db pull.
type dbRegistryFlags struct {
	username, password string
	insecure, force    bool
}

func (f *dbRegistryFlags) add(fl *pflag.FlagSet) {
	fl.StringVar(&f.username, "username", "", "registry user name (default: Docker credentials, else anonymous)")
	fl.StringVar(&f.password, "password", "", "registry password or token")
	fl.BoolVar(&f.insecure, "insecure", false, "allow plain HTTP and unverified TLS to the registry")
}

func (f *dbRegistryFlags) options() ([]dbartifact.Option, error) {
	var opts []dbartifact.Option
	switch {
	case f.username != "":
		opts = append(opts, dbartifact.WithBasicAuth(f.username, f.password))
	case f.password != "":
		return nil, usageError{fmt.Errorf("--password needs --username")}
	}
	if f.insecure {
		opts = append(opts, dbartifact.WithInsecure())
	}
	if f.force {
		opts = append(opts, dbartifact.WithForce())
	}
	return opts, nil
}

func newDBPushCmd(dbPath func() string) *cobra.Command {
	var (
		rf  dbRegistryFlags
		key string
	)
	cmd := &cobra.Command{
		Use:   "push REF",
		Short: "Push the database to a registry as an OCI artifact",
		Long: `Push the database to a registry as an OCI artifact, for air-gapped
scanners to take with drydock db pull.`,
		Example: `  drydock db push registry.example/security/vulndb:latest
  drydock db push localhost:5000/sec/vulndb:1 --insecure --username ci`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := rf.options()
			if err != nil {
				return err
			}
			if key != "" {
				s, err := loadSigner(key, cmd.ErrOrStderr())
				if err != nil {
					return err
				}
				opts = append(opts, dbartifact.WithSigner(s))
			}
			res, err := dbartifact.Push(cmd.Context(), dbPath(), args[0], opts...)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "pushed %s: %d records, %.1f MiB (%.1f MiB in the database file)\n",
				res.Ref, res.Records, float64(res.LayerSize)/(1<<20), float64(res.DBSize)/(1<<20))
			return err
		},
	}
	rf.add(cmd.Flags())
	cmd.Flags().StringVar(&key, "key", "", "sign the pushed database with this private key (cosign.key)")
	return cmd
}

func newDBPullCmd(dbPath func() string) *cobra.Command {
	var (
		rf   dbRegistryFlags
		keys []string
	)
	cmd := &cobra.Command{
		Use:   "pull REF",
		Short: "Replace the database with one pushed by drydock db push",
		Long: `Replace the database with one pushed by drydock db push. The pulled
database is checked before it replaces anything, and an older one is refused
unless --force.`,
		Example: `  drydock db pull registry.example/security/vulndb:latest
  drydock db pull localhost:5000/sec/vulndb:1 --insecure --force`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := rf.options()
			if err != nil {
				return err
			}
			if len(keys) > 0 {
				pubs, err := loadPublicKeys(keys)
				if err != nil {
					return err
				}
				opts = append(opts, dbartifact.WithKeys(pubs...))
			}
			res, err := dbartifact.Pull(cmd.Context(), dbPath(), args[0], opts...)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "pulled %s: %d records, last imported %s\ndatabase: %s\n",
				res.Ref, res.Records, res.Newest.UTC().Format(time.RFC3339), dbPath())
			return err
		},
	}
	rf.add(cmd.Flags())
	cmd.Flags().BoolVar(&rf.force, "force", false, "take the pulled database even when it is older than the local one")
	cmd.Flags().StringArrayVar(&keys, "key", nil, "refuse a database not signed by this public key (cosign.pub); repeatable")
	return cmd
}

// fetchHint adds to a failed download what became of the database and what
// the user can do instead.
func fetchHint(err error, updated bool) error {
	var fe *vulndb.FetchError
	if !errors.As(err, &fe) {
		return err
	}
	hint := `other ways to get a database:
  drydock db import PATH    an OSV all.zip or a folder of records (offline)
  drydock db pull REF       a database pushed to your registry (db push)
  drydock db update --base-url URL      a mirror of the OSV export
  drydock db update --ecosystems LIST   fewer ecosystems`
	kept := "nothing was changed"
	if updated {
		kept = "the sources listed above were updated; the others kept their records"
	}
	if fe.Unreachable() {
		return fmt.Errorf("%w\n%s\n%s", err, kept, hint)
	}
	return fmt.Errorf("%w\n%s", err, kept)
}

// warnLogger prints skipped records as plain lines on stderr.
func warnLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// allowPartialHelp is the help of import's and update's --allow-partial.
var allowPartialHelp = fmt.Sprintf("keep a source even when over %.0f%% of its records are malformed (they are skipped and named)", vulndb.MaxSkippedShare*100)

func printReport(w io.Writer, path string, rep *vulndb.Report) error {
	for _, s := range rep.Sources {
		line := fmt.Sprintf("%s: %d records", s.Source, s.Records)
		if s.NotModified {
			line = s.Source + ": not modified"
		}
		if s.SkippedCount > 0 {
			line += fmt.Sprintf(", %d malformed skipped", s.SkippedCount)
		}
		if s.UnknownModified > 0 {
			line += fmt.Sprintf(" (%d without a modified time: every rematch rereads them)", s.UnknownModified)
		}
		fmt.Fprintln(w, line)
	}
	_, err := fmt.Fprintf(w, "database: %s\n", path)
	return err
}

func printStatus(w io.Writer, st *vulndb.Status, now time.Time) error {
	fmt.Fprintf(w, "database: %s (%.1f MiB, schema %d, %d records, %d withdrawn, built %s)\n",
		st.Path, float64(st.Size)/(1<<20), st.SchemaVersion, st.Records, st.Withdrawn, st.Built.UTC().Format(time.RFC3339))
	checked := map[string]time.Time{}
	for _, s := range st.Sources {
		checked[s.Name] = s.Checked
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ECOSYSTEM\tRECORDS\tSOURCE\tAGE")
	for _, e := range st.Ecosystems {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", e.Name, e.Records, e.Source, humanAge(now.Sub(checked[e.Source])))
	}
	for _, s := range st.Sources {
		if s.Kind != vulndb.KindOSV {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", strings.ToUpper(s.Kind), s.Records, s.Location, humanAge(now.Sub(s.Checked)))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if st.Stale {
		_, err := fmt.Fprintf(w, "WARNING: the vulnerability database is %s old (over %s): findings may be missing; run `drydock db update`\n",
			humanAge(st.Age), humanAge(st.MaxAge))
		return err
	}
	return nil
}

// humanAge rounds a duration the way a person reads an age.
func humanAge(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	default:
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	}
}

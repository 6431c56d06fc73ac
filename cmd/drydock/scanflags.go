package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/drydock/drydock/match"
	"github.com/drydock/drydock/policy"
	"github.com/drydock/drydock/vulndb"
)

// scanFlags are the flags of `drydock scan`.
type scanFlags struct {
	imageFlags
	format, failOn, policy, output, db string
	severities, severitySource         string
	ignoreFile                         string
	vex                                []string
	ignoreUnfixed                      bool
	exitCode                           int

	ignoreFileSet, exitCodeSet bool // the flag was given
}

func (f *scanFlags) addFlags(fl *pflag.FlagSet) {
	fl.StringVar(&f.format, "format", "table", "table, json, sarif, cyclonedx (alias cyclonedx-json) or junit")
	fl.StringVarP(&f.output, "output", "o", "", "write the report to FILE (atomically), not standard output")
	fl.StringVar(&f.failOn, "fail-on", "", "fail (exit 1) on a finding at or above low, medium, high or critical")
	fl.StringVar(&f.severities, "severity", "", "count only these severities, e.g. high,critical (of low, medium, high, critical, unknown; default all)")
	fl.IntVar(&f.exitCode, "exit-code", 0, "1: fail on any finding that counts (of --severity, if given); 0: report a policy failure but exit 0 (default: the policy decides)")
	fl.StringVar(&f.severitySource, "severity-source", policy.SourceCVSS, "cvss (from CVSS vectors) or vendor (the distro's rating rules for OS packages)")
	fl.BoolVar(&f.ignoreUnfixed, "ignore-unfixed", false, "leave out findings that have no fixed version yet")
	fl.BoolVar(&f.ignoreUnfixed, "only-fixed", false, "alias of --ignore-unfixed")
	fl.StringVar(&f.policy, "policy", "", "policy file (YAML) to judge the image with")
	fl.StringVar(&f.ignoreFile, "ignorefile", policy.IgnoreFileName, "ignore file: IDs to leave out, with optional package, expiry and reason (\"\" reads none)")
	fl.StringArrayVar(&f.vex, "vex", nil, "OpenVEX document whose statements suppress findings (repeatable)")
	fl.StringVar(&f.db, "db", "", "vulnerability database (default $DRYDOCK_DB or "+vulndb.DefaultPath()+")")
	f.imageFlags.addFlags(fl)
}

// scanPolicy loads --policy (or starts from the default) with the flags
// winning over the file, and the ignore file added to its exceptions.
func scanPolicy(f scanFlags, stderr io.Writer) (*policy.Policy, match.Severity, error) {
	var opts []policy.Option
	failOn := match.SeverityUnknown
	if f.failOn != "" {
		sev, err := parseFailOn(f.failOn)
		if err != nil {
			return nil, 0, err
		}
		failOn = sev
		opts = append(opts, policy.WithFailOn(sev))
	}
	if f.severities != "" {
		var sevs []match.Severity
		for _, s := range strings.Split(f.severities, ",") {
			sev, err := match.ParseSeverity(s)
			if err != nil {
				return nil, 0, usageError{fmt.Errorf("--severity %q: %q is not one of low, medium, high, critical, unknown", f.severities, s)}
			}
			sevs = append(sevs, sev)
		}
		opts = append(opts, policy.WithSeverities(sevs...))
	}
	if f.exitCodeSet {
		switch f.exitCode {
		case 1:
			opts = append(opts, policy.WithFailOnAny())
		case 0:
		default:
			return nil, 0, usageError{fmt.Errorf("--exit-code %d: want 1 or 0 (drydock's exit codes are fixed: 1 means a policy failure)", f.exitCode)}
		}
	}
	if f.severitySource != policy.SourceCVSS {
		opts = append(opts, policy.WithSeveritySource(f.severitySource))
	}
	if f.ignoreUnfixed {
		opts = append(opts, policy.WithIgnoreUnfixed())
	}
	if len(f.vex) > 0 {
		opts = append(opts, policy.WithVEX(f.vex...))
	}
	ignore, err := loadIgnoreFile(f, stderr)
	if err != nil {
		return nil, 0, err
	}
	if ignore != nil {
		opts = append(opts, policy.WithIgnoreFile(ignore))
	}
	if f.policy == "" {
		p, err := policy.New(opts...)
		return p, failOn, err
	}
	p, err := policy.Load(f.policy, opts...)
	return p, failOn, err
}

// parseFailOn reads --fail-on (of scan and audit): low, medium, high or
// critical; unknown is no threshold to fail at.
func parseFailOn(v string) (match.Severity, error) {
	sev, err := match.ParseSeverity(v)
	if err != nil || sev == match.SeverityUnknown {
		return 0, usageError{fmt.Errorf("--fail-on %q: want low, medium, high or critical", v)}
	}
	return sev, nil
}

// loadIgnoreFile reads --ignorefile; the default one only where it exists.
// Expired entries are said on stderr (unless --quiet; the verdict notes
// them too): they no longer apply.
func loadIgnoreFile(f scanFlags, stderr io.Writer) (*policy.IgnoreFile, error) {
	if f.ignoreFile == "" {
		return nil, nil
	}
	if !f.ignoreFileSet {
		if _, err := os.Stat(f.ignoreFile); errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
	}
	ig, err := policy.LoadIgnoreFile(f.ignoreFile)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	for _, e := range ig.Entries {
		if e.Expired(now) && !f.quiet {
			fmt.Fprintf(stderr, "drydock: warning: %s:%d: the entry for %s expired on %s and is not applied\n", ig.Path, e.Line, e.ID, e.Expires)
		}
	}
	return ig, nil
}

// openScanDB opens the vulnerability database at path (default
// vulndb.DefaultPath()) for scan and gate, warning on stderr unless quiet
// when it was last checked too long ago. It returns the path it opened.
func openScanDB(ctx context.Context, path string, quiet bool, stderr io.Writer) (*vulndb.DB, string, error) {
	if path == "" {
		path = vulndb.DefaultPath()
	}
	db, err := vulndb.Open(ctx, path)
	if err != nil {
		return nil, "", err
	}
	if db.Stale() && !quiet {
		fmt.Fprintf(stderr, "drydock: warning: the vulnerability database %s was last checked %s ago (more than %s): run `drydock db update`\n",
			path, db.Age().Round(time.Hour), db.MaxAge())
	}
	return db, path, nil
}

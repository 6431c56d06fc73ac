package vulndb

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Option configures Open, Build, Import and Update. Each call reads the
// options that concern it and ignores the rest.
type Option func(*options) error

type options struct {
	now         func() time.Time
	maxAge      time.Duration
	logger      *slog.Logger
	progress    io.Writer
	kevFile     string
	epssFile    string
	kevURL      string
	epssURL     string
	kev         []string
	epss        map[string]float64
	baseURL     string
	ecosystems  []string
	client      *http.Client
	maxDownload int64
	maxRecord   int64
	source      string
	partial     bool // WithAllowPartial
}

// DefaultMaxAge is how old a database may be before Stale reports it: the
// OSV bulk export is refreshed many times a day, so two days without an
// update means updates are not running.
const DefaultMaxAge = 48 * time.Hour

func newOptions(opts []Option) (*options, error) {
	o := &options{
		now:         time.Now,
		maxAge:      DefaultMaxAge,
		logger:      slog.Default(),
		client:      http.DefaultClient,
		maxDownload: 4 << 30,
		maxRecord:   16 << 20,
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(o); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// WithClock sets the clock used for ages, import times and staleness.
// Default: time.Now.
func WithClock(now func() time.Time) Option {
	return func(o *options) error {
		if now == nil {
			return optionErr("WithClock", "nil clock")
		}
		o.now = now
		return nil
	}
}

// WithMaxAge sets the age past which Open's DB reports itself stale.
// Default: DefaultMaxAge (48 h). It must be positive.
func WithMaxAge(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 {
			return optionErr("WithMaxAge", "%v is not a positive duration", d)
		}
		o.maxAge = d
		return nil
	}
}

// WithLogger sets where Import and Update report skipped records and
// progress lines. Default: slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return optionErr("WithLogger", "nil logger")
		}
		o.logger = l
		return nil
	}
}

// WithProgress makes Update report download progress on w: a bar redrawn in
// place when w is a terminal, a line per finished download otherwise.
// Default: no progress output.
func WithProgress(w io.Writer) Option {
	return func(o *options) error {
		o.progress = w
		return nil
	}
}

// WithKEVFile loads the CISA Known Exploited Vulnerabilities catalog (its
// JSON format) from path, replacing any loaded before. Default: none.
func WithKEVFile(path string) Option {
	return func(o *options) error {
		if path == "" {
			return optionErr("WithKEVFile", "empty path")
		}
		o.kevFile = path
		return nil
	}
}

// WithEPSSFile loads EPSS scores (FIRST's CSV, gzipped or not) from path,
// replacing any loaded before. Default: none.
func WithEPSSFile(path string) Option {
	return func(o *options) error {
		if path == "" {
			return optionErr("WithEPSSFile", "empty path")
		}
		o.epssFile = path
		return nil
	}
}

// WithKEVURL makes Update download the KEV catalog from rawURL (for CISA:
// https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json).
// Default: KEV is not downloaded.
func WithKEVURL(rawURL string) Option {
	return func(o *options) error {
		if err := checkURL(rawURL); err != nil {
			return optionErr("WithKEVURL", "%w", err)
		}
		o.kevURL = rawURL
		return nil
	}
}

// WithEPSSURL makes Update download EPSS scores from rawURL (for FIRST:
// https://epss.empiricalsecurity.com/epss_scores-current.csv.gz).
// Default: EPSS is not downloaded.
func WithEPSSURL(rawURL string) Option {
	return func(o *options) error {
		if err := checkURL(rawURL); err != nil {
			return optionErr("WithEPSSURL", "%w", err)
		}
		o.epssURL = rawURL
		return nil
	}
}

// WithKEV marks the given CVE ids as known exploited in a database made by
// Build (for tests of the packages that read it). Default: none.
func WithKEV(ids ...string) Option {
	return func(o *options) error {
		for _, id := range ids {
			if strings.TrimSpace(id) == "" {
				return optionErr("WithKEV", "empty id")
			}
		}
		o.kev = append(o.kev, ids...)
		return nil
	}
}

// WithEPSS sets EPSS scores (0–1) by CVE id in a database made by Build.
// Default: none.
func WithEPSS(scores map[string]float64) Option {
	return func(o *options) error {
		for id, s := range scores {
			if s < 0 || s > 1 {
				return optionErr("WithEPSS", "%s: score %v is outside 0–1", id, s)
			}
		}
		o.epss = scores
		return nil
	}
}

// WithBaseURL sets where Update finds <base>/<Ecosystem>/all.zip.
// Default: DefaultBaseURL() (env DRYDOCK_OSV_URL, else the public OSV export).
func WithBaseURL(rawURL string) Option {
	return func(o *options) error {
		if err := checkURL(rawURL); err != nil {
			return optionErr("WithBaseURL", "%w", err)
		}
		o.baseURL = strings.TrimRight(rawURL, "/")
		return nil
	}
}

// WithEcosystems narrows Update to these OSV ecosystems, written as OSV
// names its folders ("Debian", "Red Hat", "crates.io"); a name that is not
// one of KnownEcosystems is refused.
// Default: DefaultEcosystems.
func WithEcosystems(ecosystems ...string) Option {
	return func(o *options) error {
		if len(ecosystems) == 0 {
			return optionErr("WithEcosystems", "no ecosystem given")
		}
		for _, e := range ecosystems {
			if strings.TrimSpace(e) == "" || strings.ContainsAny(e, "/\\") {
				return optionErr("WithEcosystems", "%q is not an ecosystem name", e)
			}
			if err := checkEcosystem(e); err != nil {
				return &OptionError{Option: "WithEcosystems", Err: err}
			}
		}
		o.ecosystems = ecosystems
		return nil
	}
}

// WithHTTPClient sets the client Update downloads with.
// Default: http.DefaultClient.
func WithHTTPClient(c *http.Client) Option {
	return func(o *options) error {
		if c == nil {
			return optionErr("WithHTTPClient", "nil client")
		}
		o.client = c
		return nil
	}
}

// WithMaxDownload bounds each file Update downloads. Default: 4 GiB.
func WithMaxDownload(n int64) Option {
	return func(o *options) error {
		if n <= 0 {
			return optionErr("WithMaxDownload", "%d is not a positive size", n)
		}
		o.maxDownload = n
		return nil
	}
}

// WithMaxRecordSize bounds one OSV record; a larger one is skipped with a
// warning. Default: 16 MiB.
func WithMaxRecordSize(n int64) Option {
	return func(o *options) error {
		if n <= 0 {
			return optionErr("WithMaxRecordSize", "%d is not a positive size", n)
		}
		o.maxRecord = n
		return nil
	}
}

// WithSourceName names the source Import records its records under; a later
// import under the same name replaces them. Default: the ecosystem for an
// OSV "<Ecosystem>/all.zip" (the name Update uses), else the absolute path.
func WithSourceName(name string) Option {
	return func(o *options) error {
		if strings.TrimSpace(name) == "" {
			return optionErr("WithSourceName", "empty name")
		}
		o.source = name
		return nil
	}
}

// optionErr reports a bad option value as an *OptionError.
func optionErr(option, format string, args ...any) error {
	return &OptionError{Option: option, Err: fmt.Errorf(format, args...)}
}

func checkURL(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL", rawURL)
	}
	return nil
}

// PublicOSVURL is the OSV project's public bulk export, holding
// <Ecosystem>/all.zip for every ecosystem.
const PublicOSVURL = "https://osv-vulnerabilities.storage.googleapis.com"

// DefaultEcosystems are the OSV ecosystems drydock catalogs packages of,
// as the OSV export names its folders. Update fetches these by default.
var DefaultEcosystems = []string{
	"Debian", "Ubuntu", "Alpine", "Red Hat", "AlmaLinux", "Rocky Linux", "SUSE", "openSUSE",
	"Wolfi", "Chainguard", "Go", "npm", "PyPI", "Maven", "crates.io", "RubyGems", "Packagist", "NuGet",
}

// DefaultPath is where drydock keeps its database unless told otherwise:
// $DRYDOCK_DB when set, else <user cache dir>/drydock/vuln.db (falling back
// to the temporary folder when there is no user cache dir). Every command
// that reads or writes the database uses it as its default.
func DefaultPath() string {
	if p := strings.TrimSpace(os.Getenv("DRYDOCK_DB")); p != "" {
		return p
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "drydock", "vuln.db")
}

// DefaultBaseURL is where Update looks for the OSV export unless
// WithBaseURL says otherwise: $DRYDOCK_OSV_URL when set (a mirror), else
// PublicOSVURL.
func DefaultBaseURL() string {
	if u := strings.TrimSpace(os.Getenv("DRYDOCK_OSV_URL")); u != "" {
		return strings.TrimRight(u, "/")
	}
	return PublicOSVURL
}

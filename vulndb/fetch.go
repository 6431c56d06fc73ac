package vulndb

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
)

// FetchError is a source Update could not download: its host does not
// resolve or answer, its server refused, or the answer was over the size
// limit. Update keeps that source's old records and goes on with the others.
type FetchError struct {
	Source string // "Debian", "kev"
	URL    string
	Err    error
}

func (e *FetchError) Error() string {
	return fmt.Sprintf("vulndb: could not fetch %s from %s: %s", e.Source, e.URL, e.reason())
}

func (e *FetchError) Unwrap() error { return e.Err }

// reason says in a few words why, without the transport's layers of detail.
func (e *FetchError) reason() string {
	var dns *net.DNSError
	var op *net.OpError
	var he *HTTPError
	switch {
	case errors.As(e.Err, &dns):
		return fmt.Sprintf("the host %s does not resolve (offline, or no DNS?)", dns.Name)
	case errors.As(e.Err, &op):
		return fmt.Sprintf("the host does not answer (%v)", op.Err)
	case errors.As(e.Err, &he):
		return he.Status
	}
	return e.Err.Error()
}

// Unreachable reports whether the host could not be reached at all (no
// DNS answer, connection refused, no route, timeout): offline, or a wrong
// base URL.
func (e *FetchError) Unreachable() bool {
	var dns *net.DNSError
	var op *net.OpError
	return errors.As(e.Err, &dns) || errors.As(e.Err, &op)
}

// InvalidInput reports true when the user can act: an unreachable host, a
// feed that is not there (404, 410), an answer over the size limit. A
// server's own error (5xx) is not the user's doing.
func (e *FetchError) InvalidInput() bool {
	var he *HTTPError
	if errors.As(e.Err, &he) {
		return he.InvalidInput()
	}
	var ie *InputError
	return errors.As(e.Err, &ie) || e.Unreachable()
}

// KnownEcosystems are the ecosystems the OSV export publishes, as it names
// its folders; WithEcosystems accepts only these.
var KnownEcosystems = []string{
	"AlmaLinux", "Alpine", "Android", "Azure Linux", "Bioconductor", "Bitnami", "CRAN", "Chainguard",
	"Debian", "GHC", "GIT", "GitHub Actions", "Go", "Hackage", "Hex", "Julia", "Linux", "Mageia",
	"Maven", "MinimOS", "NuGet", "OSS-Fuzz", "Packagist", "Photon OS", "Pub", "PyPI", "Red Hat",
	"Rocky Linux", "RubyGems", "SUSE", "SwiftURL", "Ubuntu", "VSCode", "Wolfi", "crates.io", "npm",
	"openEuler", "openSUSE",
}

// checkEcosystem refuses a name the OSV export does not have, suggesting
// the known name it differs from only in case or spacing.
func checkEcosystem(name string) error {
	if slices.Contains(KnownEcosystems, name) {
		return nil
	}
	squash := func(s string) string {
		return strings.ToLower(strings.NewReplacer(" ", "", "-", "", "_", "").Replace(s))
	}
	for _, k := range KnownEcosystems {
		if squash(k) == squash(name) {
			return fmt.Errorf("unknown ecosystem %q: did you mean %q?", name, k)
		}
	}
	return fmt.Errorf("unknown ecosystem %q (known: %s)", name, strings.Join(KnownEcosystems, ", "))
}

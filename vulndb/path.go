package vulndb

import (
	"os"
	"path/filepath"
	"strings"
)

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

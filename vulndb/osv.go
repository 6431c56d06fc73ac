package vulndb

import (
	"encoding/json"
	"time"
)

// Advisory is one OSV record (https://ossf.github.io/osv-schema/), the
// fields drydock reads. Unknown fields are kept in the stored JSON.
type Advisory struct {
	SchemaVersion    string          `json:"schema_version,omitempty"`
	ID               string          `json:"id"`
	Modified         time.Time       `json:"modified"`
	Published        *time.Time      `json:"published,omitempty"`
	Withdrawn        *time.Time      `json:"withdrawn,omitempty"`
	Aliases          []string        `json:"aliases,omitempty"`
	Related          []string        `json:"related,omitempty"`
	Upstream         []string        `json:"upstream,omitempty"`
	Summary          string          `json:"summary,omitempty"`
	Details          string          `json:"details,omitempty"`
	Severity         []Severity      `json:"severity,omitempty"`
	Affected         []Affected      `json:"affected,omitempty"`
	References       []Reference     `json:"references,omitempty"`
	DatabaseSpecific json.RawMessage `json:"database_specific,omitempty"`
}

// Severity is a scored severity vector: type "CVSS_V2", "CVSS_V3", "CVSS_V4"
// (or "Ubuntu", a distro's own word) and the vector or word in Score.
type Severity struct {
	Type  string `json:"type"`
	Score string `json:"score"`
}

// Affected names one package and the versions of it that are affected.
type Affected struct {
	Package           Package         `json:"package"`
	Severity          []Severity      `json:"severity,omitempty"`
	Ranges            []Range         `json:"ranges,omitempty"`
	Versions          []string        `json:"versions,omitempty"`
	EcosystemSpecific json.RawMessage `json:"ecosystem_specific,omitempty"`
	DatabaseSpecific  json.RawMessage `json:"database_specific,omitempty"`
}

// Package identifies a package in an OSV ecosystem ("Debian:12", "Go", …).
type Package struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	PURL      string `json:"purl,omitempty"`
}

// Range is an OSV range: Type "ECOSYSTEM", "SEMVER" or "GIT".
type Range struct {
	Type   string  `json:"type"`
	Repo   string  `json:"repo,omitempty"`
	Events []Event `json:"events"`
}

// Event is one event of a range; exactly one field is set.
type Event struct {
	Introduced   string `json:"introduced,omitempty"`
	Fixed        string `json:"fixed,omitempty"`
	LastAffected string `json:"last_affected,omitempty"`
	Limit        string `json:"limit,omitempty"`
}

// Reference is a link with its OSV type ("ADVISORY", "FIX", "WEB", …).
type Reference struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

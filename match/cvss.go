package match

import (
	"fmt"
	"math"
	"strings"

	gocvss20 "github.com/pandatix/go-cvss/20"
	gocvss30 "github.com/pandatix/go-cvss/30"
	gocvss31 "github.com/pandatix/go-cvss/31"
	gocvss40 "github.com/pandatix/go-cvss/40"

	"github.com/drydock/drydock/vulndb"
)

// cvssRank orders CVSS versions: a v4 vector is preferred over a v3 one,
// which is preferred over v2, whatever their scores.
func cvssRank(method string) int {
	switch method {
	case "CVSSv4":
		return 4
	case "CVSSv31", "CVSSv3":
		return 3
	case "CVSSv2":
		return 2
	}
	return 0
}

// ScoreVector computes the base score and rating of one OSV severity entry
// of type CVSS_V2, CVSS_V3 or CVSS_V4. The version is read from the vector
// itself where it says one ("CVSS:3.0/", "CVSS:3.1/", "CVSS:4.0/"), so a
// mislabelled type does not mis-score. A vector the library refuses is an
// error naming it; the caller warns and keeps the severity unknown.
func ScoreVector(typ, vector string) (Rating, error) {
	vector = strings.TrimSpace(vector)
	r := Rating{Vector: vector}
	var score float64
	switch {
	case strings.HasPrefix(vector, "CVSS:4.0/"):
		v, err := gocvss40.ParseVector(vector)
		if err != nil {
			return r, fmt.Errorf("match: CVSS v4.0 vector %q: %w", vector, err)
		}
		r.Method, score = "CVSSv4", v.Score()
	case strings.HasPrefix(vector, "CVSS:3.1/"):
		v, err := gocvss31.ParseVector(vector)
		if err != nil {
			return r, fmt.Errorf("match: CVSS v3.1 vector %q: %w", vector, err)
		}
		r.Method, score = "CVSSv31", v.BaseScore()
	case strings.HasPrefix(vector, "CVSS:3.0/"):
		v, err := gocvss30.ParseVector(vector)
		if err != nil {
			return r, fmt.Errorf("match: CVSS v3.0 vector %q: %w", vector, err)
		}
		r.Method, score = "CVSSv3", v.BaseScore()
	case typ == "CVSS_V2" || strings.HasPrefix(vector, "AV:"):
		// v2 vectors carry no version prefix; some feeds add "(…)".
		v, err := gocvss20.ParseVector(strings.Trim(vector, "()"))
		if err != nil {
			return r, fmt.Errorf("match: CVSS v2 vector %q: %w", vector, err)
		}
		r.Method, score = "CVSSv2", v.BaseScore()
	default:
		return r, fmt.Errorf("match: %s severity %q is not a CVSS vector drydock can score", typ, vector)
	}
	r.Score = math.Round(score*10) / 10
	r.Severity = rate(r.Method, r.Score)
	return r, nil
}

// rate maps a base score to a rating. v3 and v4 share FIRST's qualitative
// scale; v2 has only low, medium and high (NVD's bands). A score of 0.0 is
// "none" in CVSS, which drydock keeps as unknown rather than inventing low.
func rate(method string, score float64) Severity {
	switch {
	case score <= 0:
		return SeverityUnknown
	case method == "CVSSv2" && score >= 7:
		return SeverityHigh
	case score >= 9:
		return SeverityCritical
	case score >= 7:
		return SeverityHigh
	case score >= 4:
		return SeverityMedium
	default:
		return SeverityLow
	}
}

// better reports whether a should be preferred to b as the finding's rating.
func better(a, b Rating) bool {
	if ra, rb := cvssRank(a.Method), cvssRank(b.Method); ra != rb {
		return ra > rb
	}
	if a.Score != b.Score {
		return a.Score > b.Score
	}
	return a.Vector < b.Vector
}

// ratingsOf scores the CVSS entries of a record's or an affected entry's
// severity list; other types (a distro's word) are left to distroSeverity.
func ratingsOf(source string, sev []vulndb.Severity, warn func(string)) []Rating {
	var out []Rating
	for _, s := range sev {
		if !strings.HasPrefix(s.Type, "CVSS_") {
			continue
		}
		r, err := ScoreVector(s.Type, s.Score)
		if err != nil {
			warn(fmt.Sprintf("%s: %v", source, err))
			continue
		}
		r.Source = source
		out = append(out, r)
	}
	return out
}

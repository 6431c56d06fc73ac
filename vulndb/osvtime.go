package vulndb

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"
)

// Feeds write OSV's timestamps in more shapes than RFC 3339 allows:
// golang/vulndb's data/osv writes "0001-01-01T00:00:00Z" for every record's
// modified time, some mirrors drop the zone or the time of day. None of that
// makes a record wrong, so the times are read leniently and a time that
// cannot be read is unknown (the zero time), never a reason to skip the
// record. Only the withdrawn time changes what a record means: a withdrawn
// time present but unreadable still withdraws the record.

// osvTimeLayouts are tried in order; a layout without a zone is UTC.
var osvTimeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02",
}

// parseOSVTime reads one timestamp field. present is false for an absent
// or null field; t is zero when the value is there but not readable.
func parseOSVTime(raw json.RawMessage) (t time.Time, present bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return time.Time{}, false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return time.Time{}, true
	}
	s = strings.TrimSpace(s)
	for _, layout := range osvTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, true
}

// timeKey is how a time is stored: Unix nanoseconds, or 0 for a time that
// is unknown — zero, or outside what int64 nanoseconds can hold (before
// 1678 or after 2262, where UnixNano is undefined).
func timeKey(t time.Time) int64 {
	if t.IsZero() || t.Year() < 1678 || t.Year() > 2261 {
		return 0
	}
	return t.UnixNano()
}

// KnownTime reports whether t is a usable record time; a record whose
// modified time is unknown is treated as changed by every ModifiedSince.
func KnownTime(t time.Time) bool { return timeKey(t) != 0 }

// advisoryFields is Advisory without its methods, for UnmarshalJSON.
type advisoryFields Advisory

// UnmarshalJSON reads a record with lenient timestamps (see parseOSVTime);
// everything else is read as encoding/json reads the struct.
func (a *Advisory) UnmarshalJSON(b []byte) error {
	aux := struct {
		*advisoryFields
		Modified  json.RawMessage `json:"modified"`
		Published json.RawMessage `json:"published"`
		Withdrawn json.RawMessage `json:"withdrawn"`
	}{advisoryFields: (*advisoryFields)(a)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	a.Modified, _ = parseOSVTime(aux.Modified)
	a.Published = nil
	if t, ok := parseOSVTime(aux.Published); ok && !t.IsZero() {
		a.Published = &t
	}
	a.Withdrawn = nil
	if t, ok := parseOSVTime(aux.Withdrawn); ok {
		a.Withdrawn = &t
	}
	return nil
}

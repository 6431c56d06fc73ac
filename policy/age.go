package policy

import (
	"strconv"
	"strings"
	"time"
)

// parseAge reads a maximum age: whole days ("90d"), weeks ("2w"), or a Go
// duration for shorter spans ("36h"). It must be positive.
func parseAge(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var d time.Duration
	var err error
	switch {
	case strings.HasSuffix(s, "d"), strings.HasSuffix(s, "w"):
		unit := 24 * time.Hour
		if strings.HasSuffix(s, "w") {
			unit *= 7
		}
		n, perr := strconv.ParseInt(s[:len(s)-1], 10, 32)
		if perr != nil {
			err = perr
			break
		}
		d = time.Duration(n) * unit
	default:
		d, err = time.ParseDuration(s)
	}
	if err != nil || d <= 0 {
		return 0, detail(ErrInvalidValue, "max age %q is not a positive number of days (90d), weeks (2w) or hours (36h)", s)
	}
	return d, nil
}

// formatAge writes an age in whole days, rounded down, or hours under a day.
func formatAge(d time.Duration) string {
	if d < 24*time.Hour {
		return strconv.Itoa(int(d/time.Hour)) + "h"
	}
	return strconv.Itoa(int(d/(24*time.Hour))) + "d"
}

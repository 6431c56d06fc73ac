// Package span reads a length of time as drydock's users write it: a
// number of days ("90d") or anything time.ParseDuration takes ("12h",
// "30m"). Robot lifetimes and the audit log's --since/--until read it.
package span

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// maxDays bounds a span given in days, so that it cannot overflow.
const maxDays = 100 * 365

// Parse reads s; it must be positive. The error quotes s.
func Parse(s string) (time.Duration, error) {
	var d time.Duration
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days > maxDays {
			return 0, fmt.Errorf("%q is not a number of days", s)
		}
		d = time.Duration(days) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("%q is not a duration like 90d or 12h", s)
		}
	}
	if d <= 0 {
		return 0, fmt.Errorf("%q is not positive", s)
	}
	return d, nil
}

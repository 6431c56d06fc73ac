package auth

import (
	"strings"
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newLimiter(2, 10*time.Second, func() time.Time { return now })
	steps := []struct {
		advance  time.Duration
		refund   bool // the attempt was right: give the token back
		wantOK   bool
		wantWait time.Duration // when refused
	}{
		{0, false, true, 0},                 // 2 → 1
		{0, true, true, 0},                  // taken and given back: still 1
		{0, false, true, 0},                 // 1 → 0
		{0, false, false, 10 * time.Second}, // empty: a whole refill to wait
		{4 * time.Second, false, false, 6 * time.Second},
		{6 * time.Second, false, true, 0}, // one token back, spent
		{0, false, false, 10 * time.Second},
		{time.Hour, false, true, 0}, // full again, capped at the burst
		{0, false, true, 0},
		{0, false, false, 10 * time.Second},
	}
	for i, s := range steps {
		now = now.Add(s.advance)
		ok, wait := l.take("alice")
		if ok != s.wantOK || (!ok && wait != s.wantWait) {
			t.Errorf("step %d: take = %t, wait %s; want %t, wait %s", i, ok, wait, s.wantOK, s.wantWait)
		}
		if ok && s.refund {
			l.refund("alice")
		}
	}
	if ok, _ := l.take("bob"); !ok {
		t.Error("bob is limited by alice's failures, want separate buckets")
	}
}

func TestParseScopes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      []string
		want    []string
		wantErr bool
	}{
		{[]string{"repository:team/app:pull,push"}, []string{"repository:team/app:pull,push"}, false},
		{[]string{"repository:team/app:pull repository:pub/x:pull", "registry:catalog:*"}, []string{"repository:team/app:pull", "repository:pub/x:pull", "registry:catalog:*"}, false},
		{[]string{"repository(plugin):team/app:pull"}, []string{"repository:team/app:pull"}, false},
		{[]string{"repository:host:5000/app:pull"}, []string{"repository:host:5000/app:pull"}, false},
		{[]string{"repository:team/app:"}, []string{"repository:team/app:"}, false},
		{[]string{"nocolon"}, nil, true},
		{[]string{"repository::pull"}, nil, true},
		{[]string{strings.Repeat("repository:a/b:pull ", MaxScopes+1)}, nil, true},
	}
	for _, tt := range tests {
		got, err := ParseScopes(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseScopes(%q) error %v, want error %t", tt.in, err, tt.wantErr)
			continue
		}
		var s []string
		for _, sc := range got {
			s = append(s, sc.String())
		}
		if strings.Join(s, " ") != strings.Join(tt.want, " ") {
			t.Errorf("ParseScopes(%q) = %v, want %v", tt.in, s, tt.want)
		}
	}
}

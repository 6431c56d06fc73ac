package vulndb

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestProgressBar(t *testing.T) {
	now := time.Unix(0, 0)
	var out bytes.Buffer
	p := newProgress(&out, "Debian", 4<<20, func() time.Time { return now })
	p.tty = true // as on a terminal
	p.Write(make([]byte, 1<<20))
	now = now.Add(time.Second)
	p.Write(make([]byte, 1<<20))
	p.done("downloaded")
	got := out.String()
	for _, want := range []string{"\rDebian ", "[#######", " 50% 2.0 MiB / 4.0 MiB", " downloaded\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("terminal progress %q lacks %q", got, want)
		}
	}
	out.Reset()
	p = newProgress(&out, "Go", -1, time.Now) // not a terminal, size unknown
	p.Write(make([]byte, 3<<20))
	p.done("downloaded")
	if got, want := out.String(), "Go: downloaded (3.0 MiB)\n"; got != want {
		t.Errorf("plain progress = %q, want %q", got, want)
	}
}

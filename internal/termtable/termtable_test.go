package termtable

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestWriteFits(t *testing.T) {
	tb := New(Column{Head: "ID"}, Column{Head: "PACKAGE", Cut: 2, Min: 8}, Column{Head: "STEP", Cut: 1, Min: 10, Drop: true})
	tb.Row("CVE-2023-4911", "libc6-dev-with-a-very-long-name", "RUN apt-get update && apt-get install -y curl libc6")
	tb.Row("DSA-5514-1", "zlib1g", "ADD rootfs.tar /")
	tests := []struct {
		width int    // the width asked for
		want  int    // the widest line written
		has   string // a fragment of the output
	}{
		{0, 99, "libc6-dev-with-a-very-long-name"},
		{80, 80, "libc6-dev-with-a-very-long-name"},
		{60, 60, "RUN apt-get…"},                      // the step gives way first
		{50, 46, "libc6-dev-with-a-very-long-name\n"}, // then it is dropped
		{20, 23, "libc6-d…"},                          // every cuttable column at its minimum
	}
	for _, tt := range tests {
		var b bytes.Buffer
		if err := tb.Write(&b, tt.width, nil); err != nil {
			t.Fatal(err)
		}
		got := 0
		for _, l := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
			got = max(got, utf8.RuneCountInString(l))
		}
		if got != tt.want || !strings.Contains(b.String(), tt.has) {
			t.Errorf("width %d: widest line %d, want %d containing %q:\n%s", tt.width, got, tt.want, tt.has, b.String())
		}
	}
}

func TestWritePaintDoesNotCount(t *testing.T) {
	tb := New(Column{Head: "SEV"}, Column{Head: "ID"})
	// Leading spaces of a wrapped line are kept.
	if got := Wrap("  - a reason that is long", 12, "    "); strings.Join(got, "|") != "  - a reason|    that is|    long" {
		t.Errorf("Wrap kept no indent: %q", got)
	}
	tb.Row("HIGH", "CVE-1")
	var b bytes.Buffer
	if err := tb.Write(&b, 0, func(col int, _, text string) string {
		if col == 0 {
			return "\x1b[31m" + text + "\x1b[0m"
		}
		return text
	}); err != nil {
		t.Fatal(err)
	}
	if want := "SEV   ID\n\x1b[31mHIGH\x1b[0m  CVE-1\n"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}

func TestWrap(t *testing.T) {
	got := Wrap("note: exception for CVE-2023-4911 expired on 2024-01-01 and no longer applies", 30, "  ")
	want := []string{"note: exception for", "  CVE-2023-4911 expired on", "  2024-01-01 and no longer", "  applies"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := Wrap("short", 0, ""); len(got) != 1 || got[0] != "short" {
		t.Errorf("width 0: %q", got)
	}
}
